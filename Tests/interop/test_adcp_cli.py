"""The `adcp` command-line client against capi:
    adcp --auth <key> --json http://HOST:PORT/mcp <tool> '<json payload>'

Each CLI run costs tens of seconds of start-up (the client builds its
models on import), so this module keeps to three runs.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from interop_support import new_key, recent_time

ADCP_CLI = pathlib.Path(sys.executable).parent / "adcp"


def adcp(capi, tmp_path, key: str, tool: str, payload: dict) -> dict:
    # A private HOME keeps the CLI's saved-agent config out of the user's.
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(ADCP_CLI), "--auth", key, "--json", capi.mcp_url, tool, json.dumps(payload)],
        capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_cli_sync_then_log(capi, tmp_path):
    key = capi.keys["CLI"]
    synced = adcp(capi, tmp_path, key, "sync_event_sources", {
        "idempotency_key": new_key(), "account": {"account_id": "CLI"},
        "event_sources": [{"event_source_id": "cli_web", "name": "CLI web", "event_types": ["purchase"]}]})
    assert synced.get("success", True) is not False, synced
    actions = {s["event_source_id"]: (s["action"], s["managed_by"]) for s in synced["event_sources"]}
    assert actions == {"cli_web": ("created", "buyer")}

    logged = adcp(capi, tmp_path, key, "log_event", {
        "idempotency_key": new_key(), "event_source_id": "cli_web",
        "events": [{"event_id": "cli-1", "event_type": "purchase", "event_time": recent_time(),
                    "user_match": {"uids": [{"type": "id5", "value": "ID5-abc"}]}}]})
    assert logged.get("success", True) is not False, logged
    assert logged["events_received"] == 1
    assert logged["events_processed"] == 1


def test_cli_with_a_wrong_key(capi, tmp_path):
    out = adcp(capi, tmp_path, "capi_wrong_key", "get_adcp_capabilities", {})
    assert out["success"] is False
    assert "401" in out["error"]
