"""A 200 from capi means the batch is on disk: kill -9 the server right after
the answer, then read the SQLite file as it was left."""
from __future__ import annotations

import datetime
import json
import signal
import sqlite3
import subprocess
import urllib.request

from conftest import capi_binary, free_port, run_cli, wait_healthy


def test_events_acknowledged_survive_a_crash(tmp_path):
    binary = capi_binary()
    database = tmp_path / "capi.sqlite"
    db = ("--database", str(database))
    run_cli(binary, "accounts", "create", "crash", *db)
    key = run_cli(binary, "keys", "create", "--account", "crash", *db).strip().splitlines()[-1]
    run_cli(binary, "event-sources", "add", "--account", "crash", "--event-source-id", "web",
            "--managed-by", "buyer", *db)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(binary), "serve", "--port", str(port), "--attribution-interval", "0", *db],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process, log)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
        events = [{"event_id": f"c{i}", "event_type": "purchase", "event_time": now,
                   "user_match": {"click_id": f"k{i}", "click_id_type": "sc3clid"}} for i in range(2000)]
        request = urllib.request.Request(
            f"{base}/agentic/v1/capi", method="POST",
            data=json.dumps({"event_source_id": "web", "events": events}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            body = json.loads(response.read())
        process.send_signal(signal.SIGKILL)  # no shutdown, no checkpoint
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert body["events_processed"] == 2000
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT COUNT(*) FROM events WHERE account_id = 'crash'").fetchone()[0]
    assert stored == 2000
