#!/usr/bin/env bash
# `taskwire job list` and `taskwire run list|show` end to end, with the REAL server.
#   jobs_cli_test.sh TASKWIRE_BINARY TOOLS_DIR
# Writes a config whose [[jobs]] run /bin/sh scripts, reads the jobs without any server or
# database, then creates the user ada, the organization acme, a task and a key, starts
# `taskwire serve --config` on a free loopback port, starts runs over REST (the CLI starts none)
# and reads them with the CLI while the server runs and after it has stopped: filters, limits, the
# stored output (with the middle that jobs.max_output dropped), secrets redacted, --json in the
# API's shapes, and the refusals (exit 2 for bad usage, 1 for an unknown run). HTTP requests and
# JSON go through the pinned Node under TOOLS_DIR. Prints one line per check and a summary; exits
# non-zero if a check failed.
set -uo pipefail
binary=$1
tools=$2
source "$(dirname "$0")/serve_lib.sh"
e2e_tools "$binary" "$tools"

work=$(mktemp -d)
data=$work/data
mkdir -p "$data" "$work/jobs"
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
source "$(dirname "$0")/check_lib.sh"

secret="s3cr3t-cli-$RANDOM$RANDOM$RANDOM"
config=$work/taskwire.toml
cat >"$work/jobs/flood.sh" <<'EOF'
#!/bin/sh
i=0
while [ $i -lt 400 ]; do echo "line $i of the flood"; i=$((i+1)); done
EOF
cat >"$config" <<EOF
[job_settings]
max_output = 2000
kill_grace = "1s"

[[jobs]]
name = "echo"
description = "Prints its text"
command = ["/usr/bin/printf", "%s\\\\n", "{text}"]
params = { type = "object", properties = { text = { type = "string" } }, required = ["text"] }

[[jobs]]
name = "fail"
command = ["/bin/sh", "-c", "echo failing; exit 3"]

[[jobs]]
name = "flood"
command = ["/bin/sh", "$work/jobs/flood.sh"]
timeout = "1m"

[[jobs]]
name = "deploy"
description = "Needs a token"
command = ["/bin/sh", "-c", "echo token=\$TASKWIRE_PARAM_TOKEN"]
params = { type = "object", properties = { env = { enum = ["staging", "prod"] }, token = { type = "string", writeOnly = true } }, required = ["env"] }
max_concurrent = 2
on_limit = "reject"
organization = "acme"

[[jobs]]
name = "sleeper"
command = ["/bin/sleep", "300"]
EOF
tw() { timeout 30 "$binary" --data-dir "$data" --config "$config" "$@"; }
fail_setup() { echo "setup failed: $*" >&2; cat "$work/setup.err" >&2 2>/dev/null; exit 1; }

# api METHOD ROUTE [BODY]: the REST answer's body in $work/answer, "STATUS" on standard output.
api() {
  "$node" --input-type=module -e '
    import fs from "node:fs";
    const [base, key, method, route, body, out] = process.argv.slice(1);
    const post = method === "POST";
    const response = await fetch(new URL(`api/v1/${route}`, base), {
      method, body: post ? body || "{}" : undefined,
      headers: { Authorization: `Bearer ${key}`, ...(post ? { "Content-Type": "application/json" } : {}) },
    });
    fs.writeFileSync(out, await response.text());
    console.log(response.status);' "$base" "$key" "$1" "$2" "${3:-}" "$work/answer"
}
# start JOB BODY: starts a run over REST; prints its id.
start_run() {
  local status
  status=$(api POST "jobs/$1/runs" "$2") || return 1
  [[ $status == 2* ]] || { echo "POST jobs/$1/runs: HTTP $status $(cat "$work/answer")" >&2; return 1; }
  jsq "$work/answer" 'd.run.id'
}
# The ids in the first column of a table (its heading left out), in order.
ids() { awk 'NR > 1 { print $1 }' | xargs; }

# --- Without a server ------------------------------------------------------------------------
check 'job list reads the config alone: limits, parameters, required and secret marked' eval '
  tw job list >"$work/jobs.txt" 2>"$work/jobs.err" &&
  [[ ! -e $data/taskwire.db ]] &&
  expect "heading" "$(head -n 1 "$work/jobs.txt")" "NAME                     TIMEOUT  MAX  ON LIMIT ORGANIZATION     PARAMETERS (* required)" &&
  expect "deploy" "$(grep "^deploy " "$work/jobs.txt")" "deploy                   15m      2    reject   acme             env*, token (secret)" &&
  expect "flood" "$(grep "^flood " "$work/jobs.txt")" "flood                    1m       1    queue    -                -" &&
  expect "jobs" "$(ids <"$work/jobs.txt")" "deploy echo fail flood sleeper"'

