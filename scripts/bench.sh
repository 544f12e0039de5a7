#!/usr/bin/env bash
# Builds capi and capi-bench in release mode and runs the benchmark.
# Extra arguments go to capi-bench (see `capi-bench --help`); the JSON summary
# lands in bench-results/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product capi
swift build -c release --product capi-bench
mkdir -p bench-results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
exec .build/release/capi-bench --json "bench-results/bench-$stamp.json" "$@"
