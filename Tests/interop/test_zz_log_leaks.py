"""Nothing secret reaches capi's log, at trace level, in either log format:
no API key (good or bad), no link-signing secret, no hashed identifier or
uid value, no request body, no signed link's query.

This file runs last (pytest takes files in name order), so its first check
reads the log the session's server wrote while every other test drove it.
The second runs a server of its own at trace level in JSON and drives every
door with identifiers made for it, so it knows each value to look for.
`test_the_check_finds_what_it_looks_for` shows the search is not blind."""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from conftest import capi_binary, free_port, run_cli, stop, wait_healthy
from interop_support import call_tool, jsonrpc, new_key, recent_time

# Whatever test sent them, these shapes never belong in a log line.
PATTERNS = {
    "an API key": re.compile(r"scope3_[A-Za-z0-9_-]{20,}"),
    "a SHA-256 (hashed identifier or key hash)": re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])"),
    "a JSON body": re.compile(r'"(event_source_id|user_match|events|exposure_id|hashed_email|event_sources)"\s*:'),
    "a signed link's query": re.compile(r"[?&](sig|hashed_email|hashed_phone|uid\.[a-z0-9_]+)="),
}


def find_leaks(log: str, needles: list[str]) -> list[str]:
    """Every needle and every forbidden shape the log holds, with its line."""
    found = []
    lines = log.splitlines()
    for needle in needles:
        for line in lines:
            if needle and needle in line:
                found.append(f"{needle[:20]}… in: {line[:300]}")
                break
    for what, pattern in PATTERNS.items():
        for line in lines:
            if pattern.search(line):
                found.append(f"{what} in: {line[:300]}")
                break
    return found


def sha() -> str:
    return hashlib.sha256(secrets.token_bytes(16)).hexdigest()


def test_the_check_finds_what_it_looks_for(tmp_path):
    """The search finds a planted value and each forbidden shape, so a clean
    result below means clean, not a search that cannot see."""
    planted = "planted-secret-value-0123456789"
    cases = {
        "needle": f"info capi: something {planted}",
        "key": "debug capi: auth=scope3_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "hash": f"trace capi: {sha()}",
        "body": '{"message":"got {\\"event_source_id\\": \\"web\\"}"}'.replace('\\"', '"'),
        "query": "debug capi: uri=/agentic/v1/click/a/b/c?hashed_email=x&sig=y",
    }
    log = tmp_path / "planted.log"
    for name, line in cases.items():
        log.write_text("info capi: capi listening\n" + line + "\n")
        assert find_leaks(log.read_text(), [planted]), f"the check missed the planted {name}"
    clean = 'info capi: request method=GET route=/agentic/v1/click/{media_buy_id} status=302 ms=1.2\n'
    assert find_leaks(clean, [planted]) == []


def test_the_session_log_at_trace_holds_no_key_identifier_or_body(capi):
    log = capi.log.read_text()
    assert " trace capi:" in log, "the session's server logs at trace level"
    assert " route=" in log, "requests were logged, so they were searched"
    leaks = find_leaks(log, list(capi.keys.values()))
    assert not leaks, "the session's log leaks:\n" + "\n".join(leaks)


