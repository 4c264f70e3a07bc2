#!/usr/bin/env bash
# The command line tells the truth, end to end with the REAL binary and server.
#   cli_truth_test.sh TASKWIRE_BINARY TOOLS_DIR
# In a temporary HOME and data folder:
#   a. with no database, every command that reads or writes data exits 2 with "no Taskwire
#      database in DIR" and creates nothing (doctor reports it, exit 1); only migrate creates one;
#   b. every command's error paths: exit 2 and a sentence for bad usage and bad input (numbers,
#      names, duplicates, scopes), exit 1 for what is not there (key list and key create agree);
#   c. the running server: serve's hint (--data-dir, read,tasks:write, never --scopes all), the
#      runtime file that mcp print-config, mcp install and doctor read (the real port of
#      --listen 127.0.0.1:0), gone at shutdown, a stale one ignored;
#   d. key list and grant list show the real state: active, expired, revoked, owner-deleted; a
#      401 for an expired key says so, an unknown key learns nothing;
#   e. mcp install edits JSONC (comments, trailing commas) and keeps the file as it was; a file it
#      cannot edit gets a printed snippet whose key works; mcp uninstall revokes one user's key,
#      never every user's.
# HTTP requests and JSON go through the pinned Node under TOOLS_DIR. Prints one line per check and
# "N passed, N failed"; exits non-zero if a check failed.
set -uo pipefail
binary=$1
tools=$2
source "$(dirname "$0")/serve_lib.sh"
e2e_tools "$binary" "$tools"
binary=$(readlink -f "$binary")

work=$(mktemp -d)
data=$work/data
export HOME=$work/home
project=$work/project
mkdir -p "$HOME" "$project"
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
source "$(dirname "$0")/check_lib.sh"

timeout=$(command -v timeout) || { echo "no timeout command" >&2; exit 1; }
tw() { "$timeout" 30 "$binary" --data-dir "$data" "$@"; }
fail_setup() { echo "setup failed: $*" >&2; cat "$work/setup.err" >&2 2>/dev/null; exit 1; }

# expect_exit STATUS MESSAGE COMMAND...: the command exits with STATUS and its standard error holds
# MESSAGE (a fixed string); what it printed is in $work/exit.out and $work/exit.err.
expect_exit() {
  local want=$1 message=$2
  shift 2
  "$@" </dev/null >"$work/exit.out" 2>"$work/exit.err"
  local got=$?
  [[ $got == "$want" ]] || { echo "$*: exit $got, expected $want: $(cat "$work/exit.err")"; return 1; }
  [[ -z $message ]] || grep -qF -- "$message" "$work/exit.err" || { echo "$*: said [$(cat "$work/exit.err")], not [$message]"; return 1; }
}

# The server's answer to GET /api/v1/me with a key: "STATUS USER-OR-MESSAGE".
me() {
  "$node" --input-type=module -e '
    const [base, key] = process.argv.slice(1);
    const response = await fetch(new URL("api/v1/me", base), { headers: { Authorization: `Bearer ${key}` } });
    const body = await response.text();
    let what = "-";
    try { const d = JSON.parse(body); what = d.user?.name ?? d.error?.message ?? "-"; } catch {}
    console.log(`${response.status} ${what}`);' "$base" "$1"
}
# The STATE column of `key list` for the key named NAME of USER.
key_state() { tw key list | awk -v user="$1" -v name="$2" 'NR > 1 && $3 == user && $4 == name { print $5 }' | head -n 1; }
is_key() { [[ $1 =~ ^tw_[A-Za-z0-9_-]{43}$ ]] || { echo "not a Taskwire key: [$1]"; return 1; }; }

