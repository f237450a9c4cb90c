#!/bin/sh
# End-to-end check with a real editor: headless Neovim starts `pgvet server`
# on a small Supabase project, opens a migration, and writes down the
# diagnostics it received; the script compares them with what `pgvet lint`
# reports there. Works with Neovim 0.7 (Debian 12's) and later.
#
#   editors/neovim/e2e.sh            # uses target/debug/pgvet
#   PGVET=/path/to/pgvet editors/neovim/e2e.sh
#
# Without Neovim it says so and exits 0, except under CI=true, where it
# installs Debian's `neovim` package first.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PGVET=${PGVET:-$here/../../target/debug/pgvet}
if ! command -v nvim >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq neovim >/dev/null
  else
    echo "neovim e2e: skipped, nvim is not installed (apt-get install neovim)"
    exit 0
  fi
fi
[ -x "$PGVET" ] || { echo "neovim e2e: no pgvet at $PGVET (cargo build first)"; exit 1; }
# Absolute, as the lint below runs in another folder (`scripts/test` passes
# target/debug/pgvet, relative, when CARGO_TARGET_DIR is unset).
PGVET=$(cd "$(dirname "$PGVET")" && pwd)/$(basename "$PGVET")

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/supabase/migrations"
file="$dir/supabase/migrations/20240101000000_init.sql"
cat >"$file" <<'SQL'
create table public.users (id uuid primary key);
create table public.orders (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id)
);
alter table public.users enable row level security;
alter table public.orders enable row level security;
SQL
out="$dir/received.txt"
cat >"$dir/init.lua" <<LUA
local id = vim.lsp.start_client({
  name = 'pgvet',
  cmd = { '$PGVET', 'server' },
  root_dir = '$dir',
})
vim.cmd('edit $file')
vim.lsp.buf_attach_client(0, id)
vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = d.user_data and d.user_data.lsp or {}
  local code = d.code or lsp.code or '?'
  table.insert(lines, string.format('%s %d:%d', code, d.lnum + 1, d.col + 1))
end
table.sort(lines)
vim.fn.writefile(lines, '$out')
vim.cmd('qa!')
LUA
timeout 120 nvim --headless -u NONE -c "luafile $dir/init.lua" >/dev/null 2>&1 || true

# What `pgvet lint` reports for the file, as "rule line:column".
expected=$(cd "$dir" && "$PGVET" lint --format concise --color never 2>"$dir/lint.err" |
  sed -n 's/^[^:]*:\([0-9]*\):\([0-9]*\): [a-z]*\[\([a-z-]*\)\].*/\3 \1:\2/p' | sort)
received=$(cat "$out" 2>/dev/null || true)
if [ -n "$expected" ] && [ "$expected" = "$received" ]; then
  echo "neovim e2e: received what pgvet lint reports:"
  echo "$received" | sed 's/^/  /'
  echo "1 passed, 0 failed"
else
  echo "neovim e2e: expected"
  echo "$expected" | sed 's/^/  /'
  echo "received"
  echo "$received" | sed 's/^/  /'
  if [ -s "$dir/lint.err" ]; then
    echo "pgvet lint said"
    sed 's/^/  /' "$dir/lint.err"
  fi
  echo "0 passed, 1 failed"
  exit 1
fi
