#!/usr/bin/env bash
# Runs one official TypeScript MCP client script against the REAL taskwire server.
#   run_serve_sdk.sh TASKWIRE_BINARY TOOLS_DIR SCRIPT.mjs [SETUP.sh]
# In a fresh data folder it creates the users ada and bob, the organizations acme (owner ada) and
# globex (owner bob) and three API keys, starts `taskwire serve` on a free loopback port and runs
# the script with
#   TW_URL           http://127.0.0.1:PORT/mcp
#   TW_KEY_ADA       ada, all scopes
#   TW_KEY_ADA_READ  ada, read scopes only
#   TW_KEY_BOB       bob, all scopes
#   TW_BINARY        the taskwire binary and
#   TW_DATA_DIR      the server's data folder, so the script can run CLI commands
#                    ("$TW_BINARY" --data-dir "$TW_DATA_DIR" key ...) while the server runs
#   TW_CONFIG        the config file SETUP.sh wrote, "" without one
#   TW_SERVER_LOG    the server's standard error (its structured log)
# SETUP.sh, when given, is sourced first, in the work folder $work (its data folder $work/data
# exists): it may set `config` to a config file that every CLI command and the server then read
# (--config), export more variables for the script, and define `after_stop`, run once the server
# has stopped, whose failure fails the test (jobs_setup.sh does all three).
# The e2e scripts are copied into a private folder next to the pinned node_modules, so Node
# resolves the packages there and two runs at once do not step on each other's copies.
# Exits with the script's status (non-zero as well if the server reported a sanitizer error).
set -uo pipefail
binary=$1
tools=$2
script=$3
setup=${4:-}
source "$(dirname "$0")/serve_lib.sh"
e2e_tools "$binary" "$tools"

work=$(mktemp -d)
copies=$(mktemp -d "$tools/.e2e-XXXXXX")
cleanup() { stop_server; rm -rf "$work" "$copies"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

fail_setup() { echo "setup failed: $*" >&2; exit 1; }

mkdir -p "$work/data"
config=
after_stop() { return 0; }
if [[ -n $setup ]]; then
  source "$setup" || fail_setup "$setup"
fi
config_args=()
[[ -n $config ]] && config_args=(--config "$config")
tw() { timeout 30 "$binary" --data-dir "$work/data" "${config_args[@]}" "$@"; }
tw migrate >/dev/null 2>>"$work/setup.err" || fail_setup "migrate"  # only serve and migrate create a database
printf 'ada-password-e2e\n' | tw user add ada --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add ada"
printf 'bob-password-e2e\n' | tw user add bob --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add bob"
tw org add acme --owner ada >/dev/null 2>>"$work/setup.err" || fail_setup "org add acme"
tw org add globex --owner bob >/dev/null 2>>"$work/setup.err" || fail_setup "org add globex"
key_ada=$(tw key create --user ada --name e2e-full --scopes all 2>>"$work/setup.err") || fail_setup "key create ada"
key_ada_read=$(tw key create --user ada --name e2e-read --scopes read 2>>"$work/setup.err") || fail_setup "key create ada read"
key_bob=$(tw key create --user bob --name e2e-full --scopes all 2>>"$work/setup.err") || fail_setup "key create bob"
for key in "$key_ada" "$key_ada_read" "$key_bob"; do
  [[ $key =~ ^[A-Za-z0-9_-]+$ ]] || { cat "$work/setup.err" >&2; fail_setup "key create printed '$key'"; }
done

start_server "$binary" "$work/data" "$work" "${config_args[@]}" || exit 1

cp "$(dirname "$script")"/*.mjs "$copies/"
TW_URL="${base}mcp" TW_KEY_ADA=$key_ada TW_KEY_ADA_READ=$key_ada_read TW_KEY_BOB=$key_bob \
TW_BINARY=$binary TW_DATA_DIR=$work/data TW_CONFIG=$config TW_SERVER_LOG=$server_err \
  timeout 180 "$node" "$copies/$(basename "$script")"
status=$?
[[ $status -eq 124 ]] && echo "the client script timed out" >&2
stop_server || status=1
after_stop || status=1
if [[ $status -ne 0 ]]; then
  echo "--- server log ---" >&2
  tail -n 50 "$server_err" >&2
fi
exit $status