check 'job list --json: the list_jobs shape' eval '
  tw job list --json >"$work/jobs.json" &&
  expect "names" "$(jsq "$work/jobs.json" "d.jobs.map((j) => j.name).join(\" \")")" "deploy echo fail flood sleeper" &&
  expect "deploy" "$(jsq "$work/jobs.json" "[d.jobs[0].timeout, d.jobs[0].maxConcurrent, d.jobs[0].onLimit, d.jobs[0].organization, d.jobs[0].params.properties.token.writeOnly]")" "[\"15m\",2,\"reject\",\"acme\",true]"'

# --- Setup: a user, an organization, a task, a key, the server ---------------------------------
tw migrate >/dev/null 2>>"$work/setup.err" || fail_setup "migrate"  # only serve and migrate create a database
printf 'ada-password-e2e\n' | tw user add ada --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add ada"
tw org add acme --owner ada >/dev/null 2>>"$work/setup.err" || fail_setup "org add acme"
key=$(tw key create --user ada --name cli-test --scopes all 2>>"$work/setup.err") || fail_setup "key create"
start_server "$binary" "$data" "$work" --config "$config" || exit 1
[[ $(api POST tasks '{"title":"Release 1.2"}') == 201 ]] || fail_setup "POST tasks: $(cat "$work/answer")"
task=$(jsq "$work/answer" 'd.task.id')

echo_run=$(start_run echo '{"params":{"text":"hello from the CLI test"}}') || fail_setup "echo run"
fail_run=$(start_run fail '{}') || fail_setup "fail run"
flood_run=$(start_run flood '{}') || fail_setup "flood run"
deploy_run=$(start_run deploy "{\"params\":{\"env\":\"prod\",\"token\":\"$secret\"},\"taskId\":$task}") || fail_setup "deploy run"
sleeper_run=$(start_run sleeper '{"waitMs":0}') || fail_setup "sleeper run"
[[ $(jsq "$work/answer" 'd.run.status') == running ]] || fail_setup "the sleeper is not running: $(cat "$work/answer")"

# --- While the server runs -------------------------------------------------------------------------
check 'run list: every run, newest first, with status and exit code' eval '
  tw run list >"$work/runs.txt" &&
  expect "ids" "$(ids <"$work/runs.txt")" "$sleeper_run $deploy_run $flood_run $fail_run $echo_run" &&
  expect "fail" "$(awk -v id=$fail_run "\$1 == id { print \$2, \$3, \$4, \$5 }" "$work/runs.txt")" "fail failed 3 ada" &&
  expect "sleeper" "$(awk -v id=$sleeper_run "\$1 == id { print \$3, \$4 }" "$work/runs.txt")" "running -" &&
  expect "deploy task" "$(awk -v id=$deploy_run "\$1 == id { print \$6 }" "$work/runs.txt")" "$task"'

check 'run list filters: --job, --status (several), --task, --limit' eval '
  expect "--job fail" "$(tw run list --job fail | ids)" "$fail_run" &&
  expect "--status running" "$(tw run list --status running | ids)" "$sleeper_run" &&
  expect "--status failed,running" "$(tw run list --status failed,running | ids)" "$sleeper_run $fail_run" &&
  expect "--task" "$(tw run list --task "$task" | ids)" "$deploy_run" &&
  expect "--limit 2" "$(tw run list --limit 2 | ids)" "$sleeper_run $deploy_run" &&
  expect "--job nothing" "$(tw run list --job nothing | ids)" ""'

check 'run show: the record; --output: the output as stored' eval '
  tw run show "$echo_run" >"$work/show.txt" &&
  grep -qx "status       succeeded" "$work/show.txt" &&
  grep -qx "exit code    0" "$work/show.txt" &&
  grep -qx "params       {\"text\":\"hello from the CLI test\"}" "$work/show.txt" &&
  grep -q "^started by   ada (key:" "$work/show.txt" &&
  ! grep -q "hello from the CLI test$" <(grep -v "^params" "$work/show.txt") &&
  tw run show "$echo_run" --output >"$work/show-output.txt" &&
  expect "last line" "$(tail -n 1 "$work/show-output.txt")" "hello from the CLI test"'

