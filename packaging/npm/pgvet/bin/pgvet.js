#!/usr/bin/env node
// The `pgvet` command of the npm package: runs the pgvet binary that the
// platform package for this machine carries (@pgvet/<os>-<cpu>, one of this
// package's optionalDependencies; npm installs only the one whose `os`,
// `cpu` and `libc` match), with the same arguments, standard streams and
// exit status.
"use strict";

const { spawnSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const platform = `${process.platform}-${process.arch}`;
const pkg = `@pgvet/${platform}`;
const exe = process.platform === "win32" ? "pgvet.exe" : "pgvet";

function fail([first, ...more]) {
  process.stderr.write(`pgvet: ${first}\n` + more.map((line) => `  ${line}\n`).join(""));
  process.exit(2); // pgvet's own status for "could not run"
}

function supported() {
  const manifest = require("../package.json");
  return Object.keys(manifest.optionalDependencies || {}).map((name) => name.replace("@pgvet/", ""));
}

let binary;
try {
  binary = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", exe);
} catch (_) {
  const known = supported();
  if (!known.includes(platform)) {
    fail([
      `no prebuilt binary for ${platform} (there are: ${known.join(", ")}).`,
      "Build it from source with cargo instead (pgvet's docs/getting-started.md, Installing).",
    ]);
  }
  fail([
    `the binary for this machine is missing: the package ${pkg} is not installed.`,
    "npm installs it with pgvet, as an optional dependency, except when optional dependencies",
    "are omitted (--omit=optional, --no-optional), when the lockfile was written on another",
    "platform, and on musl Linux (Alpine), for which there is no binary. Reinstall pgvet",
    `(rm -rf node_modules package-lock.json && npm install), or add it: npm install ${pkg}`,
  ]);
}
if (!fs.existsSync(binary)) {
  fail([`${pkg} is installed but has no ${path.join("bin", exe)}; reinstall it.`]);
}

const run = spawnSync(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (run.error) {
  fail([`could not run ${binary}: ${run.error.message}`]);
}
if (run.signal) {
  // Die of the same signal, so that a shell or a parent sees what the binary
  // saw; where that signal does not end node (SIGPIPE), exit as a shell would.
  process.kill(process.pid, run.signal);
  process.exit(128 + (os.constants.signals[run.signal] || 0));
}
process.exit(run.status);
