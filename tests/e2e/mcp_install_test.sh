#!/usr/bin/env bash
# `taskwire mcp install` / `mcp uninstall` end to end against the REAL server.
#   mcp_install_test.sh TASKWIRE_BINARY TOOLS_DIR
# In a temporary HOME and data folder it creates the user ada and the organization acme, starts
# `taskwire serve` on a free loopback port and puts a fake `claude` first on PATH, which appends
# its arguments (one a line, then "--end--") to a log and, like the real one, refuses to add a
# server name it has or to remove one it has not. Then:
#   a. the --print command for Claude Code, run through bash, mints a key and adds the server;
#   b. a real Claude Code install replaces the entry and rotates the key (twice);
#   c. Cursor, VS Code and Claude Desktop configuration files, and uninstalling Cursor;
#   d. failures: an unknown --client, and no claude on PATH;
#   e. where keys go: the stdio bridge's key from TASKWIRE_API_KEY or a 0600 --key-file (--key
#      warns), config files never written through a symbolic link (the file, or one planted as a
#      temporary), and a warning for a key written into a git work tree.
# Whether a key works is asked of the server (GET /api/v1/me), and configuration files are read,
# with the pinned Node under TOOLS_DIR (always there for the e2e tests; curl may not be).
# Prints one line per check and "N passed, N failed"; exits non-zero if a check failed.
set -uo pipefail
binary=$1
tools=$2
source "$(dirname "$0")/serve_lib.sh"
e2e_tools "$binary" "$tools"
binary=$(readlink -f "$binary")

work=$(mktemp -d)
data=$work/data
export HOME=$work/home
fakebin=$work/bin        # holds the fake claude only
nobin=$work/nobin        # an empty PATH: no claude anywhere
claude_log=$work/claude.log
project=$work/project
mkdir -p "$data" "$HOME" "$fakebin" "$nobin" "$project"

cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# By its path: some checks run tw with a PATH that holds nothing.
timeout=$(command -v timeout) || { echo "no timeout command" >&2; exit 1; }
tw() { "$timeout" 30 "$binary" --data-dir "$data" "$@"; }
fail_setup() { echo "setup failed: $*" >&2; cat "$work/setup.err" >&2 2>/dev/null; exit 1; }

# --- Checks ------------------------------------------------------------------------------------
source "$(dirname "$0")/check_lib.sh"

# The server's answer to GET /api/v1/me with `key`: "STATUS USER" ("401 -" when refused).
me() {
  "$node" --input-type=module -e '
    const [base, key] = process.argv.slice(1);
    const response = await fetch(new URL("api/v1/me", base), { headers: { Authorization: `Bearer ${key}` } });
    let name = "-";
    try { name = JSON.parse(await response.text()).user?.name ?? "-"; } catch {}
    console.log(`${response.status} ${name}`);' "$base" "$1"
}
key_works() { expect "GET /api/v1/me with ${1:0:10}…" "$(me "$1")" "200 ada"; }
key_refused() { expect "GET /api/v1/me with ${1:0:10}…" "$(me "$1")" "401 -"; }
is_key() { [[ $1 =~ ^tw_[A-Za-z0-9_-]{43}$ ]] || { echo "not a Taskwire key: [$1]"; return 1; }; }

# The ids of the active keys called NAME, from `key list` (ID PREFIX USER NAME STATE ...).
active_keys() { tw key list | awk -v name="$1" 'NR > 1 && $4 == name && $5 == "active" { print $1 }' | sort -n | xargs; }

# The arguments of the fake claude's calls since the log was last cleared.
claude_calls() { cat "$claude_log" 2>/dev/null; }
# The key in the last "Authorization: Bearer KEY" argument the fake claude got.
claude_key() { claude_calls | sed -n 's/^Authorization: Bearer //p' | tail -n 1; }
# The lines `claude mcp add` must have been given for `key`.
add_call() {
  printf '%s\n' mcp add --transport http taskwire "$url" --header "Authorization: Bearer $1" --end--
}
remove_call() { printf '%s\n' mcp remove taskwire --end--; }