check 'run show --output of a run past jobs.max_output marks the middle that was not kept' eval '
  tw run show "$flood_run" --output >"$work/flood.txt" &&
  grep -q "its middle was not kept" "$work/flood.txt" &&
  grep -qx "line 0 of the flood" "$work/flood.txt" &&
  grep -qx "line 399 of the flood" "$work/flood.txt" &&
  ! grep -qx "line 200 of the flood" "$work/flood.txt" &&
  grep -qE "^\[\.\.\. [0-9]+ bytes not kept \.\.\.\]$" "$work/flood.txt"'

check 'a secret parameter is redacted in run show, --output, --json and run list' eval '
  tw run show "$deploy_run" --output >"$work/deploy.txt" &&
  grep -qx "params       {\"env\":\"prod\",\"token\":\"\[redacted\]\"}" "$work/deploy.txt" &&
  grep -qx "token=\[redacted\]" "$work/deploy.txt" &&
  tw run show "$deploy_run" --output --json >"$work/deploy.json" &&
  tw run list --json >"$work/runs.json" && tw run list >"$work/runs.txt" &&
  ! grep -qF "$secret" "$work/deploy.txt" "$work/deploy.json" "$work/runs.json" "$work/runs.txt"'

check 'run show --json and run list --json: the API shapes' eval '
  tw run show "$fail_run" --output --json >"$work/fail.json" &&
  expect "run" "$(jsq "$work/fail.json" "[d.run.id, d.run.job, d.run.status, d.run.exitCode, d.run.startedBy]")" "[$fail_run,\"fail\",\"failed\",3,\"ada\"]" &&
  expect "output" "$(jsq "$work/fail.json" "[d.output.length, d.output[0].text, d.output[0].offset, d.output[0].finished]")" "[1,\"failing\\n\",0,true]" &&
  tw run show "$fail_run" --json >"$work/fail-only.json" &&
  expect "no output without --output" "$(jsq "$work/fail-only.json" "d.output === undefined")" "true" &&
  tw run show "$flood_run" --output --json >"$work/flood.json" &&
  expect "two pieces" "$(jsq "$work/flood.json" "[d.run.truncated, d.output.length, d.output[1].skipped, d.output[1].finished, d.output[1].nextOffset === d.run.outputBytes]")" "[true,2,true,true,true]" &&
  expect "run list" "$(jsq "$work/runs.json" "d.runs.map((r) => r.id).join(\" \")")" "$sleeper_run $deploy_run $flood_run $fail_run $echo_run"'

# exits CODE COMMAND...: the command exits with CODE; what it wrote on standard error in $work/err.
exits() {
  local want=$1
  shift
  "$@" >/dev/null 2>"$work/err"
  expect "the exit code of $*" "$?" "$want"
}
check 'refusals: an unknown run is exit 1, bad usage exit 2, each with a sentence' eval '
  exits 1 tw run show 999999 && expect "message" "$(cat "$work/err")" "taskwire: run 999999 not found" &&
  exits 2 tw run list --status done && grep -q "'"'"'done'"'"' is not a run status (queued, running" "$work/err" &&
  exits 2 tw run list --limit 0 && grep -q "limit must be 1 to 10000" "$work/err" &&
  exits 2 tw run show && exits 2 tw run list --task abc'

check 'run --help says how runs are started and stopped' eval '
  tw run --help >"$work/help.txt" 2>&1 && grep -q "run_job" "$work/help.txt" && grep -q "POST /api/v1/jobs/NAME/runs" "$work/help.txt"'

# --- After the server has stopped --------------------------------------------------------------
stop_server
check 'with the server stopped: the sleeper ended interrupted, and run list and show still read' eval '
  expect "interrupted" "$(tw run list --status interrupted | ids)" "$sleeper_run" &&
  tw run show "$sleeper_run" >"$work/sleeper.txt" && grep -qx "status       interrupted" "$work/sleeper.txt"'

echo "jobs CLI: $passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
  echo "--- server log ---" >&2
  tail -n 30 "$work/server.err" >&2
fi
[[ $failed -eq 0 ]]
