"""A 200 from capi means the batch is on disk: kill -9 the server right after
the answer, then read the SQLite file as it was left; and the crash loop
(`-m crash_loop`): many kills under concurrent load, then exact accounting."""
from __future__ import annotations

import datetime
import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import capi_binary, free_port, run_cli, wait_healthy
from crash_support import BUY, CapiProcess, Sender, api, check_attribution_and_report, exposure_of


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


# --------------------------------------------------------------------------
# The crash loop: concurrent clients stream batches while the server is
# SIGKILLed at random moments and restarted on the same database. Clients
# retry a batch whose answer they did not get (as any client would) until
# it is acknowledged, so the ground truth is exact: every event stored once,
# every exposure once, attribution finished and the report as computed here.

CRASH_SEED = int(os.environ.get("CRASH_SEED", "16"))
CRASH_KILLS = int(os.environ.get("CRASH_KILLS", "24"))
UIDS = 400            # the identity pool events draw from
EXPOSED = 300         # u0..u299 have one exposure each; the rest none


@pytest.mark.crash_loop
def test_crash_loop_loses_nothing_duplicates_nothing_and_attribution_finishes(tmp_path):
    rng = random.Random(CRASH_SEED)
    binary = capi_binary()
    database = tmp_path / "capi.sqlite"
    db = ("--database", str(database))
    run_cli(binary, "accounts", "create", "loop", *db)
    key = run_cli(binary, "keys", "create", "--account", "loop", *db).strip().splitlines()[-1]
    platform = run_cli(binary, "keys", "create", "--platform", *db).strip().splitlines()[-1]
    run_cli(binary, "event-sources", "add", "--account", "loop", "--event-source-id", "web",
            "--event-types", "purchase,lead", "--value-currencies", "USD", "--managed-by", "buyer", *db)
    server = CapiProcess(binary, database, free_port(), tmp_path / "serve.log")
    server.start()
    try:
        status, _ = api(server.base, "PUT", f"/agentic/v1/media-buys/{BUY}", platform, {
            "account_id": "loop", "currency": "USD", "packages": [{"package_id": "pkg_1", "creatives": [
                {"creative_id": "cr_1", "landing_url": "https://example.com/1"},
                {"creative_id": "cr_2", "landing_url": "https://example.com/2"}]}]})
        assert status == 201

        # Ground truth. Exposures two hours back, conversions one: every
        # exposure precedes the conversions that share its uid.
        t0 = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        stamp = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        exposures = [exposure_of(j, stamp(t0 - datetime.timedelta(hours=2) + datetime.timedelta(seconds=j)))
                     for j in range(EXPOSED)]
        rng.shuffle(exposures)
        senders_spec = []
        for c in range(4):
            batches = []
            for b in range(400):
                size = rng.choice([10, 20, 50, 50, 250])
                events = []
                for k in range(size):
                    event = {"event_id": f"c{c}-b{b}-e{k}", "event_type": rng.choice(["purchase", "lead"]),
                             "event_time": stamp(t0 - datetime.timedelta(hours=1)),
                             "custom_data": {"value": rng.choice([5, 12.5, 40]), "currency": "USD"}}
                    if rng.random() < 0.9:
                        event["user_match"] = {"uids": [{"type": "rampid", "value": f"u{rng.randrange(UIDS)}"}]}
                    events.append(event)
                body = {"event_source_id": "web", "events": events}
                if c == 0:
                    body["idempotency_key"] = f"loop-{c}-{b}-{CRASH_SEED:08d}"
                batches.append(json.dumps(body).encode())
            senders_spec.append(batches)
        stop = threading.Event()
        senders = [Sender(f"client{c}", server.port, key, batches, stop) for c, batches in enumerate(senders_spec)]
        feed = [("\n".join(json.dumps(x) for x in exposures[i:i + 10]) + "\n").encode()
                for i in range(0, len(exposures), 10)]
        senders.append(Sender("exposures", server.port, platform, feed, stop,
                              path="/agentic/v1/exposures", content_type="application/x-ndjson"))
        for s in senders:
            s.start()

        started = time.monotonic()
        for _ in range(CRASH_KILLS):
            time.sleep(rng.uniform(0.3, 1.2))
            server.kill()
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
        time.sleep(1.0)
        stop.set()
        for s in senders:
            s.join(timeout=120)
            assert not s.is_alive(), f"{s.name} is stuck"
        assert not [e for s in senders for e in s.errors], [e for s in senders for e in s.errors]

        # Every acknowledged batch, exactly: the events of the 200s.
        truth: dict[str, dict] = {}
        for s in senders[:-1]:
            for body, reply, attempts in s.acked:
                events = json.loads(body)["events"]
                assert reply["events_received"] == reply["events_processed"] == len(events), reply
                if attempts == 1 and "idempotency_key" not in json.loads(body):
                    assert reply["ext"]["duplicates"] == 0, reply  # fresh ids, first try
                for e in events:
                    assert e["event_id"] not in truth
                    truth[e["event_id"]] = e
        acked_exposures = [json.loads(line) for body, _, _ in senders[-1].acked for line in body.splitlines()]
        retried = sum(s.cut for s in senders)
        assert len(truth) > 2000 and len(acked_exposures) > 0, (len(truth), len(acked_exposures))
        assert retried > 0, "no request was cut by a kill: the loop did not test anything"
        print(f"\ncrash loop: {CRASH_KILLS} kills, {len(truth)} events in {sum(len(s.acked) for s in senders[:-1])} "
              f"batches, {len(acked_exposures)} exposures, {retried} requests resent after a kill "
              f"({time.monotonic() - started:.1f} s)")

        # Stored once each: no loss, no duplicate row.
        uri = f"file:{database}?mode=ro"
        with sqlite3.connect(uri, uri=True) as connection:
            rows = connection.execute("SELECT event_id FROM events WHERE account_id = 'loop'").fetchall()
            exposure_rows = connection.execute("SELECT COUNT(*), COUNT(DISTINCT exposure_id) FROM exposures").fetchone()
        stored = [r[0] for r in rows]
        assert len(stored) == len(set(stored)), "duplicate rows"
        assert set(stored) == set(truth), f"lost {len(set(truth) - set(stored))}, extra {len(set(stored) - set(truth))}"
        assert exposure_rows == (len(acked_exposures), len(acked_exposures))

        # Attribution resumes after the last restart and finishes.
        deadline = time.monotonic() + 60
        while True:
            with sqlite3.connect(uri, uri=True) as connection:
                pending = connection.execute(
                    "SELECT COUNT(*) FROM events e WHERE e.account_id = 'loop' AND NOT EXISTS "
                    "(SELECT 1 FROM attributions a WHERE a.event_seq = e.seq)").fetchone()[0]
            if pending == 0:
                break
            assert time.monotonic() < deadline, f"{pending} conversions still pending after 60 s"
            time.sleep(0.5)

        print(f"crash loop: attribution done at {time.monotonic() - started:.1f} s")
        attributed = check_attribution_and_report(server.base, key, truth, acked_exposures, rng)

        # Counters agree: stored once, credited once.
        status, detail = api(server.base, "GET", "/agentic/v1/event-sources/web", key)
        day = detail["counters"]["last_24h"]
        assert day["accepted"] - day["duplicates"] == len(truth), day
        assert day["attributed"] == attributed, (day, attributed)

        # Resent, every acknowledged batch is all duplicates.
        resend = Sender("resend", server.port, key, [
            json.dumps({k: v for k, v in json.loads(body).items() if k != "idempotency_key"}).encode()
            for s in senders[:-1] for body, _, _ in s.acked], threading.Event(), pause=0)
        resend.run()
        assert not resend.errors, resend.errors
        for body, reply, _ in resend.acked:
            n = len(json.loads(body)["events"])
            assert reply["events_processed"] == reply["ext"]["duplicates"] == n, reply
        assert server.process.poll() is None
        print(f"crash loop: verified in {time.monotonic() - started:.1f} s")
    finally:
        server.stop()

    # Offline, after all that: a rebuild attributes the same conversions,
    # and the rollups the reports read still agree with the raw rows.
    rebuilt = run_cli(binary, "attribute", "--rebuild", *db)
    assert f"rebuilt {len(truth)} conversions" in rebuilt, rebuilt
    assert rebuilt.strip().endswith("they agree"), rebuilt
    assert run_cli(binary, "rollups", "--verify", *db).strip().endswith("they agree")