# --- Setup -------------------------------------------------------------------------------------
tw migrate >/dev/null 2>>"$work/setup.err" || fail_setup "migrate"  # only serve and migrate create a database
printf 'ada-password-e2e\n' | tw user add ada --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add ada"
tw org add acme --owner ada >/dev/null 2>>"$work/setup.err" || fail_setup "org add acme"

cat >"$fakebin/claude" <<EOF
#!/bin/sh
# A stand-in for Claude Code's CLI: records its arguments and keeps a list of server names.
log='$claude_log'
servers='$work/claude.servers'
for arg in "\$@"; do printf '%s\n' "\$arg" >>"\$log"; done
printf '%s\n' --end-- >>"\$log"
[ "\$1" = mcp ] || exit 0
command=\$2
shift 2
name=
while [ \$# -gt 0 ]; do
  case \$1 in
    -t|--transport|-H|--header|-s|--scope|-e|--env) shift 2 ;;
    -*) shift ;;
    *) [ -z "\$name" ] && name=\$1; shift ;;
  esac
done
case \$command in
  add)
    if grep -qx "\$name" "\$servers" 2>/dev/null; then echo "MCP server \$name already exists" >&2; exit 1; fi
    echo "\$name" >>"\$servers"
    echo "Added MCP server \$name" ;;
  remove)
    if ! grep -qx "\$name" "\$servers" 2>/dev/null; then echo "No MCP server found with name: \$name" >&2; exit 1; fi
    grep -vx "\$name" "\$servers" >"\$servers.new"; mv "\$servers.new" "\$servers"
    echo "Removed MCP server \$name" ;;
esac
EOF
chmod +x "$fakebin/claude"

start_server "$binary" "$data" "$work" || exit 1
url=${base}mcp
with_claude=$fakebin:$PATH

# --- a. --print for Claude Code, then running what it printed ---------------------------------
check_print() {
  printed=$(PATH=$with_claude tw mcp install --print --client claude-code --url "$url" 2>"$work/print.err") ||
    { echo "exit $?: $(cat "$work/print.err")"; return 1; }
  expect "lines printed" "$(printf '%s\n' "$printed" | wc -l)" 1 || return 1
  expect "keys after --print" "$(tw key list | tail -n +2)" "" || return 1
  expect "claude calls made by --print" "$(claude_calls)" ""
}
check '--print (claude-code) prints one command line, mints no key and runs no claude' check_print

check_print_run() {
  [[ -n ${printed:-} ]] || { echo "nothing was printed"; return 1; }
  : >"$claude_log"
  PATH=$with_claude bash -c "$printed" >"$work/run.out" 2>&1 || { echo "exit $?: $(cat "$work/run.out")"; return 1; }
  key_a=$(claude_key)
  is_key "$key_a" || return 1
  expect "claude calls" "$(claude_calls)" "$(add_call "$key_a")" || return 1
  expect "active claude-code keys" "$(active_keys claude-code | wc -w)" 1
}
check 'the printed command run by bash: claude mcp add --transport http taskwire URL --header "Authorization: Bearer tw_…"' check_print_run

check 'the printed command'\''s key works: GET /api/v1/me is 200 ada' key_works "${key_a:-}"

# --- b. Claude Code for real, and rotation -----------------------------------------------------
install_claude_code() {
  : >"$claude_log"
  PATH=$with_claude tw mcp install --client claude-code --url "$url" >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  local key
  key=$(claude_key)
  is_key "$key" || return 1
  expect "claude calls" "$(claude_calls)" "$(remove_call; add_call "$key")" || return 1
  printf -v "$1" '%s' "$key"
}
check 'install claude-code: claude mcp remove taskwire, then claude mcp add with a new key' install_claude_code key_b
check 'the new key works (200 ada)' key_works "${key_b:-}"
check 'the --print key is revoked by the install (401)' key_refused "${key_a:-}"

check 'install claude-code again: remove, then add with another new key' install_claude_code key_c
check_rotation() {
  [[ -n ${key_b:-} && -n ${key_c:-} ]] || { echo "no keys from the installs"; return 1; }
  [[ $key_b != "$key_c" ]] || { echo "the second install reused the key"; return 1; }
  key_refused "$key_b" || return 1
  key_works "$key_c" || return 1
  expect "active claude-code keys" "$(active_keys claude-code | wc -w)" 1
}
check 'rotation: the previous claude-code key gets 401, the newest 200 ada, one active key' check_rotation

