#!/usr/bin/env bash
# bench/load/run, interrupted while it measures (SIGINT, SIGTERM, SIGHUP): it exits with the
# signal's status, and nothing it started (taskwire, nginx, the SDK peer, wrk) is left running.
#
#   bench/load/interrupt_test.sh BINARY
set -uo pipefail
# Job control: each background job gets a process group of its own, and SIGINT is not ignored
# in it (as it would be for a plain & job), so signalling the group is what Ctrl-C does.
set -m
cd "$(dirname "$0")/../.."
binary=$1
failed=0
passed=0
for signal in INT TERM HUP; do
  log=$(mktemp)
  bench/load/run --smoke --binary "$binary" >"$log" 2>&1 &
  wrapper=$!
  for _ in $(seq 900); do grep -q "round 1" "$log" && break; sleep 0.1; done
  # run.mjs leads a session of its own; everything the benchmark started is in it.
  session=$(pgrep -P "$wrapper" -f "bench/load/run.mjs" | head -1)
  if [[ -z "$session" ]] || ! grep -q "round 1" "$log"; then
    echo "FAIL  SIG$signal: the benchmark never started measuring, or run.mjs leads no session of its own"; cat "$log"
    kill -KILL "$wrapper" 2>/dev/null; failed=$((failed + 1)); rm -f "$log"; continue
  fi
  started=$(pgrep -s "$session" | wc -l)
  kill "-$signal" -- "-$wrapper"
  wait "$wrapper"
  status=$?
  sleep 0.5
  left=$(pgrep -s "$session" -a || true)
  expected=$((128 + $(kill -l "$signal")))
  if [[ $started -lt 3 ]]; then
    echo "FAIL  SIG$signal: only $started processes were running when it was interrupted"; failed=$((failed + 1))
  elif [[ -n "$left" ]]; then
    echo "FAIL  SIG$signal: left running:"; echo "$left"; pkill -KILL -s "$session"; failed=$((failed + 1))
  elif [[ $status -ne $expected ]]; then
    echo "FAIL  SIG$signal: exit status $status, not $expected"; failed=$((failed + 1))
  else
    echo "ok    SIG$signal: $started processes stopped, exit status $status"; passed=$((passed + 1))
  fi
  rm -f "$log"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
