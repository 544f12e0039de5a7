"""What the crash loop and the PostgreSQL node tests share: a `capi serve`
process killed at will, clients that resend until acknowledged, and the
ground truth of attribution and delivery they check against."""
from __future__ import annotations

import http.client
import json
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import wait_healthy

BUY = "mb_crash"


def exposure_of(j: int, time: str) -> dict:
    """The one exposure of uid j: clicks for every third, impressions else."""
    return {"exposure_id": f"x{j}", "type": "click" if j % 3 == 0 else "impression", "media_buy_id": BUY,
            "package_id": "pkg_1", "creative_id": f"cr_{j % 2 + 1}", "time": time,
            "cost": 0.25 if j % 3 == 0 else 0.01 * (j % 4 + 1), "uids": [{"type": "rampid", "value": f"u{j}"}]}


class CapiProcess:
    """`capi serve` on a fixed port and database, killed and restarted at will."""

    def __init__(self, binary, database, port, log):
        self.binary, self.database, self.port, self.log = binary, database, port, log
        self.base = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [str(self.binary), "serve", "--port", str(self.port), "--database", str(self.database),
                 "--attribution-interval", "0.2", "--stream-min-bytes", "32768"],
                stdout=out, stderr=subprocess.STDOUT)
        wait_healthy(self.base, self.process, self.log)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Sender(threading.Thread):
    """One client on its own connection: sends its batches in order, each
    until a 200 (a connection error or a 503 means: resend the same batch).
    Given several ports (capi nodes behind one balancer), it sends each batch
    to the next node, and resends a cut one to the next node too."""

    def __init__(self, name, port, key, batches, stop, path="/agentic/v1/capi", content_type="application/json",
                 pause=0.04):
        super().__init__(name=name, daemon=True)
        self.pause = pause
        self.ports = list(port) if isinstance(port, (list, tuple)) else [port]
        self.turn = 0  # which of the ports takes the next request
        self.key, self.batches, self.stop_event = key, batches, stop
        self.path, self.content_type = path, content_type
        self.acked: list[tuple[bytes, dict, int]] = []   # (body, reply, attempts)
        self.errors: list[str] = []
        self.cut = 0  # requests whose answer a kill took
        self.connection = None

    def next_node(self):
        """Moves on to the next port, if there are several."""
        self.turn += 1
        if len(self.ports) > 1 and self.connection is not None:
            self.connection.close()
            self.connection = None

    def post(self, body: bytes):
        if self.connection is None:
            port = self.ports[self.turn % len(self.ports)]
            self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("POST", self.path, body=body, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": self.content_type})
        response = self.connection.getresponse()
        return response.status, response.read()

    def run(self):
        for body in self.batches:
            if self.stop_event.is_set():
                return
            attempts = 0
            deadline = time.monotonic() + 90
            while True:
                if time.monotonic() > deadline:
                    self.errors.append(f"{self.name}: no answer for 90 s")
                    return
                attempts += 1
                try:
                    status, raw = self.post(body)
                except (OSError, http.client.HTTPException):
                    status, raw = None, b""
                    self.cut += 1
                    if self.connection is not None:
                        self.connection.close()
                    self.connection = None
                    self.next_node()
                if status == 200:
                    self.acked.append((body, json.loads(raw), attempts))
                    self.next_node()
                    break
                if status == 429:  # a limit, not a crash: wait as told, then resend
                    time.sleep(min(float(json.loads(raw)["errors"][0].get("retry_after", 1)), 2.0))
                    continue
                if status not in (None, 503):
                    self.errors.append(f"{self.name}: {status} {raw[:300]!r}")
                    return
                time.sleep(0.05)
            time.sleep(self.pause)  # two cores are shared: leave the server room


def api(base, method, path, key, body=None, query=None):
    url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def expected_exposure(event: dict, exposure_by_uid: dict) -> dict | None:
    """The exposure a conversion is credited to: the one of its uid, if any."""
    uid = event.get("user_match", {}).get("uids", [{}])[0].get("value")
    return exposure_by_uid.get(uid)


def check_attribution_and_report(base, key, truth, acked_exposures, rng, samples=40) -> int:
    """Explanations of a sample of conversions and the delivery report by
    creative, as the ground truth computes them (each uid has at most one
    exposure). Returns how many conversions are attributed."""
    exposure_by_uid = {x["uids"][0]["value"]: x for x in acked_exposures}
    for e in rng.sample(sorted(truth.values(), key=lambda e: e["event_id"]), min(samples, len(truth))):
        status, explanation = api(base, "GET", "/agentic/v1/attributions", key, query={
            "event_source_id": "web", "event_type": e["event_type"], "event_id": e["event_id"]})
        assert status == 200, explanation
        x = expected_exposure(e, exposure_by_uid)
        if x is None:
            assert explanation["status"] == "unattributed", (e, explanation)
        else:
            assert explanation["status"] == "attributed", (e, explanation)
            assert explanation["attribution"]["exposure_id"] == x["exposure_id"]
            assert explanation["attribution"]["model"] == ("click_through" if x["type"] == "click" else "view_through")

    want = {c: {"impressions": 0, "clicks": 0, "spend": 0.0, "conversions": 0, "conversion_value": 0.0}
            for c in ("cr_1", "cr_2")}
    for x in acked_exposures:
        row = want[x["creative_id"]]
        row["impressions" if x["type"] == "impression" else "clicks"] += 1
        row["spend"] += x["cost"]
    attributed = 0
    for e in truth.values():
        x = expected_exposure(e, exposure_by_uid)
        if x is not None:
            attributed += 1
            want[x["creative_id"]]["conversions"] += 1
            want[x["creative_id"]]["conversion_value"] += e["custom_data"]["value"]
    status, report = api(base, "GET", "/agentic/v1/reports/delivery", key,
                         query={"media_buy_id": BUY, "group_by": "creative"})
    assert status == 200, report
    got = {r["creative_id"]: r for r in report["reports"][0]["rows"]}
    for creative, figures in want.items():
        for name, value in figures.items():
            assert got[creative][name] == pytest.approx(value, abs=1e-6), (creative, name, got[creative])
    return attributed
