# Sourced by the test scripts: the Python environment and the capi binary
# they share. Sets VENV and CAPI_BIN; `prepare_venv PIN...` creates .venv
# (git-ignored) if missing and installs the pins (quick when they already are).
VENV="$ROOT/.venv"

prepare_venv() {
    if [[ ! -x "$VENV/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

# CAPI_BIN names the binary to test; without it, swift build makes one.
if [[ -z "${CAPI_BIN:-}" ]]; then
    swift build --product capi
    CAPI_BIN="$(swift build --show-bin-path)/capi"
fi
export CAPI_BIN