# --- c. Cursor, VS Code, Claude Desktop; uninstalling Cursor -----------------------------------
other_cursor='{"command":"other-server","args":["--port","7"]}'
other_vscode='{"type":"stdio","command":"other-server"}'
mkdir -p "$project/.cursor" "$project/.vscode"
printf '{"mcpServers": {"other": %s}}\n' "$other_cursor" >"$project/.cursor/mcp.json"
printf '{"servers": {"other": %s}, "inputs": []}\n' "$other_vscode" >"$project/.vscode/mcp.json"

# check_file_config CLIENT FILE SERVERS-KEY OTHER-JSON VARIABLE: the install wrote valid JSON,
# mode 600, kept the other server, and the taskwire entry's URL and working key (put in VARIABLE).
check_file_config() {
  local client=$1 file=$2 servers=$3 other=$4
  tw mcp install --client "$client" --project "$project" --url "$url" >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  jsq "$file" 1 >/dev/null || { echo "$file is not valid JSON: $(cat "$file")"; return 1; }
  expect "mode of $file" "$(stat -c %a "$file")" 600 || return 1
  expect "servers" "$(jsq "$file" "Object.keys(d.$servers).sort().join(' ')")" "other taskwire" || return 1
  expect "the other server" "$(jsq "$file" "d.$servers.other")" "$other" || return 1
  expect "taskwire url" "$(jsq "$file" "d.$servers.taskwire.url")" "$url" || return 1
  [[ $client != vscode ]] || expect "taskwire type" "$(jsq "$file" "d.$servers.taskwire.type")" http || return 1
  local header key
  header=$(jsq "$file" "d.$servers.taskwire.headers.Authorization")
  key=${header#Bearer }
  is_key "$key" || return 1
  key_works "$key" || return 1
  printf -v "$5" '%s' "$key"
}
check 'install cursor: .cursor/mcp.json is valid JSON, mode 600, keeps "other", taskwire url + working key' \
  check_file_config cursor "$project/.cursor/mcp.json" mcpServers "$other_cursor" key_cursor
check 'install vscode: .vscode/mcp.json is valid JSON, mode 600, keeps "other" and "inputs", type http + working key' \
  check_file_config vscode "$project/.vscode/mcp.json" servers "$other_vscode" key_vscode
check 'vscode: the top-level "inputs" array is kept' \
  expect inputs "$(jsq "$project/.vscode/mcp.json" d.inputs)" "[]"

desktop=$work/desktop/claude_desktop_config.json
check_desktop() {
  tw mcp install --client claude-desktop --file "$desktop" --url "$url" >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  jsq "$desktop" 1 >/dev/null || { echo "$desktop is not valid JSON: $(cat "$desktop")"; return 1; }
  expect "mode" "$(stat -c %a "$desktop")" 600 || return 1
  expect "command" "$(jsq "$desktop" d.mcpServers.taskwire.command)" "$binary" || return 1
  key_desktop=$(jsq "$desktop" 'd.mcpServers.taskwire.env.TASKWIRE_API_KEY')
  is_key "$key_desktop" || return 1
  # The key is in the bridge's environment, never on its command line (/proc/PID/cmdline).
  expect "args" "$(jsq "$desktop" d.mcpServers.taskwire.args)" "[\"mcp\",\"stdio\",\"--url\",\"$url\"]" || return 1
  key_works "$key_desktop" || return 1
  [[ ! -e $HOME/.config/Claude/claude_desktop_config.json ]] || { echo "the default file was written as well"; return 1; }
}
check 'install claude-desktop --file: command is the taskwire binary, args mcp stdio --url URL, the key in env (works)' check_desktop

# The configured command line itself: answers initialize and whoami as ada through the bridge.
check_desktop_runs() {
  local command
  command=$(jsq "$desktop" 'd.mcpServers.taskwire.command') || return 1
  mapfile -t args < <(jsq "$desktop" 'd.mcpServers.taskwire.args.join("\n")')
  TASKWIRE_API_KEY=$(jsq "$desktop" d.mcpServers.taskwire.env.TASKWIRE_API_KEY) bridge_whoami "$command" "${args[@]}"
}
# bridge_whoami COMMAND...: the bridge COMMAND starts answers initialize and whoami as ada.
bridge_whoami() {
  printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}' |
    timeout 30 "$@" >"$work/bridge.out" 2>"$work/bridge.err" ||
    { echo "exit $?: $(cat "$work/bridge.err")"; return 1; }
  expect "serverInfo.name" "$("$node" -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const init = lines.find((m) => m.id === 1), who = lines.find((m) => m.id === 2);
    const me = who?.result?.structuredContent ?? JSON.parse(who?.result?.content?.[0]?.text ?? "{}");
    console.log(`${init?.result?.serverInfo?.name} ${me?.user?.name}`);' "$work/bridge.out")" "taskwire ada"
}
check 'the Claude Desktop command line starts a bridge that answers initialize and whoami as ada' check_desktop_runs

