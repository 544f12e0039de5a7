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

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
PINS=(adcp==9.2.0 pytest==9.0.3 jsonschema==4.26.0)

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
# pip is quick when the pins are already installed.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"

if [[ -z "${CAPI_BIN:-}" ]]; then
    swift build --product capi
    CAPI_BIN="$(swift build --show-bin-path)/capi"
fi
export CAPI_BIN

exec "$VENV/bin/python" -m pytest Tests/interop "$@"
