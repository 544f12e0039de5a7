"""The OpenAPI document (`GET /openapi.json`) against real responses.

A dedicated server (with a signing secret and a small body limit) is driven
through every operation and most of its statuses; each answer must be a
status the document lists for that operation, with a documented content
type, documented required headers and a body its schema accepts. The AdCP
task bodies are also checked against the official AdCP schemas."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import REPO, capi_binary, free_port, run_cli, wait_healthy
from interop_support import LOG_EVENT, SYNC_EVENT_SOURCES, assert_valid, recent_time

DOCUMENT_FILE = REPO / "Sources" / "CAPIServer" / "OpenAPI" / "openapi.json"
DELIVERY = "media-buy/get-media-buy-delivery-response.json"
SECRET = "openapi-test-signing-secret-42"
ACCOUNT, OTHER = "OAS", "OAS_OTHER"
MAX_BODY = 65536


@dataclasses.dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclasses.dataclass
class Server:
    base: str
    account_key: str
    other_key: str
    platform_key: str


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    binary = capi_binary()
    work = tmp_path_factory.mktemp("openapi")
    db = ("--database", str(work / "capi.sqlite"))
    for account in (ACCOUNT, OTHER):
        run_cli(binary, "accounts", "create", account, *db)
    last = lambda out: out.strip().splitlines()[-1].strip()  # noqa: E731
    account_key = last(run_cli(binary, "keys", "create", "--account", ACCOUNT, *db))
    other_key = last(run_cli(binary, "keys", "create", "--account", OTHER, *db))
    platform_key = last(run_cli(binary, "keys", "create", "--platform", *db))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), "--max-body-bytes", str(MAX_BODY), *db],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "CAPI_SIGNING_SECRET": SECRET})
    try:
        wait_healthy(base, process, log)
        yield Server(base, account_key, other_key, platform_key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Contract:
    """Checks replies against the document and records what was covered."""

    def __init__(self, document: dict):
        self.document = document
        self.registry = Registry().with_resource("urn:capi:openapi", Resource.from_contents(document, DRAFT202012))
        self.covered: set[tuple[str, int]] = set()
        self.operations = {
            op["operationId"]: (method, path)
            for path, item in document["paths"].items() for method, op in item.items()
        }

    def check(self, operation_id: str, reply: Reply) -> Reply:
        method, path = self.operations[operation_id]
        responses = self.document["paths"][path][method]["responses"]
        assert str(reply.status) in responses, (
            f"{operation_id}: status {reply.status} is not in the document ({sorted(responses)}): {reply.body[:300]!r}")
        spec = responses[str(reply.status)]
        for name, header in spec.get("headers", {}).items():
            if header.get("required"):
                assert name.lower() in reply.headers, f"{operation_id} {reply.status}: no {name} header"
        content = spec.get("content")
        if content is None:
            assert not reply.body, f"{operation_id} {reply.status}: a body the document does not describe"
        else:
            media_type = reply.headers.get("content-type", "").split(";")[0].strip()
            assert media_type in content, f"{operation_id} {reply.status}: Content-Type {media_type!r} not in {sorted(content)}"
            if media_type == "application/json":
                pointer = "/".join(p.replace("~", "~0").replace("/", "~1")
                                   for p in ("paths", path, method, "responses", str(reply.status), "content", media_type, "schema"))
                validator = Draft202012Validator({"$ref": f"urn:capi:openapi#/{pointer}"}, registry=self.registry)
                errors = sorted(validator.iter_errors(reply.json), key=lambda e: list(e.absolute_path))
                assert not errors, f"{operation_id} {reply.status}: the document's schema rejects the body:\n" + "\n".join(
                    f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors)
        self.covered.add((operation_id, reply.status))
        return reply


def call(server: Server, method: str, path: str, *, key: str | None = None, body=None, raw: bytes | None = None,
         content_type: str = "application/json", header: str = "bearer", query: dict | None = None) -> Reply:
    url = server.base + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": content_type} if data is not None else {}
    if key:
        headers.update({"Authorization": f"Bearer {key}"} if header == "bearer" else {"x-adcp-auth": key})
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def enveloped(body: dict) -> dict:
    """A REST body as the AdCP schemas see it: they compose the transport
    envelope (`status` required), which REST leaves out and MCP adds."""
    return {**body, "status": "completed"}


def signed(path: str, params: dict[str, str]) -> dict[str, str]:
    enc = lambda s: urllib.parse.quote(s, safe="-._~")  # noqa: E731
    canonical = path + "?" + "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    return {**params, "sig": hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()}


def test_served_document_is_the_committed_file(server):
    reply = call(server, "GET", "/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json == json.loads(DOCUMENT_FILE.read_text())


def test_committed_file_is_what_the_generator_makes():
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "generate-openapi.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_document_is_well_formed():
    document = json.loads(DOCUMENT_FILE.read_text())
    assert document["openapi"].startswith("3.1.")
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    text = json.dumps(document)
    for name in set(part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]):
        assert name in document["components"]["schemas"], f"dangling $ref {name}"
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert op.get("operationId") and op.get("summary"), where
            for status, response in op["responses"].items():
                assert response.get("description"), f"{where} {status}"
            keyed = op.get("security", document["security"]) != []
            if keyed:
                for status in ("401", "503"):
                    assert status in op["responses"], f"{where} lacks {status}"
                assert {"account", "platform"} & set(op["tags"]), f"{where}: no key role tag"
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path, where


def test_real_responses_conform_to_the_document(server):
    contract = Contract(call(server, "GET", "/openapi.json").json)
    c = contract.check
    A, B, P = server.account_key, server.other_key, server.platform_key
    now = recent_time(600)

    c("healthz", call(server, "GET", "/healthz"))
    c("readyz", call(server, "GET", "/readyz"))
    c("openapi", call(server, "GET", "/openapi.json"))
    assert c("metrics", call(server, "GET", "/metrics")).status == 200

    # event sources
    sources = {"event_sources": [{"event_source_id": "web", "event_types": ["purchase", "refund", "lead"],
                                  "value_currencies": ["USD"], "allowed_domains": ["example.com"]},
                                 {"event_source_id": "bad", "event_types": ["not_a_type"]}]}
    sources["event_sources"].append({"event_source_id": "Café web"})
    reply = c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A, body=sources))
    assert reply.status == 200 and [s["action"] for s in reply.json["event_sources"]] == ["created", "failed", "created"]
    assert_valid(SYNC_EVENT_SOURCES, enveloped(reply.json))
    c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A, body={}))
    assert c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A,
                                      body={"account": {"account_id": OTHER}})).status == 403
    assert c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A,
                                      body={"account": {"brand": {"domain": "acme.com"}, "operator": "acme.com"}})).status == 404
    assert c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A, raw=b"{")).status == 400
    sync_key = f"oas-{uuid.uuid4()}"
    c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A, body={"idempotency_key": sync_key}))
    assert c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A,
                                      body={"idempotency_key": sync_key, "delete_missing": False})).status == 409
    assert c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A, body={},
                                      content_type="text/plain")).status == 415
    assert c("syncEventSources", call(server, "POST", "/agentic/v1/event-sources/sync", key=A,
                                      raw=b" " * (MAX_BODY + 1))).status == 413
    assert c("getEventSource", call(server, "GET", "/agentic/v1/event-sources/web", key=A)).status == 200
    assert c("getEventSource", call(server, "GET", "/agentic/v1/event-sources/nope", key=A)).status == 404
    reply = c("getEventSource", call(server, "GET", "/agentic/v1/event-sources/" + urllib.parse.quote("Café web"), key=A))
    assert reply.status == 200 and reply.json["event_source"]["event_source_id"] == "Café web"
    assert c("getEventSource", call(server, "GET", "/agentic/v1/event-sources/web", key=P)).status == 403
    assert c("getEventSource", call(server, "GET", "/agentic/v1/event-sources/a%01b", key=A)).status == 400
    assert c("getEventSource", call(server, "GET", "/agentic/v1/event-sources/a%ZZ", key=A)).status == 400

    # media buys (platform key)
    buy = {"account_id": ACCOUNT, "name": "Launch", "currency": "USD", "start_time": recent_time(86400),
           "packages": [{"package_id": "pkg_1", "pricing_model": "cpm", "rate": 4.0,
                         "creatives": [{"creative_id": "cr_1", "landing_url": "https://example.com/launch?x=1#top"}]}]}
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_oas", key=P, body=buy)).status == 201
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_oas", key=P, body=buy)).status == 200
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_oas", key=A, body=buy)).status == 403
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_oas", key=P,
                                 body={**buy, "account_id": OTHER})).status == 409
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_x", key=P,
                                 body={**buy, "account_id": "NOBODY"})).status == 404
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_x", key=P,
                                 body={**buy, "currency": "usd", "packages": []})).status == 400
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_x", key=P, raw=b"{}",
                                 content_type="application/xml")).status == 415
    assert c("putMediaBuy", call(server, "PUT", "/agentic/v1/media-buys/mb_x", key=P,
                                 raw=b" " * (MAX_BODY + 1))).status == 413
    assert c("getMediaBuy", call(server, "GET", "/agentic/v1/media-buys/mb_oas", key=P)).status == 200
    assert c("getMediaBuy", call(server, "GET", "/agentic/v1/media-buys/mb_oas", key=A, header="adcp")).status == 200
    assert c("getMediaBuy", call(server, "GET", "/agentic/v1/media-buys/mb_oas", key=B)).status == 404
    assert c("getMediaBuy", call(server, "GET", "/agentic/v1/media-buys/mb%20oas", key=P)).status == 400
    assert c("listMediaBuys", call(server, "GET", "/agentic/v1/media-buys", key=P, query={"account_id": ACCOUNT})).status == 200
    assert c("listMediaBuys", call(server, "GET", "/agentic/v1/media-buys", key=A)).status == 200
    assert c("listMediaBuys", call(server, "GET", "/agentic/v1/media-buys", key=P)).status == 400
    assert c("listMediaBuys", call(server, "GET", "/agentic/v1/media-buys", key=B, query={"account_id": ACCOUNT})).status == 200

    # links
    click_path = "/agentic/v1/click/mb_oas/pkg_1/cr_1"
    reply = c("click", call(server, "GET", click_path, query=signed(click_path, {"uid.id5": "ID5-oas", "cost": "0.5"})))
    assert reply.status == 302 and "sc3clid=" in reply.headers["location"]
    sc3clid = urllib.parse.parse_qs(urllib.parse.urlsplit(reply.headers["location"]).query)["sc3clid"][0]
    tampered = {**signed(click_path, {"cost": "0.5"}), "cost": "9"}
    assert c("click", call(server, "GET", click_path, query=tampered)).status == 403
    missing = "/agentic/v1/click/mb_oas/pkg_1/cr_9"
    assert c("click", call(server, "GET", missing, query=signed(missing, {}))).status == 404
    pixel = "/agentic/v1/impression/mb_oas/pkg_1/cr_1"
    reply = c("impression", call(server, "GET", pixel, query=signed(pixel, {"imp": "imp_oas_1", "cost": "0.004"})))
    assert reply.status == 200 and reply.body.startswith(b"GIF89a")
    assert c("impression", call(server, "GET", pixel, query={"imp": "x"})).status == 403

    # exposures (platform key)
    rows = [{"exposure_id": "imp-oas-1", "type": "impression", "media_buy_id": "mb_oas", "package_id": "pkg_1",
             "creative_id": "cr_1", "time": recent_time(3000), "cost": 0.01, "uids": [{"type": "rampid", "value": "R-1"}]},
            {"exposure_id": "imp-oas-2", "type": "impression", "media_buy_id": "mb_oas", "package_id": "pkg_9",
             "creative_id": "cr_1", "time": recent_time(3000)}]
    reply = c("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=P, body=rows))
    assert reply.status == 200 and reply.json["failures_total"] == 1
    ndjson = "\n".join(json.dumps({**rows[0], "exposure_id": f"imp-oas-n{i}"}) for i in range(3)).encode()
    assert c("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=P, raw=ndjson,
                                     content_type="application/x-ndjson")).status == 200
    assert c("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=P, body=[rows[1]])).status == 400
    assert c("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=P, body={"not": "an array"})).status == 400
    assert c("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=A, body=rows)).status == 403
    assert c("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=P, raw=b"[]",
                                     content_type="text/csv")).status == 415

    # log_event
    def event(i, **extra):
        return {"event_id": f"o-{i}", "event_type": "purchase", "event_time": now, "action_source": "website",
                "event_source_url": "https://example.com/checkout", "custom_data": {"value": 10.0, "currency": "USD"},
                **extra}
    batch = {"event_source_id": "web", "events": [
        event(1, user_match={"click_id": sc3clid, "click_id_type": "sc3clid"}),
        event(2, user_match={"uids": [{"type": "rampid", "value": "R-1"}]}),
        event(3, user_match={"hashed_email": "alice@example.com"}),
        event(4, user_match={"click_id": "g-1", "click_id_type": "gclid"})]}
    reply = c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body=batch))
    assert reply.status == 200 and reply.json["events_processed"] == 3
    assert_valid(LOG_EVENT, enveloped(reply.json))
    idem = {**batch, "idempotency_key": f"oas-{uuid.uuid4()}"}
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body=idem, header="adcp")).status == 200
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body={**idem, "events": idem["events"][:1]})).status == 409
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A,
                              body={**batch, "test_event_code": "TEST1"})).status == 200
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A,
                              body={"event_source_id": "web", "events": [{"event_id": "x"}]})).status == 400
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, raw=b'{"event_source_id": "web", "events": [')).status == 400
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body={"events": []})).status == 400
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body={**batch, "event_source_id": "nope"})).status == 403
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=P, body=batch)).status == 403
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body={**batch, "account": {"account_id": OTHER}})).status == 403
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body={**batch, "account": {"account_id": {}}})).status == 404
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", body=batch)).status == 401
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key="scope3_" + "x" * 32, body=batch)).status == 401
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body=batch, content_type="text/plain")).status == 415
    big = {"event_source_id": "web", "events": [event(i) for i in range(400)]}
    assert c("logEvent", call(server, "POST", "/agentic/v1/capi", key=A, body=big)).status == 413

    # test events, attributions
    assert c("listTestEvents", call(server, "GET", "/agentic/v1/test-events", key=A,
                                    query={"event_source_id": "web", "limit": 5})).status == 200
    assert c("listTestEvents", call(server, "GET", "/agentic/v1/test-events", key=A)).status == 400
    assert c("listTestEvents", call(server, "GET", "/agentic/v1/test-events", key=A, query={"event_source_id": "nope"})).status == 403
    explain = {"event_source_id": "web", "event_type": "purchase", "event_id": "o-1"}
    assert c("explainAttribution", call(server, "GET", "/agentic/v1/attributions", key=A, query=explain)).status == 200
    assert c("explainAttribution", call(server, "GET", "/agentic/v1/attributions", key=A,
                                        query={**explain, "event_id": "o-404"})).status == 404
    assert c("explainAttribution", call(server, "GET", "/agentic/v1/attributions", key=A,
                                        query={"event_source_id": "web"})).status == 400
    assert c("explainAttribution", call(server, "GET", "/agentic/v1/attributions", key=P, query=explain)).status == 403

    # reports
    report = {"media_buy_id": "mb_oas", "group_by": "day,creative,event_type"}
    assert c("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=A, query=report)).status == 200
    reply = c("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=A, query={**report, "format": "csv"}))
    assert reply.status == 200 and reply.body.startswith(b"media_buy_id,")
    assert c("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=A, query={"group_by": "day"})).status == 400
    assert c("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=A,
                                    query={**report, "group_by": "week"})).status == 400
    assert c("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=B, query=report)).status == 404
    assert c("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=P, query=report)).status == 403
    body = {"media_buy_ids": ["mb_oas", "mb_nope"], "include_package_daily_breakdown": True, "context": {"trace": "t1"}}
    reply = c("getMediaBuyDelivery", call(server, "POST", "/agentic/v1/delivery", key=A, body=body))
    assert reply.status == 200 and reply.json["errors"][0]["code"] == "MEDIA_BUY_NOT_FOUND"
    assert_valid(DELIVERY, enveloped(reply.json))
    assert c("getMediaBuyDelivery", call(server, "POST", "/agentic/v1/delivery", key=A,
                                         body={"start_date": "2026-13-01"})).status == 400
    assert c("getMediaBuyDelivery", call(server, "POST", "/agentic/v1/delivery", key=A,
                                         body={"account": {"account_id": OTHER}})).status == 403
    assert c("getMediaBuyDelivery", call(server, "POST", "/agentic/v1/delivery", key=A, raw=b"{}",
                                         content_type="text/plain")).status == 415

    # Every documented operation was exercised, and with its success status.
    exercised = {op for op, _ in contract.covered}
    assert exercised == set(contract.operations), f"not exercised: {set(contract.operations) - exercised}"
    for op in contract.operations:
        assert any(status < 400 for o, status in contract.covered if o == op), f"{op}: no success exercised"


def test_huge_costs_keep_reports_readable(server):
    """Two rows of cost 1e308 once made spend infinite and every later report
    body `null` (JSONEncoder refuses inf): amounts are bounded now."""
    contract = Contract(call(server, "GET", "/openapi.json").json)
    P, A = server.platform_key, server.account_key
    buy = {"account_id": ACCOUNT, "currency": "USD", "packages": [
        {"package_id": "p", "creatives": [{"creative_id": "c", "landing_url": "https://example.com/"}]}]}
    assert call(server, "PUT", "/agentic/v1/media-buys/mb_huge", key=P, body=buy).status in (200, 201)
    rows = [{"exposure_id": f"huge-{i}", "type": "impression", "media_buy_id": "mb_huge", "package_id": "p",
             "creative_id": "c", "time": recent_time(60), "cost": 1e308} for i in range(2)]
    reply = contract.check("ingestExposures", call(server, "POST", "/agentic/v1/exposures", key=P, body=rows))
    assert reply.status == 400
    reply = contract.check("deliveryReport", call(server, "GET", "/agentic/v1/reports/delivery", key=A,
                                                  query={"media_buy_id": "mb_huge"}))
    assert reply.status == 200
    reply = contract.check("getMediaBuyDelivery", call(server, "POST", "/agentic/v1/delivery", key=A,
                                                       body={"media_buy_ids": ["mb_huge"]}))
    assert reply.status == 200