check_uninstall_cursor() {
  tw mcp uninstall --client cursor --project "$project" >"$work/uninstall.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/uninstall.out")"; return 1; }
  local file=$project/.cursor/mcp.json
  jsq "$file" 1 >/dev/null || { echo "$file is not valid JSON: $(cat "$file")"; return 1; }
  expect "servers" "$(jsq "$file" "Object.keys(d.mcpServers).sort().join(' ')")" "other" || return 1
  expect "the other server" "$(jsq "$file" d.mcpServers.other)" "$other_cursor" || return 1
  key_refused "${key_cursor:-}" || return 1
  expect "active cursor keys" "$(active_keys cursor)" ""
}
check 'uninstall cursor: only the taskwire entry goes, the cursor key gets 401' check_uninstall_cursor
check_others_kept() {
  key_works "${key_vscode:-}" || return 1
  key_works "${key_desktop:-}" || return 1
  key_works "${key_c:-}" || return 1
  expect "vscode servers" "$(jsq "$project/.vscode/mcp.json" "Object.keys(d.servers).sort().join(' ')")" "other taskwire"
}
check 'uninstall cursor leaves the vscode, claude-desktop and claude-code keys and entries alone' check_others_kept

# --- d. Failures -------------------------------------------------------------------------------
# expect_exit STATUS COMMAND...: the command exits with STATUS.
expect_exit() {
  local want=$1
  shift
  "$@" >"$work/exit.out" 2>&1
  local got=$?
  [[ $got == "$want" ]] || { echo "exit $got, expected $want: $(cat "$work/exit.out")"; return 1; }
}
check_nonsense() {
  local before
  before=$(tw key list)
  expect_exit 2 tw mcp install --client nonsense --url "$url" || return 1
  grep -q -- '--client' "$work/exit.out" || { echo "the message does not name --client: $(cat "$work/exit.out")"; return 1; }
  expect_exit 2 tw mcp uninstall --client nonsense || return 1
  expect "key list" "$(tw key list)" "$before"
}
check 'install/uninstall --client nonsense: exit 2 naming --client, no key minted or revoked' check_nonsense

check_no_claude() {
  local before
  before=$(active_keys claude-code)
  : >"$claude_log"
  PATH=$nobin tw mcp install --client claude-code --url "$url" >"$work/install.out" 2>&1
  local status=$?
  echo "said: $(cat "$work/install.out")"
  expect "exit status" "$status" 1 || return 1
  grep -q 'claude' "$work/install.out" && grep -q 'PATH' "$work/install.out" ||
    { echo "the message does not say claude is not on PATH"; return 1; }
  expect "active claude-code keys (ids)" "$(active_keys claude-code)" "$before" || return 1
  expect "claude calls" "$(claude_calls)" "" || return 1
  key_works "${key_c:-}"
}
check 'install claude-code without claude on PATH: exit 1 naming it, no new active key, the old key still works' \
  check_no_claude

