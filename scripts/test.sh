#!/usr/bin/env bash
# Runs every test:
#  1. the Swift suites: rules, decoder, attribution ground truth, reports,
#     HTTP tests against a real server on a real SQLite file, and the store
#     conformance suite on SQLite and on a real PostgreSQL (scripts/postgres.sh);
#     then every server HTTP suite again with the server on PostgreSQL;
#  2. the interop suite: the official AdCP Python client (`adcp`, from PyPI,
#     in .venv) and its CLI driving the real `capi` binary over MCP, the
#     OpenAPI contract test and the crash loop;
#  3. schemathesis fuzzing the REST API against /openapi.json (fixed seed).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
# A throwaway PostgreSQL 15 for the PostgreSQL store's suites (the conformance
# suite runs once on SQLite and once on it), removed on exit. If it cannot
# start, the run fails here: those suites are never skipped silently.
pg_exports=$(bash scripts/postgres.sh start)
eval "$pg_exports"
trap 'bash scripts/postgres.sh stop' EXIT
export CAPI_TEST_DATABASE_URL
# The limit and shutdown suites time real connections; they run on their
# own, after the CPU-heavy suites (fuzzing, differential, attribution).
TIMED='LimitsTests|GracefulStopTests'
swift test --skip-build --skip "$TIMED"
swift test --skip-build --filter "$TIMED"
# The server suites again, every server on a schema of its own in PostgreSQL.
CAPI_TEST_STORE=postgres swift test --skip-build --filter CAPIServerTests --skip "$TIMED"
CAPI_TEST_STORE=postgres swift test --skip-build --filter "$TIMED"
CAPI_BIN="$(swift build --show-bin-path)/capi" bash scripts/interop-tests.sh
CAPI_BIN="$(swift build --show-bin-path)/capi" bash scripts/fuzz-api.sh