# --- a. No database ----------------------------------------------------------------------------
no_db="no Taskwire database in $data; start \`taskwire serve\` once, or pass --data-dir"
check_no_database() {
  local command
  while IFS= read -r command; do
    # shellcheck disable=SC2086
    expect_exit 2 "$no_db" tw $command || return 1
    [[ ! -e $data/taskwire.db ]] || { echo "$command created the database"; return 1; }
  done <<'EOF'
user list
user add ada
user passwd ada
user signout ada
user delete ada --yes
user links
org list
org add acme --owner ada
org member add acme ada
org member list acme
org member remove acme ada
org member role acme ada owner
org rename acme other
org delete acme --yes
key list
key create --user ada --name x
key revoke 1
grant list
grant revoke 1
client list
client remove x
oauth rotate-key
run list
run show 1
migrate --status
mcp install --print --client cursor
mcp install --print --client claude-code --user ada
mcp uninstall --client cursor
backup copy.db
EOF
  [[ ! -e $data ]] || { echo "a command created $data: $(ls -la "$data")"; return 1; }
}
check 'no database: every data command exits 2 with "no Taskwire database in DIR" and creates nothing' check_no_database

check_doctor_no_database() {
  expect_exit 1 "" tw doctor --set server.listen=127.0.0.1:0 || return 1
  grep -qF "FAIL  data dir   $data does not exist" "$work/exit.out" || { echo "doctor said: $(cat "$work/exit.out")"; return 1; }
  [[ ! -e $data ]] || { echo "doctor created $data"; return 1; }
}
check 'no database: doctor reports the missing data dir (exit 1) and creates nothing' check_doctor_no_database

check 'no database: mcp print-config and job list need none (exit 0)' eval '
  tw mcp print-config --client cursor >/dev/null && tw job list >/dev/null && [[ ! -e $data ]]'

check 'migrate creates the database' eval 'tw migrate >/dev/null 2>&1 && [[ -f $data/taskwire.db ]]'

# --- b. Error paths: exit codes and messages ---------------------------------------------------
printf 'ada-password-e2e\n' | tw user add ada --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add ada"
printf 'bob-password-e2e\n' | tw user add bob --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add bob"
tw org add acme --owner ada >/dev/null 2>>"$work/setup.err" || fail_setup "org add acme"

number="must be a whole number, such as 12; 'abc' is not one"
check 'a number that is not one: exit 2 and a sentence naming the argument (key, grant, run)' eval '
  expect_exit 2 "ID $number" tw key revoke abc &&
  ! grep -q "Could not convert" "$work/exit.err" &&
  expect_exit 2 "ID $number" tw grant revoke abc &&
  expect_exit 2 "ID $number" tw run show abc &&
  expect_exit 2 "--limit $number" tw run list --limit abc'

check 'bad and duplicate names: exit 2 with a sentence (user add, org add)' eval '
  expect_exit 2 "exists already" tw user add ada &&
  expect_exit 2 "user name" tw user add "bad name" &&
  expect_exit 2 "exists already" tw org add acme --owner ada'

check 'an unknown user: key list --user and key create --user agree (exit 1, user nobody not found)' eval '
  expect_exit 1 "user nobody not found" tw key list --user nobody &&
  expect_exit 1 "user nobody not found" tw key create --user nobody --name x &&
  expect_exit 1 "user nobody not found" tw grant list --user nobody &&
  expect_exit 1 "user nobody not found" tw org add other --owner nobody'

check 'bad flags: exit 2 (scopes, expiry, role, client, unknown command, missing argument)' eval '
  expect_exit 2 "--scopes" tw key create --user ada --name x --scopes everything &&
  expect_exit 2 "--expires" tw key create --user ada --name x --expires soon &&
  expect_exit 2 "--role must be" tw org member add acme bob --role king &&
  expect_exit 2 "--client" tw mcp print-config --client emacs &&
  expect_exit 2 "'\''frobnicate'\'' is not a command" tw frobnicate &&
  expect_exit 2 "ID is required" tw key revoke'

