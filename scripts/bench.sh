#!/usr/bin/env bash
# Builds capi and capi-bench in release mode and runs every measure: with
# increasing and with random (--scattered-ids) event ids, on a fresh store
# and on one preloaded with PRELOAD events (default 3000000), then measure
# (6), the exposure feed (with conversions arriving, then with UUID-like
# exposure ids and none) and reports of a buy with REPORT_IMPRESSIONS
# impressions (default 1000000). Extra arguments go to every capi-bench run
# (see `capi-bench --help`); the JSON summaries land in bench-results/
# (git-ignored), one a run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product capi
swift build -c release --product capi-bench
mkdir -p bench-results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
preload=${PRELOAD:-3000000}
run() {
    local name=$1
    shift
    echo "== $name"
    .build/release/capi-bench --json "bench-results/bench-$stamp-$name.json" "$@"
}
run increasing "$@"
run random --scattered-ids --attribution-repetitions 0 "$@"
run increasing-preloaded --preload "$preload" --attribution-repetitions 0 "$@"
run random-preloaded --scattered-ids --preload "$preload" --attribution-repetitions 0 "$@"
run reports --reports-only --report-impressions "${REPORT_IMPRESSIONS:-1000000}" "$@"
run reports-random --reports-only --scattered-ids --feed-conversions 0 --report-impressions "${REPORT_IMPRESSIONS:-1000000}" "$@"