# --- e. Where keys go --------------------------------------------------------------------------
key_file=$work/key
check_stdio_key_file() {
  printf '%s\n' "${key_vscode:-}" >"$key_file"
  chmod 644 "$key_file"
  expect_exit 2 tw mcp stdio --url "$url" --key-file "$key_file" </dev/null || return 1
  grep -q 'chmod 600' "$work/exit.out" || { echo "the refusal does not say chmod 600: $(cat "$work/exit.out")"; return 1; }
  chmod 600 "$key_file"
  bridge_whoami "$binary" --data-dir "$data" mcp stdio --url "$url" --key-file "$key_file" || return 1
  ! grep -q warning "$work/bridge.err" || { echo "it warned: $(cat "$work/bridge.err")"; return 1; }
}
check 'stdio key: --key-file readable by others is refused (exit 2, chmod 600); mode 600 works, no warning' check_stdio_key_file

check_stdio_key_sources() {
  TASKWIRE_API_KEY=${key_vscode:-} bridge_whoami "$binary" --data-dir "$data" mcp stdio --url "$url" || return 1
  ! grep -q warning "$work/bridge.err" || { echo "TASKWIRE_API_KEY warned: $(cat "$work/bridge.err")"; return 1; }
  bridge_whoami "$binary" --data-dir "$data" mcp stdio --url "$url" --key "${key_vscode:-}" || return 1
  grep -q 'visible to other users' "$work/bridge.err" || { echo "--key did not warn: $(cat "$work/bridge.err")"; return 1; }
  expect_exit 2 tw mcp stdio --url "$url" </dev/null || return 1
  grep -q TASKWIRE_API_KEY "$work/exit.out" || { echo "no key: the message does not name TASKWIRE_API_KEY: $(cat "$work/exit.out")"; return 1; }
}
check 'stdio key: TASKWIRE_API_KEY works without a warning, --key works and warns, neither is exit 2' check_stdio_key_sources

victim=$work/victim
check_planted_temporary() {
  local folder=$work/planted/.cursor
  mkdir -p "$folder"
  printf 'precious\n' >"$victim"
  # The old temporary name, planted as a link to a file of the user's.
  ln -s "$victim" "$folder/mcp.json.taskwire-tmp"
  tw mcp install --client cursor --project "$work/planted" --url "$url" >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  expect "the link's target" "$(cat "$victim")" precious || return 1
  [[ -f $folder/mcp.json && ! -L $folder/mcp.json ]] || { echo "mcp.json is not a plain file: $(ls -l "$folder")"; return 1; }
  expect "mode" "$(stat -c %a "$folder/mcp.json")" 600 || return 1
  expect "leftover temporaries" "$(find "$folder" -name '.mcp.json.taskwire-*' | wc -l)" 0
}
check 'symlink: a planted .taskwire-tmp link is never written through; mcp.json is a plain file, mode 600' check_planted_temporary

check_linked_config() {
  local folder=$work/linked/.cursor before
  mkdir -p "$folder"
  printf 'precious\n' >"$victim"
  ln -s "$victim" "$folder/mcp.json"
  before=$(active_keys cursor)
  expect_exit 1 tw mcp install --client cursor --project "$work/linked" --url "$url" || return 1
  grep -q 'symbolic link' "$work/exit.out" || { echo "the refusal does not say why: $(cat "$work/exit.out")"; return 1; }
  expect "the link's target" "$(cat "$victim")" precious || return 1
  [[ -L $folder/mcp.json ]] || { echo "the link was replaced"; return 1; }
  expect "active cursor keys" "$(active_keys cursor)" "$before"
}
check 'symlink: a config file that is a symbolic link is refused (exit 1), its target untouched, no key left' check_linked_config

check_git_warning() {
  mkdir -p "$work/repo/.git" "$work/repo/app"
  tw mcp install --client vscode --project "$work/repo/app" --url "$url" >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  grep -q "git work tree $work/repo" "$work/install.out" || { echo "no warning: $(cat "$work/install.out")"; return 1; }
  tw mcp install --client vscode --project "$work/plain" --url "$url" >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  ! grep -q 'git work tree' "$work/install.out" || { echo "warned outside a work tree: $(cat "$work/install.out")"; return 1; }
}
check 'git: install warns when the config file with the key is inside a git work tree, and only then' check_git_warning

if ! stop_server; then
  echo "FAIL  the taskwire server reported a sanitizer error"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