check 'more bad input: exit 2 (config keys, backup over a file, client redirect URIs, stdio key)' eval '
  expect_exit 2 "server.nope" tw --set server.nope=1 config &&
  expect_exit 2 "KEY=VALUE" tw --set oops config &&
  : >"$work/taken.db" && expect_exit 2 "exists already" tw backup "$work/taken.db" &&
  expect_exit 2 "redirect" tw client add --name x --redirect-uri ftp://example.com/cb &&
  expect_exit 2 "TASKWIRE_API_KEY" env -u TASKWIRE_API_KEY "$binary" --data-dir "$data" mcp stdio --url http://127.0.0.1:1/mcp'

check 'what is not there: exit 1 (key revoke, grant revoke, run show, user passwd)' eval '
  expect_exit 1 "API key 999 not found" tw key revoke 999 &&
  expect_exit 1 "not found" tw grant revoke 999 &&
  expect_exit 1 "not found" tw run show 999 &&
  expect_exit 1 "user nobody not found" tw user passwd nobody --password-stdin'

# --- b (cont.). Users and organizations, with care --------------------------------------------
check 'user delete: off a terminal it needs --yes (exit 2); the last owner of an organization is refused (exit 1)' eval '
  expect_exit 2 "needs --yes when standard input is not a terminal" tw user delete bob &&
  expect_exit 1 "is the last owner of acme; make someone else an owner first" tw user delete ada --yes &&
  tw user list | grep -q "^[0-9]* *ada "'

check 'org member list|role|remove: the last owner stays owner and member; the way out is said' eval '
  tw org member list acme >"$work/members.out" &&
  expect "members" "$(tail -n +2 "$work/members.out" | tr -s " ")" "ada owner" &&
  expect_exit 1 "last owner of '\''acme'\''; make someone else an owner first (taskwire org member role acme USER owner)" tw org member role acme ada member &&
  expect_exit 1 "last owner of '\''acme'\''" tw org member remove acme ada &&
  expect_exit 1 "bob is not a member of '\''acme'\''; add them with taskwire org member add acme bob --role owner" tw org member role acme bob owner &&
  expect_exit 2 "ROLE must be owner, admin, member or viewer" tw org member role acme ada king &&
  expect_exit 1 "user nobody not found" tw org member role acme nobody owner &&
  expect_exit 1 "organization nowhere not found" tw org member list nowhere &&
  tw org member add acme bob --role owner 2>/dev/null && tw org member role acme ada admin 2>/dev/null &&
  tw org member remove acme ada 2>/dev/null &&
  expect "members" "$(tw org member list acme | tail -n +2 | tr -s " ")" "bob owner" &&
  tw org member add acme ada --role owner 2>/dev/null && tw org member remove acme bob 2>/dev/null &&
  expect "members" "$(tw org member list acme | tail -n +2 | tr -s " ")" "ada owner"'

check 'org rename and org delete: names checked (exit 2), delete asks for --yes, an unknown one is exit 1' eval '
  tw org add spare --owner ada 2>/dev/null &&
  expect_exit 2 "exists already" tw org rename spare acme &&
  tw org rename spare spare2 2>/dev/null && tw org list | grep -q " spare2 " &&
  expect_exit 2 "needs --yes" tw org delete spare2 &&
  tw org delete spare2 --yes 2>/dev/null && ! tw org list | grep -q spare &&
  expect_exit 1 "organization nowhere not found" tw org delete nowhere --yes'

