#!/usr/bin/env bash
# Proves capi against the official AdCP Python client (`adcp` on PyPI).
#
# Creates .venv (git-ignored) with the pinned client, builds capi unless
# CAPI_BIN names a binary, and runs the pytest suite in Tests/interop, which
# starts `capi serve` on a free loopback port with a temporary database.
#
#   scripts/interop-tests.sh                 # everything
#   scripts/interop-tests.sh -k log_event    # extra arguments go to pytest
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

source "$ROOT/scripts/prepare.sh"
prepare_venv adcp==9.2.0 pytest==9.0.3 jsonschema==4.26.0

exec "$VENV/bin/python" -m pytest Tests/interop "$@"
