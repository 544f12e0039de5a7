"""capi on PostgreSQL as it is deployed: two `capi serve` nodes on one
database, one of them SIGKILLed mid-stream; the database restarting under a
node; the primary killed and a synchronous standby promoted. Each test
starts its own PostgreSQL (scripts/postgres.sh) and checks exact figures."""
from __future__ import annotations

import datetime
import json
import random
import threading
import time
import urllib.error
import urllib.request

from conftest import capi_binary, free_port, run_cli
from crash_support import BUY, CapiProcess, Sender, api, check_attribution_and_report, exposure_of
from postgres_support import postgres  # noqa: F401  (the fixture)

SEED = 19
UIDS = 200
EXPOSED = 150  # u0..u149 have one exposure each


def stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_up(binary, url, account) -> tuple[str, str]:
    """An account with a key, a platform key, the `web` source and the buy."""
    db = ("--database", url)
    run_cli(binary, "accounts", "create", account, *db)
    key = run_cli(binary, "keys", "create", "--account", account, *db).strip().splitlines()[-1]
    platform = run_cli(binary, "keys", "create", "--platform", *db).strip().splitlines()[-1]
    run_cli(binary, "event-sources", "add", "--account", account, "--event-source-id", "web",
            "--event-types", "purchase,lead", "--value-currencies", "USD", "--managed-by", "buyer", *db)
    return key, platform


def put_buy(base, platform, account):
    status, reply = api(base, "PUT", f"/agentic/v1/media-buys/{BUY}", platform, {
        "account_id": account, "currency": "USD", "packages": [{"package_id": "pkg_1", "creatives": [
            {"creative_id": "cr_1", "landing_url": "https://example.com/1"},
            {"creative_id": "cr_2", "landing_url": "https://example.com/2"}]}]})
    assert status == 201, reply


def conversion(rng, event_id, when) -> dict:
    event = {"event_id": event_id, "event_type": rng.choice(["purchase", "lead"]), "event_time": stamp(when),
             "custom_data": {"value": rng.choice([5, 12.5, 40]), "currency": "USD"}}
    if rng.random() < 0.9:
        event["user_match"] = {"uids": [{"type": "rampid", "value": f"u{rng.randrange(UIDS)}"}]}
    return event


def overlapping_batches(events, size, step) -> list[bytes]:
    """Windows of `size` over `events`, each starting `step` after the last:
    consecutive batches share `size - step` events."""
    return [json.dumps({"event_source_id": "web", "events": events[i:i + size]}).encode()
            for i in range(0, len(events) - size + step, step)]


