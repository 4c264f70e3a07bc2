# Sourced by run_serve_sdk.sh (its SETUP.sh) for the jobs sessions (jobs_session.mjs): writes
# small sh scripts and a config file whose [[jobs]] run them into the work folder $work, sets
# `config` to it, and exports for the script
#   TW_GATES    a folder the jobs wait in: a run of "watch" with {gate: G} waits for the file
#               GATES/G.go, then for GATES/G.end, which the script creates when it wants the run
#               to go on; the runs of stubborn, watch and deploy have E2E_GATES=TW_GATES in their
#               environment, so the script can tell this server's runs from another's in /proc
#   TW_SECRETS  a file where the script writes, one a line, every secret it sent.
# after_stop then checks, once the server has stopped, that none of them is in the server's
# output, its log or its database files.

# --- The jobs' scripts ------------------------------------------------------------------------
jobs=$work/jobs
gates=$work/gates
mkdir -p "$jobs" "$gates" "$work/data"
# Waits until the file GATES/GATE.$1 exists (at most 120 s, so nothing is left behind).
wait_for_gate='gate() { i=0; while [ ! -e "$E2E_GATES/$TASKWIRE_PARAM_GATE.$1" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done; }'

cat >"$jobs/hello.sh" <<'EOF'
#!/bin/sh
echo "hello from $TASKWIRE_JOB, run $TASKWIRE_RUN_ID, greeting $TASKWIRE_PARAM_NAME"
echo "::progress 1/2 halfway"
echo "this line went to standard error" >&2
echo "::progress 2/2 done"
echo "bye"
EOF
cat >"$jobs/fail.sh" <<'EOF'
#!/bin/sh
echo "about to fail"
exit 3
EOF
# Ignores SIGTERM, starts a child in its process group and one that leaves it (setsid), prints
# their ids and waits until it is killed.
cat >"$jobs/stubborn.sh" <<'EOF'
#!/bin/sh
trap '' TERM
sleep 300 &
child=$!
setsid sh -c 'trap "" TERM; sleep 300' &
escaped=$!
echo "group $$ child $child escaped $escaped"
echo "ready"
while :; do sleep 1; done
EOF
# Writes, waits for the test's go-ahead, writes more, waits again: the output grows while the
# test reads it. Its progress lines let a waiting caller hear of it.
cat >"$jobs/watch.sh" <<EOF
#!/bin/sh
$wait_for_gate
echo "phase one"
echo "::progress 1/2 phase one"
gate go
echo "phase two"
echo "::progress 2/2 phase two"
gate end
echo "the end"
EOF
# Proves the secret arrived (in the gates folder, which the checks do not search) and tries to
# leak it: in its output, from the environment and from the JSON on standard input.
cat >"$jobs/secret.sh" <<'EOF'
#!/bin/sh
printf '%s' "$TASKWIRE_PARAM_TOKEN" >"$E2E_GATES/$TASKWIRE_RUN_ID.token"
echo "deploying to $TASKWIRE_PARAM_ENV with token $TASKWIRE_PARAM_TOKEN"
echo "standard input:"
cat
echo
EOF
# Shows its first argument and its parameter's variable exactly as received.
cat >"$jobs/literal.sh" <<'EOF'
#!/bin/sh
printf 'argument=%s|\n' "$1"
printf 'variable=%s|\n' "$TASKWIRE_PARAM_TEXT"
printf 'arguments=%s\n' "$#"
EOF
chmod +x "$jobs"/*.sh

config=$work/taskwire.toml
cat >"$config" <<EOF
[job_settings]
kill_grace = "1s"

[[jobs]]
name = "hello"
description = "Says hello, reports progress and succeeds"
command = ["/bin/sh", "$jobs/hello.sh"]
params = { type = "object", properties = { name = { type = "string", default = "world" } } }

[[jobs]]
name = "fail"
description = "Fails with exit code 3"
command = ["/bin/sh", "$jobs/fail.sh"]

[[jobs]]
name = "slow"
description = "Sleeps past its timeout"
command = ["/bin/sleep", "30"]
timeout = "1s"

[[jobs]]
name = "stubborn"
description = "Ignores SIGTERM and leaves children behind"
command = ["/bin/sh", "$jobs/stubborn.sh"]
max_concurrent = 4
env = { E2E_GATES = "$gates" }

[[jobs]]
name = "watch"
description = "Writes output in phases, when the test says so"
command = ["/bin/sh", "$jobs/watch.sh"]
params = { type = "object", properties = { gate = { type = "string", minLength = 1, maxLength = 64 } }, required = ["gate"] }
max_concurrent = 10
env = { E2E_GATES = "$gates" }

[[jobs]]
name = "deploy"
description = "Deploys to an environment with a secret token"
command = ["/bin/sh", "$jobs/secret.sh", "--env", "{env}"]
params = { type = "object", properties = { env = { enum = ["staging", "prod"] }, token = { type = "string", writeOnly = true } }, required = ["env", "token"] }
env = { E2E_GATES = "$gates" }

[[jobs]]
name = "literal"
description = "Echoes a text parameter as it arrives"
command = ["/bin/sh", "$jobs/literal.sh", "{text}"]
params = { type = "object", properties = { text = { type = "string" } }, required = ["text"] }

[[jobs]]
name = "acme-true"
description = "Only acme's members see this one"
command = ["/bin/true"]
organization = "acme"

[[jobs]]
name = "globex-true"
description = "Only globex's members see this one"
command = ["/bin/true"]
organization = "globex"
EOF

export TW_GATES=$gates
export TW_SECRETS=$work/secrets
: >"$TW_SECRETS"

# After the shutdown too (it stops what still runs and logs it): no secret in the log or the
# database, its write-ahead log included.
after_stop() {
  local secret file found=0
  [[ -s $TW_SECRETS ]] || return 0
  while IFS= read -r secret; do
    [[ -n $secret ]] || continue
    for file in "$server_log" "$server_err" "$work/data"/taskwire.db*; do
      [[ -f $file ]] || continue
      if grep -qaF -- "$secret" "$file"; then
        echo "FAIL  a secret parameter's value is in $(basename "$file") after the shutdown" >&2
        found=1
      fi
    done
  done <"$TW_SECRETS"
  [[ $found -eq 0 ]] && echo "ok    no secret in the server's output, log or database files after the shutdown"
  return $found
}
