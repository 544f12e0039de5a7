#!/usr/bin/env bash
# Fuzzes the REST API against its own OpenAPI document with schemathesis.
#
# Starts `capi serve` on a free loopback port over a temporary database,
# creates an account, an account key, a platform key, an event source, a
# media buy and a conversion with capi's own CLI and API, then runs
# schemathesis on /openapi.json: no 5xx, statuses, content types, headers and
# bodies as documented, auth enforced. Fails if schemathesis finds anything
# or the server is no longer up at the end.
#
#   scripts/fuzz-api.sh                                  # the test run (seed 1, 50 examples per operation)
#   FUZZ_EXAMPLES=500 FUZZ_SEED=7 scripts/fuzz-api.sh   # longer, another seed
#   scripts/fuzz-api.sh --include-operation-id logEvent  # extra arguments go to `st run`
#   FUZZ_SCHEMA=edited.json scripts/fuzz-api.sh          # test a draft of the document
#
# CAPI_BIN names the binary (default: swift build's). Needs .venv from
# scripts/interop-tests.sh, or makes it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SEED="${FUZZ_SEED:-1}"
EXAMPLES="${FUZZ_EXAMPLES:-50}"
source "$ROOT/scripts/prepare.sh"
prepare_venv schemathesis==4.32.5

WORK="$(mktemp -d "${TMPDIR:-/tmp}/capi-fuzz.XXXXXX")"
DB=(--database "$WORK/capi.sqlite")
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

"$CAPI_BIN" accounts create acme --name "ACME Corp" "${DB[@]}" >/dev/null
ACCOUNT_KEY="$("$CAPI_BIN" keys create --account acme "${DB[@]}" | tail -n 1 | tr -d '[:space:]')"
PLATFORM_KEY="$("$CAPI_BIN" keys create --platform "${DB[@]}" | tail -n 1 | tr -d '[:space:]')"
# Seller-managed: sync_event_sources (fuzzed too) can neither change nor delete it.
"$CAPI_BIN" event-sources add --account acme --event-source-id web --event-types purchase,lead \
    --allowed-domains example.com --value-currencies USD --managed-by seller "${DB[@]}" >/dev/null

PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
export CAPI_FUZZ_SIGNING_SECRET="fuzz-signing-secret-0123456789"
CAPI_SIGNING_SECRET="$CAPI_FUZZ_SIGNING_SECRET" "$CAPI_BIN" serve --host 127.0.0.1 --port "$PORT" "${DB[@]}" \
    >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fs "$URL/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; echo "capi serve exited" >&2; exit 1; }
    sleep 0.2
done

# The resources the document's examples name: media buy mb_bf26, conversion order_1001.
curl -fsS -X PUT "$URL/agentic/v1/media-buys/mb_bf26" -H "Authorization: Bearer $PLATFORM_KEY" \
    -H 'Content-Type: application/json' -o /dev/null -d '{"account_id":"acme","name":"Black Friday","currency":"USD",
      "packages":[{"package_id":"pkg_1","creatives":[{"creative_id":"cr_1","landing_url":"https://example.com/bf"}]}]}'
NOW="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
curl -fsS -X POST "$URL/agentic/v1/capi" -H "Authorization: Bearer $ACCOUNT_KEY" -H 'Content-Type: application/json' \
    -o /dev/null -d '{"event_source_id":"web","events":[{"event_id":"order_1001","event_type":"purchase",
      "event_time":"'"$NOW"'","action_source":"website","event_source_url":"https://example.com/checkout",
      "user_match":{"click_id":"demo_click_1","click_id_type":"sc3clid"},"custom_data":{"value":49.99,"currency":"USD"}}]}'

export CAPI_FUZZ_URL="$URL" CAPI_FUZZ_ACCOUNT_KEY="$ACCOUNT_KEY" CAPI_FUZZ_PLATFORM_KEY="$PLATFORM_KEY"
# Checks: see Tests/fuzz/schemathesis.toml for the ones left out and why.
STATUS=0
SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$ROOT/Tests/fuzz" "$VENV/bin/st" --config-file "$ROOT/Tests/fuzz/schemathesis.toml" run "${FUZZ_SCHEMA:-$URL/openapi.json}" \
    --seed "$SEED" --max-examples "$EXAMPLES" --workers 1 --no-color \
    --generation-database none "$@" || STATUS=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null || ! curl -fs "$URL/healthz" >/dev/null; then
    echo "fuzz: capi serve is no longer up" >&2
    tail -n 50 "$WORK/serve.log" >&2
    exit 1
fi
if [[ $STATUS -ne 0 ]]; then
    echo "fuzz: schemathesis found problems (seed $SEED, $EXAMPLES examples); server log tail:" >&2
    tail -n 20 "$WORK/serve.log" >&2
fi
exit "$STATUS"
