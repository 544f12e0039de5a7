#!/usr/bin/env bash
# Copies the AdCP schemas capi uses, unmodified, from the official Python
# client's bundled copies (refs already inlined) into schemas/adcp/RELEASE/.
# The build embeds the request schemas as the MCP tools' inputSchemas; the
# Swift tests check responses against the response schemas.
#
# Usage: scripts/refresh-adcp-schemas.sh [ADCP_PIN [RELEASE]]
#   defaults: adcp==9.2.0, release 3.2. Uses .venv (made if missing).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PIN="${1:-adcp==9.2.0}"
RELEASE="${2:-3.2}"
VENV="$ROOT/.venv"

if [[ ! -x "$VENV/bin/python" ]]; then
    "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$PIN"
SOURCE="$("$VENV/bin/python" -c 'import adcp, pathlib; print(pathlib.Path(adcp.__file__).parent / "_schemas")')/$RELEASE/bundled"
TARGET="$ROOT/schemas/adcp/$RELEASE"

FILES=(
    protocol/get-adcp-capabilities-request.json
    protocol/get-adcp-capabilities-response.json
    media-buy/sync-event-sources-request.json
    media-buy/sync-event-sources-response.json
    media-buy/log-event-request.json
    media-buy/log-event-response.json
    media-buy/get-media-buy-delivery-request.json
    media-buy/get-media-buy-delivery-response.json
)
for file in "${FILES[@]}"; do
    mkdir -p "$(dirname "$TARGET/$file")"
    cp "$SOURCE/$file" "$TARGET/$file"
done
echo "copied ${#FILES[@]} schemas of AdCP $RELEASE from $PIN into ${TARGET#"$ROOT/"}"