# --- c. The running server and its runtime file ------------------------------------------------
start_server "$binary" "$data" "$work" || exit 1
port=${base#http://127.0.0.1:}
port=${port%/}

check 'serve: the hint names --data-dir and read,tasks:write, never --scopes all' eval '
  grep -qF -- "taskwire --data-dir $data key create --user NAME --name CLIENT --scopes read,tasks:write" "$server_log" &&
  grep -qF -- "taskwire --data-dir $data mcp install --client claude-code" "$server_log" &&
  ! grep -qF -- "--scopes all" "$server_log" || { cat "$server_log"; false; }'

check 'runtime file: the server records its pid and real address, mode 600' eval '
  expect "runtime file" "$(cat "$data/server.runtime")" "pid $server_pid
url $base" && expect "mode" "$(stat -c %a "$data/server.runtime")" 600'

check 'mcp print-config prints the real port of --listen 127.0.0.1:0' eval '
  tw mcp print-config --client cursor >"$work/print.out" &&
  grep -qF "\"url\": \"${base}mcp\"" "$work/print.out" || { cat "$work/print.out"; false; }'

check 'mcp install --print uses the real port too' eval '
  tw mcp install --print --client cursor --project "$project" --user ada >"$work/print.out" 2>/dev/null &&
  grep -qF "${base}mcp" "$work/print.out" && [[ ! -e $project/.cursor ]]'

check 'doctor: a running server is healthy (exit 0, names it)' eval '
  tw doctor >"$work/doctor.out" &&
  grep -qF "ok    listen     taskwire is running on $base (pid $server_pid)" "$work/doctor.out" ||
  { cat "$work/doctor.out"; false; }'

# --- d. The real state of keys and grants ------------------------------------------------------
check_key_states() {
  local brief revoked
  brief=$(tw key create --user ada --name brief --expires 5s 2>/dev/null) || return 1
  local until=$((SECONDS + 7))
  expect "me with the new key" "$(me "$brief")" "200 ada" || return 1
  revoked=$(tw key create --user ada --name gone 2>/dev/null) || return 1
  tw key create --user bob --name bobs >/dev/null 2>&1 || return 1
  tw key revoke "$(tw key list | awk '$4 == "gone" { print $1 }')" >/dev/null 2>&1 || return 1
  # Past the 5 s it was given, whatever the load (the clock is whole seconds).
  while ((SECONDS < until)); do sleep 0.5; done
  expect "expired key" "$(key_state ada brief)" expired || return 1
  expect "revoked key" "$(key_state ada gone)" revoked || return 1
  expect "bob's key" "$(key_state bob bobs)" active || return 1
  expect "me with the expired key" "$(me "$brief")" "401 the API key has expired" || return 1
  expect "me with the revoked key" "$(me "$revoked")" "401 the API key is not valid" || return 1
  expect "me with a made-up key" "$(me "tw_$(printf 'A%.0s' {1..43})")" "401 the API key is not valid"
}
check 'key list: active, expired, revoked; a 401 for an expired key says so, others learn nothing' check_key_states

# --- e. mcp install and uninstall --------------------------------------------------------------
check_jsonc() {
  local file=$project/.vscode/mcp.json
  mkdir -p "$project/.vscode"
  cat >"$file" <<'EOF'
// MCP servers for this project
{
  "servers": {
    /* a local one */
    "other": { "type": "stdio", "command": "other-server", },
  },
  "inputs": [],
}
EOF
  tw mcp install --client vscode --project "$project" --user ada >"$work/install.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/install.out")"; return 1; }
  jsq "$file" 1 >/dev/null || { echo "not JSON now: $(cat "$file")"; return 1; }
  expect "servers" "$(jsq "$file" "Object.keys(d.servers).sort().join(' ')")" "other taskwire" || return 1
  expect "url" "$(jsq "$file" d.servers.taskwire.url)" "${base}mcp" || return 1
  local key
  key=$(jsq "$file" d.servers.taskwire.headers.Authorization)
  expect "me with the installed key" "$(me "${key#Bearer }")" "200 ada" || return 1
  grep -qF "/* a local one */" "$file.before-taskwire" || { echo "the file as it was is not kept"; return 1; }
  grep -qF "$file.before-taskwire" "$work/install.out" || { echo "not told: $(cat "$work/install.out")"; return 1; }
}
check 'mcp install edits VS Code JSONC (comments, trailing commas); the file as it was is kept beside it' check_jsonc

check_snippet_key_lives() {
  local file=$work/odd/mcp.json key
  mkdir -p "$work/odd"
  printf '[1, 2]\n' >"$file"
  expect_exit 1 "add this by hand" tw mcp install --client cursor --file "$file" --user ada || return 1
  expect "the file" "$(cat "$file")" "[1, 2]" || return 1
  key=$(jsq "$work/exit.out" 'd.mcpServers.taskwire.headers.Authorization')
  key=${key#Bearer }
  is_key "$key" || return 1
  expect "me with the printed key" "$(me "$key")" "200 ada" || return 1
  grep -qF "works" "$work/exit.err" || { echo "not told the key works: $(cat "$work/exit.err")"; return 1; }
}
check 'mcp install on a file it cannot edit prints a snippet (exit 1) whose key works' check_snippet_key_lives

check_uninstall_one_user() {
  local ada_key bob_key
  ada_key=$(tw key create --user ada --name cursor 2>/dev/null) || return 1
  bob_key=$(tw key create --user bob --name cursor 2>/dev/null) || return 1
  # Two users, no config file to tell whose: it asks, and revokes nothing.
  expect_exit 2 "say whose cursor key to revoke with --user NAME (active keys of: ada, bob)" \
    tw mcp uninstall --client cursor --project "$work/none" || return 1
  expect "ada's key" "$(me "$ada_key")" "200 ada" || return 1
  expect "bob's key" "$(me "$bob_key")" "200 bob" || return 1
  # The config file sends bob's key: only that one goes.
  mkdir -p "$work/bob/.cursor"
  printf '{"mcpServers": {"taskwire": {"url": "%s", "headers": {"Authorization": "Bearer %s"}}}}\n' \
    "${base}mcp" "$bob_key" >"$work/bob/.cursor/mcp.json"
  tw mcp uninstall --client cursor --project "$work/bob" >"$work/uninstall.out" 2>&1 ||
    { echo "exit $?: $(cat "$work/uninstall.out")"; return 1; }
  expect "bob's key" "$(me "$bob_key")" "401 the API key is not valid" || return 1
  expect "ada's key" "$(me "$ada_key")" "200 ada" || return 1
  # --user names whose.
  tw mcp uninstall --client cursor --project "$work/none" --user ada >/dev/null 2>&1 || return 1
  expect "ada's key" "$(me "$ada_key")" "401 the API key is not valid"
}
check 'mcp uninstall: one user'\''s key (the config file'\''s, or --user), never every user'\''s' check_uninstall_one_user

check_deleted_owner() {
  tw user delete bob --yes >/dev/null 2>&1 || return 1
  expect "bob's key" "$(key_state bob bobs)" owner-deleted
}
check 'key list: a deleted user'\''s keys say owner-deleted' check_deleted_owner

# --- c (end). Shutdown removes the runtime file; a stale one is ignored ------------------------
check_after_shutdown() {
  stop_server || return 1
  [[ ! -e $data/server.runtime ]] || { echo "the runtime file is still there"; return 1; }
  tw mcp print-config --client cursor >"$work/print.out" &&
    grep -qF '"url": "http://127.0.0.1:8080/mcp"' "$work/print.out" || { cat "$work/print.out"; return 1; }
  # A crash leaves the file behind: its process is gone, so it is ignored.
  sh -c 'exit 0' &
  local dead=$!
  wait "$dead"
  printf 'pid %s\nurl http://127.0.0.1:%s/\n' "$dead" "$port" >"$data/server.runtime"
  tw mcp print-config --client cursor >"$work/print.out" &&
    grep -qF '"url": "http://127.0.0.1:8080/mcp"' "$work/print.out" || { cat "$work/print.out"; return 1; }
  tw --set server.listen=127.0.0.1:9999 mcp print-config --client cursor >"$work/print.out" &&
    grep -qF '"url": "http://127.0.0.1:9999/mcp"' "$work/print.out" || { cat "$work/print.out"; return 1; }
}
check 'after shutdown: the runtime file is gone; print-config falls back to server.listen; a stale file is ignored' check_after_shutdown

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
