#!/usr/bin/env node
// Lays out the npm packages of pgvet, ready for `npm pack` or `npm publish`:
//
//   node packaging/npm/stage.js OUT [PLATFORM=BINARY ...]
//
// writes OUT/pgvet, the main package (packaging/npm/pgvet: the launcher
// bin/pgvet.js), and for each PLATFORM=BINARY pair OUT/PLATFORM, the package
// @pgvet/PLATFORM holding that binary. PLATFORM is one of the main package's
// optionalDependencies without the scope (linux-x64, darwin-arm64, ...), named
// as node names them (process.platform-process.arch). Every package gets the
// version of Cargo.toml, and the main package requires exactly that version
// of each platform package.
"use strict";

const fs = require("fs");
const path = require("path");

const here = __dirname;
const root = path.resolve(here, "..", "..");

function die(message) {
  process.stderr.write(`stage.js: ${message}\n`);
  process.exit(2);
}

function cargoVersion() {
  const manifest = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
  const pkg = manifest.split(/^\[/m).find((section) => section.startsWith("package]"));
  const found = pkg && pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!found) die("no version in the [package] section of Cargo.toml");
  return found[1];
}

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

const [out, ...pairs] = process.argv.slice(2);
if (!out) die("usage: stage.js OUT [PLATFORM=BINARY ...]");
const version = cargoVersion();
const readme = fs.readFileSync(path.join(root, "packaging", "README.md"), "utf8");

// The main package: the launcher and a package.json with the version stamped.
const main = JSON.parse(fs.readFileSync(path.join(here, "pgvet", "package.json"), "utf8"));
main.version = version;
for (const name of Object.keys(main.optionalDependencies)) {
  main.optionalDependencies[name] = version;
}
const mainDir = path.join(out, "pgvet");
fs.rmSync(mainDir, { recursive: true, force: true });
fs.mkdirSync(path.join(mainDir, "bin"), { recursive: true });
fs.copyFileSync(path.join(here, "pgvet", "bin", "pgvet.js"), path.join(mainDir, "bin", "pgvet.js"));
fs.chmodSync(path.join(mainDir, "bin", "pgvet.js"), 0o755);
fs.writeFileSync(path.join(mainDir, "README.md"), readme);
writeJson(path.join(mainDir, "package.json"), main);

// One package per binary given.
const platforms = Object.keys(main.optionalDependencies).map((name) => name.replace(/^@pgvet\//, ""));
for (const pair of pairs) {
  const eq = pair.indexOf("=");
  const platform = pair.slice(0, eq);
  const binary = pair.slice(eq + 1);
  if (eq < 0 || !platforms.includes(platform)) {
    die(`'${pair}': expected PLATFORM=BINARY with PLATFORM one of ${platforms.join(", ")}`);
  }
  if (!fs.statSync(binary, { throwIfNoEntry: false })?.isFile()) die(`no binary at ${binary}`);
  const [os, cpu] = platform.split("-");
  const exe = os === "win32" ? "pgvet.exe" : "pgvet";
  const dir = path.join(out, platform);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  fs.copyFileSync(binary, path.join(dir, "bin", exe));
  fs.chmodSync(path.join(dir, "bin", exe), 0o755);
  const manifest = {
    name: `@pgvet/${platform}`,
    version,
    description: `The pgvet binary for ${platform}${os === "linux" ? " (glibc)" : ""}; the pgvet package runs it`,
    license: main.license,
    os: [os],
    cpu: [cpu],
    // The Linux binaries link against glibc: npm 10.4 and later, yarn and
    // pnpm skip them on musl (Alpine), where the launcher then says so.
    ...(os === "linux" ? { libc: ["glibc"] } : {}),
    files: [`bin/${exe}`],
    // Yarn's Plug'n'Play must unpack it to run it.
    preferUnplugged: true,
  };
  writeJson(path.join(dir, "package.json"), manifest);
  fs.writeFileSync(
    path.join(dir, "README.md"),
    `# @pgvet/${platform}\n\nThe pgvet ${version} binary for ${platform}. Install \`pgvet\`, which installs this package on a matching machine and runs it.\n`,
  );
}
process.stdout.write(`staged pgvet ${version} in ${out}: pgvet${pairs.map((p) => ", " + p.split("=")[0]).join("")}\n`);
