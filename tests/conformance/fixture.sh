# Sourced by the scripts that drive the conformance fixture server:
#   start_fixture BINARY      starts it on a free loopback port and sets FIXTURE_URL
#   stop_fixture              stops it; returns non-zero, printing the report, if a sanitizer
#                             (ASan, UBSan, TSan) complained while it ran
FIXTURE_PID=
FIXTURE_LOG=
FIXTURE_URL=

start_fixture() {
  FIXTURE_LOG=$(mktemp)
  "$1" --listen 127.0.0.1:0 >"$FIXTURE_LOG" 2>&1 &
  FIXTURE_PID=$!
  for _ in $(seq 100); do
    FIXTURE_URL=$(grep -o 'http://[^ ]*/mcp' "$FIXTURE_LOG" | head -n 1)
    [[ -n $FIXTURE_URL ]] && return 0
    sleep 0.1
  done
  echo "the fixture server did not start:" >&2
  cat "$FIXTURE_LOG" >&2
  return 1
}

stop_fixture() {
  [[ -n $FIXTURE_PID ]] || return 0
  kill "$FIXTURE_PID" 2>/dev/null
  wait "$FIXTURE_PID" 2>/dev/null
  FIXTURE_PID=
  local status=0
  if grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error:' "$FIXTURE_LOG"; then
    echo "the fixture server reported a sanitizer error:" >&2
    cat "$FIXTURE_LOG" >&2
    status=1
  fi
  rm -f "$FIXTURE_LOG"
  return $status
}