def wait_until_attributed(pg, account, port=None, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        pending = int(pg.sql(
            f"SELECT count(*) FROM events e WHERE e.account_id = '{account}' AND NOT EXISTS "
            f"(SELECT 1 FROM attributions a WHERE a.account_id = e.account_id AND a.event_seq = e.seq)", port)[0][0])
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"{pending} conversions still pending after {timeout} s"
        time.sleep(0.5)


def test_two_nodes_one_killed_store_and_attribute_exactly(postgres, tmp_path):
    """Overlapping batches, the same batches and idempotency keys sent to both
    nodes at once, the exposure feed sent to both; node B is SIGKILLed
    mid-stream. Every event and exposure is stored once, duplicates are
    answered consistently, node A finishes the attribution, and the
    explanations, the delivery report and the counters are exact."""
    rng = random.Random(SEED)
    binary = capi_binary()
    url = postgres.url()
    key, platform = set_up(binary, url, "nodes")
    a = CapiProcess(binary, url, free_port(), tmp_path / "a.log")
    b = CapiProcess(binary, url, free_port(), tmp_path / "b.log")
    a.start()
    b.start()
    try:
        put_buy(a.base, platform, "nodes")
        t0 = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        exposures = [exposure_of(j, stamp(t0 - datetime.timedelta(hours=2) + datetime.timedelta(seconds=j)))
                     for j in range(EXPOSED)]
        rng.shuffle(exposures)
        hour_ago = t0 - datetime.timedelta(hours=1)
        # Three clients, each over its own ids in overlapping windows, every
        # batch to the next node.
        streams = [overlapping_batches([conversion(rng, f"s{c}-e{k}", hour_ago) for k in range(2_400)], 60, 40)
                   for c in range(3)]
        # Twins: the same bodies sent to A and to B at once, half of them
        # under an idempotency key.
        twin_bodies = []
        for t in range(40):
            body = {"event_source_id": "web", "events": [conversion(rng, f"t{t}-e{k}", hour_ago) for k in range(25)]}
            if t % 2 == 0:
                body["idempotency_key"] = f"twin-{t:04d}-{SEED:08d}"
            twin_bodies.append(json.dumps(body).encode())
        feed = [("\n".join(json.dumps(x) for x in exposures[i:i + 10]) + "\n").encode()
                for i in range(0, len(exposures), 10)]

        stop = threading.Event()
        ports = [a.port, b.port]
        senders = [Sender(f"stream{c}", ports, key, batches, stop, pause=0.02) for c, batches in enumerate(streams)]
        twins = [Sender("twin-a", [a.port, b.port], key, twin_bodies, stop, pause=0.05),
                 Sender("twin-b", [b.port, a.port], key, twin_bodies, stop, pause=0.05)]
        for twin in twins:
            twin.next_node = lambda: None  # a twin stays on its node while it lives
        feeds = [Sender(f"feed-{name}", [port], platform, feed, stop, path="/agentic/v1/exposures",
                        content_type="application/x-ndjson", pause=0.05) for name, port in (("a", a.port), ("b", b.port))]
        everyone = senders + twins + feeds
        for s in everyone:
            s.start()
        time.sleep(rng.uniform(1.5, 2.5))
        b.kill()  # mid-stream, most likely mid-pass too
        # Clients of B fail over to A, as behind a load balancer.
        for twin in twins[1:]:
            twin.ports = [a.port]
        feeds[1].ports = [a.port]
        for s in everyone:
            s.join(timeout=180)
            assert not s.is_alive(), f"{s.name} is stuck"
        assert not [e for s in everyone for e in s.errors], [e for s in everyone for e in s.errors]
        cut = sum(s.cut for s in everyone)
        assert cut > 0 or b.process.returncode is not None

        truth: dict[str, dict] = {}
        for s in senders + twins:
            for body, reply, _ in s.acked:
                events = json.loads(body)["events"]
                assert reply["events_received"] == reply["events_processed"] == len(events), reply
                for e in events:
                    assert truth.setdefault(e["event_id"], e) == e
        assert len(truth) == 3 * 2_400 + 40 * 25, "every batch was acknowledged in the end"

        # Twins answered consistently: a batch both nodes acknowledged at the
        # first try was new on one and duplicate on the other, event by
        # event; under an idempotency key both answers are the same answer.
        first_tries = [{json.loads(body).get("idempotency_key") or body: reply for body, reply, attempts in twin.acked
                        if attempts == 1} for twin in twins]
        both = set(first_tries[0]) & set(first_tries[1])
        assert both, "no twin batch reached both nodes"
        for name in both:
            x, y = first_tries[0][name], first_tries[1][name]
            if isinstance(name, str):  # an idempotency key: one answer, replayed
                assert x == y, (x, y)
            else:
                assert x["ext"]["duplicates"] + y["ext"]["duplicates"] == 25, (x, y)

        # Stored once each, and the counters say so.
        rows = postgres.sql("SELECT event_id FROM events WHERE account_id = 'nodes'")
        stored = [r[0] for r in rows]
        assert len(stored) == len(set(stored)) == len(truth)
        assert set(stored) == set(truth)
        assert postgres.sql("SELECT count(*), count(DISTINCT exposure_id) FROM exposures WHERE account_id = 'nodes'") \
            == [[str(EXPOSED), str(EXPOSED)]]
        wait_until_attributed(postgres, "nodes")
        assert postgres.sql(
            "SELECT count(*) FROM (SELECT event_seq FROM attributions WHERE account_id = 'nodes' "
            "GROUP BY event_seq HAVING count(*) > 1) AS twice") == [["0"]], "a conversion attributed twice"
        attributed = check_attribution_and_report(a.base, key, truth, exposures, rng)
        status, detail = api(a.base, "GET", "/agentic/v1/event-sources/web", key)
        day = detail["counters"]["last_24h"]
        assert day["accepted"] - day["duplicates"] == len(truth), day
        assert day["attributed"] == attributed, (day, attributed)
        print(f"\ntwo nodes: {len(truth)} events, {EXPOSED} exposures, {cut} requests cut by the kill, "
              f"{len(both)} twin batches on both nodes at once, {attributed} attributed")
    finally:
        a.stop()
        b.stop()
    rebuilt = run_cli(binary, "attribute", "--rebuild", "--database", url)
    assert f"rebuilt {len(truth)} conversions" in rebuilt and rebuilt.strip().endswith("they agree"), rebuilt
    assert run_cli(binary, "rollups", "--verify", "--database", url).strip().endswith("they agree")


def post_events(base, key, events):
    return api(base, "POST", "/agentic/v1/capi", key, {"event_source_id": "web", "events": events})


def test_a_database_restart_gets_503_with_retry_after_and_the_node_reconnects(postgres, tmp_path):
    binary = capi_binary()
    url = postgres.url()
    key, _ = set_up(binary, url, "outage")
    node = CapiProcess(binary, url, free_port(), tmp_path / "node.log")
    node.start()
    try:
        now = stamp(datetime.datetime.now(datetime.timezone.utc))
        event = lambda i: {"event_id": f"o{i}", "event_type": "purchase", "event_time": now}  # noqa: E731
        assert post_events(node.base, key, [event(i) for i in range(100)])[0] == 200
        postgres.run("kill-primary")
        started = time.monotonic()
        request = f"{node.base}/agentic/v1/capi"
        body = json.dumps({"event_source_id": "web", "events": [event(i) for i in range(100, 200)]}).encode()
        try:
            urllib.request.urlopen(urllib.request.Request(request, data=body, method="POST", headers={
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"}), timeout=30)
            raise AssertionError("stored with the database down")
        except urllib.error.HTTPError as refused:
            assert refused.code == 503
            assert refused.headers["Retry-After"] == "1"
            error = json.loads(refused.read())["errors"][0]
            assert error["code"] == "SERVICE_UNAVAILABLE" and error["recovery"] == "transient", error
        assert time.monotonic() - started < 10, "a client waits seconds, not minutes"
        assert node.process.poll() is None, "the node stays up"
        postgres.run("restart-primary")
        deadline = time.monotonic() + 30
        while (status := post_events(node.base, key, [event(i) for i in range(100, 200)])[0]) != 200:
            assert status == 503 and time.monotonic() < deadline, status
            time.sleep(0.5)
        assert postgres.sql("SELECT count(*) FROM events WHERE account_id = 'outage'") == [["200"]]
    finally:
        node.stop()


def test_failover_to_a_synchronous_standby_keeps_every_acknowledged_event(postgres, tmp_path):
    """Two nodes on a URL naming the primary and its synchronous standby
    (`target_session_attrs=read-write`); the primary is SIGKILLed
    mid-stream and the standby promoted. The nodes find it by themselves
    and every event they acknowledged is there."""
    rng = random.Random(SEED + 1)
    binary = capi_binary()
    postgres.start_standby()
    url = postgres.url(postgres.port, postgres.standby_port, target_session_attrs="read-write")
    key, _ = set_up(binary, url, "failover")
    nodes = [CapiProcess(binary, url, free_port(), tmp_path / f"node{i}.log") for i in range(2)]
    for node in nodes:
        node.start()
    try:
        hour_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        streams = [overlapping_batches([conversion(rng, f"f{c}-e{k}", hour_ago) for k in range(1_600)], 40, 40)
                   for c in range(3)]
        stop = threading.Event()
        senders = [Sender(f"client{c}", [n.port for n in nodes], key, batches, stop, pause=0.02)
                   for c, batches in enumerate(streams)]
        for s in senders:
            s.start()
        time.sleep(1.5)
        acked_before = sum(len(s.acked) for s in senders)
        postgres.run("kill-primary")
        postgres.run("promote")
        for s in senders:
            s.join(timeout=180)
            assert not s.is_alive(), f"{s.name} is stuck"
        assert not [e for s in senders for e in s.errors], [e for s in senders for e in s.errors]
        assert acked_before > 0, "nothing was acknowledged by the old primary"
        acked = {e["event_id"] for s in senders for body, _, _ in s.acked for e in json.loads(body)["events"]}
        assert len(acked) == 3 * 1_600
        rows = postgres.sql("SELECT event_id FROM events WHERE account_id = 'failover'", port=postgres.standby_port)
        stored = [r[0] for r in rows]
        assert len(stored) == len(set(stored)), "duplicate rows"
        assert set(stored) == acked, f"lost {len(acked - set(stored))} acknowledged events"
        assert all(n.process.poll() is None for n in nodes), "the nodes stay up"
        print(f"\nfailover: {acked_before} batches acknowledged by the old primary, {len(acked)} events in all")
    finally:
        for node in nodes:
            node.stop()