def request(base: str, method: str, path: str, *, key: str | None = None, body: bytes | None = None,
            content_type: str = "application/json", headers: dict | None = None) -> int:
    all_headers = {"Content-Type": content_type, **(headers or {})}
    if key is not None:
        all_headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(base + path, data=body, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get_link(url: str) -> int:
    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_door_at_trace_in_json_logs_no_key_identifier_secret_or_body(tmp_path):
    binary = capi_binary()
    db = ("--database", str(tmp_path / "capi.sqlite"))
    run_cli(binary, "accounts", "create", "LEAK", *db)
    key = run_cli(binary, "keys", "create", "--account", "LEAK", *db).strip().splitlines()[-1]
    platform = run_cli(binary, "keys", "create", "--platform", *db).strip().splitlines()[-1]
    secret = "leak-test-secret-" + secrets.token_hex(16)
    env = {**os.environ, "CAPI_SIGNING_SECRET": secret}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as out:
        process = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "trace",
             "--log-format", "json", "--attribution-interval", "0.2", *db],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    needles = [key, platform, secret]
    bodies: list[str] = []

    def post(path: str, payload, *, with_key: str | None = key, content_type: str = "application/json") -> int:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        bodies.append(text)
        return request(base, "POST", path, key=with_key, body=text.encode(), content_type=content_type)

    def identifiers() -> dict:
        email, phone, uid = sha(), sha(), "uid-" + secrets.token_hex(12)
        needles.extend([email, phone, uid])
        return {"hashed_email": email, "hashed_phone": phone, "uids": [{"type": "rampid", "value": uid}]}

    def event(event_id: str) -> dict:
        return {"event_id": event_id, "event_type": "purchase", "event_time": recent_time(600),
                "action_source": "website", "event_source_url": "https://leak.example/checkout",
                "user_match": identifiers(), "custom_data": {"value": 12.5, "currency": "USD"}}

    try:
        wait_healthy(base, process, log_path)
        source = {"event_sources": [{"event_source_id": "web", "event_types": ["purchase"],
                                     "allowed_domains": ["leak.example"]}]}
        assert post("/agentic/v1/event-sources/sync", source) == 200
        # log_event over REST: accepted, replayed, partly and wholly refused, broken, streamed.
        batch = {"event_source_id": "web", "idempotency_key": new_key(), "events": [event("o1"), event("o2")]}
        assert post("/agentic/v1/capi", batch) == 200
        assert post("/agentic/v1/capi", json.dumps(batch)) == 200
        bad = event("o3")
        bad["event_type"] = "refund"
        assert post("/agentic/v1/capi", {"event_source_id": "web", "events": [event("o4"), bad]}) == 200
        assert post("/agentic/v1/capi", {"event_source_id": "web", "events": [bad]}) == 400
        assert post("/agentic/v1/capi", '{"event_source_id":"web","events":[' + json.dumps(event("o5"))[:-3]) == 400
        big = {"event_source_id": "web", "events": [event(f"s{i}") for i in range(2)]}
        big_text = json.dumps(big) + " " * (1 << 20)
        assert post("/agentic/v1/capi", big_text) == 200
        # Keys that are wrong, unknown or in the wrong header.
        wrong = "scope3_" + secrets.token_urlsafe(24)
        needles.append(wrong)
        assert post("/agentic/v1/capi", {"event_source_id": "web", "events": [event("w1")]}, with_key=wrong) == 401
        assert request(base, "GET", "/agentic/v1/test-events?event_source_id=web",
                       headers={"Authorization": "Basic " + secrets.token_hex(20)}) == 401
        assert request(base, "GET", "/agentic/v1/test-events?event_source_id=web", key=platform) in (400, 403)
        # MCP: log_event, sync_event_sources, get_media_buy_delivery, a bad key.
        mcp = f"{base}/mcp"
        status, payload = call_tool(mcp, key, "log_event", {"event_source_id": "web", "events": [event("m1")]})
        assert status == 200 and payload["result"]["structuredContent"]["events_processed"] == 1, payload
        bodies.append(json.dumps({"event_source_id": "web", "events": [event("m2")]}))
        call_tool(mcp, key, "sync_event_sources", {"event_sources": source["event_sources"], "idempotency_key": new_key()})
        call_tool(mcp, key, "get_media_buy_delivery", {"media_buy_ids": ["mb_leak"]})
        call_tool(mcp, wrong, "log_event", {"event_source_id": "web", "events": [event("m3")]})
        jsonrpc(mcp, "tools/call", {"name": "log_event", "arguments": {"events": [event("m4")]}},
                headers={"x-adcp-auth": key}, request_id=2)
        # The platform: a media buy, the exposure feed (JSON and NDJSON).
        buy = {"account_id": "LEAK", "currency": "USD", "packages": [{"package_id": "pkg", "creatives": [
            {"creative_id": "cr", "landing_url": "https://leak.example/landing"}]}]}
        bodies.append(json.dumps(buy))
        assert request(base, "PUT", "/agentic/v1/media-buys/mb_leak", key=platform, body=json.dumps(buy).encode()) in (200, 201)

        def exposure(n: int) -> dict:
            ids = identifiers()
            return {"exposure_id": f"imp{n}", "type": "impression", "media_buy_id": "mb_leak", "package_id": "pkg",
                    "creative_id": "cr", "time": recent_time(7200), "hashed_email": ids["hashed_email"],
                    "hashed_phone": ids["hashed_phone"]}
        assert post("/agentic/v1/exposures", [exposure(1), exposure(2)], with_key=platform) == 200
        assert post("/agentic/v1/exposures", "\n".join(json.dumps(exposure(n)) for n in (3, 4)),
                    with_key=platform, content_type="application/x-ndjson") == 200
        # Signed links: a click, an impression, a tampered click, an unknown buy.
        for kind in ("click", "impression"):
            ids = identifiers()
            signed = subprocess.run(
                [str(binary), "links", "sign", "--kind", kind, "--media-buy", "mb_leak", "--package", "pkg",
                 "--creative", "cr", "--base-url", base, "--param", f"hashed_email={ids['hashed_email']}",
                 "--param", f"uid.rampid={ids['uids'][0]['value']}"],
                capture_output=True, text=True, timeout=60, env=env, check=True)
            url = signed.stdout.strip().splitlines()[-1]
            env_sig = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["sig"][0]
            needles.append(env_sig)
            assert get_link(url) in (200, 204, 302), url
            assert get_link(url.replace("sig=", "sig=0")) == 403
        assert get_link(f"{base}/agentic/v1/click/nope/pkg/cr?hashed_email={sha()}&sig={sha()}") in (403, 404)
        # Reports, explanations, test events, metrics, a page that does not exist.
        for path in ("/agentic/v1/reports/delivery?media_buy_id=mb_leak", "/agentic/v1/event-sources/web",
                     "/agentic/v1/test-events?event_source_id=web",
                     "/agentic/v1/attributions?event_source_id=web&event_type=purchase&event_id=o1"):
            request(base, "GET", path, key=key)
        post("/agentic/v1/delivery", {"media_buy_ids": ["mb_leak"]})
        assert request(base, "GET", "/metrics") == 200
        assert request(base, "GET", f"/no/such/page?hashed_email={sha()}") == 404
    finally:
        stop(process)

    log = log_path.read_text()
    records = []
    for line in log.splitlines():
        record = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "label", "message"} <= record.keys(), line
        records.append(record)
    assert any(r["level"] == "trace" for r in records), "the server logged at trace level"
    routes = {r.get("metadata", {}).get("route") for r in records if r["message"] == "request"}
    assert "/agentic/v1/click/{media_buy_id}/{package_id}/{creative_id}" in routes, routes
    assert "/mcp" in routes and "/agentic/v1/exposures" in routes, routes
    leaks = find_leaks(log, needles + [b.strip() for b in bodies])
    assert not leaks, "the log leaks:\n" + "\n".join(leaks)
