#!/usr/bin/env python3
"""Generate Sources/CAPIServer/OpenAPI/openapi.json, capi's OpenAPI 3.1 document.

The document describes the REST API as capi serves it: every operation, its
parameters, bodies, statuses and their bodies, with AdCP's wire names. The
AdCP enums (event types, action sources, uid types, pricing models, health
status) are read from the schemas that ship with the official AdCP Python
client (`adcp` on PyPI), so they cannot drift from the protocol.

Usage (from the repository root; scripts/interop-tests.sh makes .venv):
    .venv/bin/python scripts/generate-openapi.py           # write the file
    .venv/bin/python scripts/generate-openapi.py --check   # fail if it is stale

Commit the JSON file: the build compiles it into the binary (the EmbedResources
plugin) and `GET /openapi.json` serves it. The interop suite runs --check.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

ADCP_RELEASE = "3.2"
OUTPUT = pathlib.Path(__file__).resolve().parents[1] / "Sources/CAPIServer/OpenAPI/openapi.json"
JSON = "application/json"


def schema_dir() -> pathlib.Path:
    try:
        import adcp  # type: ignore
    except ImportError:
        sys.exit("the `adcp` package is not installed (run scripts/interop-tests.sh once to make .venv)")
    return pathlib.Path(adcp.__file__).parent / "_schemas" / ADCP_RELEASE


ROOT = schema_dir()


def adcp_enum(name: str) -> list[str]:
    return json.loads((ROOT / "enums" / f"{name}.json").read_text())["enum"]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, *, description: str | None = None,
        additional: bool | dict = True) -> dict:
    out: dict = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = properties
    if required:
        out["required"] = required
    out["additionalProperties"] = additional
    return out


def array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


STRING = {"type": "string"}
INT0 = {"type": "integer", "minimum": 0}
NUM0 = {"type": "number", "minimum": 0}
TIME = {"type": "string", "format": "date-time"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
IDENTIFIER = {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}
IDEMPOTENCY_KEY = {"type": "string", "minLength": 16, "maxLength": 255, "pattern": "^[A-Za-z0-9_.:-]{16,255}$",
                   "description": "Replays: the same key and body return the first answer; another body is a 409."}
SHA256 = {"type": "string", "pattern": "^[a-f0-9]{64}$"}
# The id rule: no control character, no line or paragraph separator.
NO_CONTROL = "[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]"


def name_id(max_length: int = 256) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": f"^{NO_CONTROL}+$"}


MONEY = {"type": "number", "minimum": 0, "maximum": 1_000_000_000_000,
         "description": "A money amount, in its currency's units (at most 10^12)."}
COUNT_MAX = 1_000_000_000

# ---------------------------------------------------------------- schemas

SCHEMAS: dict[str, dict] = {
    "Error": obj({
        "code": {"type": "string", "minLength": 1, "maxLength": 64,
                 "description": "AdCP error code (INVALID_REQUEST, VALIDATION_ERROR, AUTH_REQUIRED, ...)."},
        "message": STRING,
        "field": {"type": "string", "description": "The request field at fault, as a path (`events[2].custom_data.currency`)."},
        "suggestion": STRING,
        "recovery": {"type": "string", "enum": ["transient", "correctable", "terminal"]},
        "retry_after": {"type": "number", "minimum": 1, "maximum": 3600, "description": "Seconds to wait (transient errors)."},
        "details": {"type": "object"},
    }, ["code", "message"], description="AdCP error (core/error.json)."),
    "ErrorResponse": obj({
        "errors": array(ref("Error"), minItems=1),
        "ext": obj({"errors_total": {**INT0, "description": "How many errors there were when `errors` was capped."}}),
    }, ["errors"], description="An operation-level failure: AdCP's `{\"errors\": [...]}`."),
    "Status": obj({"status": STRING, "reason": STRING}, ["status"]),
    "EventType": {"type": "string", "enum": adcp_enum("event-type"), "description": "AdCP enums/event-type.json."},
    "ActionSource": {"type": "string", "enum": adcp_enum("action-source"), "description": "AdCP enums/action-source.json."},
    "UIDType": {"type": "string", "enum": adcp_enum("uid-type"), "description": "AdCP enums/uid-type.json."},
    "EventSurface": {"type": "object", "description": "AdCP core/event-surface.json (kept as sent)."},
    "UserMatch": obj({
        "uids": array(obj({"type": ref("UIDType"), "value": name_id(1024)}, ["type", "value"]), minItems=1),
        "hashed_email": {**SHA256, "description": "SHA-256 hex of the trimmed, lowercased address. Never a plain address."},
        "hashed_phone": {**SHA256, "description": "SHA-256 hex of the E.164 number."},
        "click_id": name_id(1024),
        "click_id_type": {"type": "string", "description": "`sc3clid` for clicks from this server's links; others are stored but cannot match."},
        "client_ip": STRING,
        "client_user_agent": STRING,
        "ext": {"type": "object"},
    }, description="AdCP core/user-match.json: at least one identifier (uids, hashed_email, hashed_phone, click_id, or client_ip with client_user_agent)."),
    "CustomData": obj({
        "value": MONEY, "currency": CURRENCY, "order_id": {"type": "string", "maxLength": 256, "pattern": f"^{NO_CONTROL}*$"},
        "content_ids": array(STRING), "content_type": STRING, "content_name": STRING, "content_category": STRING,
        "num_items": {"type": "integer", "minimum": 0, "maximum": COUNT_MAX}, "search_string": STRING,
        "progress_percent": {"type": "number", "minimum": 0, "maximum": 100},
        "progress_seconds": {"type": "number", "minimum": 0, "maximum": COUNT_MAX},
        "contents": array(obj({"id": STRING, "quantity": {"type": "integer", "minimum": 1, "maximum": COUNT_MAX},
                               "price": MONEY, "brand": STRING}, ["id"])),
        "ext": {"type": "object"},
    }, description="AdCP core/event-custom-data.json."),
    "Event": obj({
        "event_id": name_id(),
        "event_type": ref("EventType"),
        "event_time": {**TIME, "description": "RFC 3339 with an offset; at most 90 days old and 5 minutes ahead (settings)."},
        "user_match": ref("UserMatch"),
        "custom_data": ref("CustomData"),
        "action_source": ref("ActionSource"),
        "surface": ref("EventSurface"),
        "event_source_url": {"type": "string", "format": "uri", "description": "Absolute http(s) URL; required for action_source website."},
        "custom_event_name": {"type": "string", "description": "Required for event_type custom."},
        "ext": {"type": "object"},
    }, ["event_id", "event_type", "event_time"], description="AdCP core/event.json. Unknown fields are kept as sent."),
    "LogEventRequest": obj({
        "event_source_id": name_id(),
        "events": array(ref("Event"), minItems=1, maxItems=10000),
        "test_event_code": {**name_id(),
                            "description": "Stores the batch apart as test events: never attributed or reported."},
        "idempotency_key": IDEMPOTENCY_KEY,
        "account": ref("AccountRef"),
        "context": {"type": "object"},
        "ext": {"type": "object"},
    }, ["event_source_id", "events"], description="AdCP log_event request (media-buy/log-event-request.json); "
                                                   "`idempotency_key` is optional on this door."),
    "LogEventSuccess": obj({
        "events_received": INT0,
        "events_processed": INT0,
        "partial_failures": array(obj({"event_id": STRING, "code": STRING, "message": STRING, "field": STRING},
                                      ["event_id", "code", "message"])),
        "warnings": array(STRING),
        "match_quality": {"type": "number", "minimum": 0, "maximum": 1},
        "ext": obj({
            "duplicates": {**INT0, "description": "Events of this batch that were already stored, or repeated in it."},
            "test_event_code": STRING,
            "partial_failures_total": INT0,
        }, ["duplicates"]),
    }, ["events_received", "events_processed"], description="AdCP LogEventSuccess (media-buy/log-event-response.json)."),
    "AccountRef": obj({"account_id": STRING}, description="AdCP core/account-ref.json; only `account_id` resolves here."),
    "Duration": obj({"interval": {"type": "integer", "minimum": 1},
                     "unit": {"type": "string", "enum": ["seconds", "minutes", "hours", "days"]}},
                    ["interval", "unit"], additional=False, description="AdCP core/duration.json (fixed units)."),
    "AttributionWindow": obj({"post_click": ref("Duration"), "post_view": ref("Duration")}),
    "EventSourceInput": obj({
        "event_source_id": name_id(),
        "name": STRING,
        "event_types": array(ref("EventType"), minItems=1),
        "value_currencies": array(CURRENCY, minItems=1, uniqueItems=True),
        "action_source": ref("ActionSource"),
        "allowed_domains": array(STRING, minItems=1),
        "surface": ref("EventSurface"),
        "ext": obj({"attribution_window": ref("AttributionWindow")}),
    }, ["event_source_id"]),
    "SyncEventSourcesRequest": obj({
        "idempotency_key": IDEMPOTENCY_KEY,
        "account": ref("AccountRef"),
        "event_sources": array(ref("EventSourceInput"), minItems=1),
        "delete_missing": {"type": "boolean", "default": False},
        "context": {"type": "object"},
        "ext": {"type": "object"},
    }, description="AdCP sync_event_sources request. Without `event_sources` the call lists the account's sources; "
                   "`account` may be omitted (the key's account)."),
    "Health": obj({
        "status": {"type": "string", "enum": adcp_enum("assessment-status")},
        "match_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "last_event_at": TIME,
        "evaluated_at": TIME,
        "events_received_24h": INT0,
        "issues": array(obj({"severity": {"type": "string", "enum": ["error", "warning", "info"]},
                             "code": STRING, "message": STRING}, ["severity", "message"])),
    }, ["status"], description="AdCP core/event-source-health.json."),
    "EventSource": obj({
        "event_source_id": STRING,
        "name": STRING,
        "event_types": array(ref("EventType")),
        "value_currencies": array(CURRENCY),
        "action_source": ref("ActionSource"),
        "allowed_domains": array(STRING),
        "surface": ref("EventSurface"),
        "managed_by": {"type": "string", "enum": ["buyer", "seller"]},
        "setup": obj({"snippet_type": {"type": "string", "enum": ["javascript", "html", "pixel_url", "server_only"]},
                      "instructions": STRING}),
        "action": {"type": "string", "enum": ["created", "updated", "unchanged", "deleted", "failed"]},
        "health": ref("Health"),
        "errors": array(ref("Error")),
        "ext": {"type": "object"},
    }, ["event_source_id"]),
    "SyncEventSourcesResponse": obj({
        "event_sources": array({"allOf": [ref("EventSource"), {"required": ["action"]}]}),
        "context": {"type": "object"},
    }, ["event_sources"], description="AdCP sync_event_sources success (media-buy/sync-event-sources-response.json)."),
    "Counters": obj({k: INT0 for k in ("received", "accepted", "failed", "duplicates", "test_events", "attributed")},
                    ["received", "accepted", "failed", "duplicates", "test_events", "attributed"]),
    "EventSourceDetail": obj({
        "event_source": ref("EventSource"),
        "counters": obj({"last_24h": ref("Counters"), "last_7d": ref("Counters")}, ["last_24h", "last_7d"]),
    }, ["event_source", "counters"]),
    "TestEvents": obj({
        "event_source_id": STRING,
        "test_events": array(obj({
            "event_id": STRING, "event_type": STRING, "test_event_code": STRING, "received_at": TIME,
            "outcome": {"type": "string", "enum": ["accepted", "duplicate", "failed"]},
            "error": ref("Error"),
            "event": {"description": "The event as sent."},
        }, ["event_id", "test_event_code", "received_at", "outcome", "event"])),
    }, ["event_source_id", "test_events"]),
    "ExposureSummary": obj({
        "exposure_id": STRING, "type": {"type": "string", "enum": ["impression", "click"]}, "time": TIME,
        "media_buy_id": STRING, "package_id": STRING, "creative_id": STRING,
    }, ["exposure_id", "type", "time", "media_buy_id", "package_id", "creative_id"]),
    "AttributionExplanation": obj({
        "event_source_id": STRING, "event_type": STRING, "event_id": STRING, "event_time": TIME,
        "status": {"type": "string", "enum": ["pending", "attributed", "unattributed", "duplicate"]},
        "window": ref("AttributionWindow"),
        "duplicate_of": obj({"event_source_id": STRING}, ["event_source_id"]),
        "attribution": obj({
            "model": {"type": "string", "enum": ["click_through", "view_through"]},
            "matched_by": {"type": "string", "description": "sc3clid, uid:<type>, hashed_email, hashed_phone or ip_ua."},
            "lag_seconds": NUM0, "window_seconds": NUM0, "exposure_id": STRING,
            "exposure": ref("ExposureSummary"),
        }, ["model", "matched_by", "lag_seconds", "window_seconds", "exposure_id"]),
    }, ["event_source_id", "event_type", "event_id", "event_time", "status"]),
    "Creative": obj({"creative_id": IDENTIFIER, "name": STRING,
                     "landing_url": {"type": "string", "format": "uri", "description": "Absolute http(s) URL: the only place a click redirects to."}},
                    ["creative_id", "landing_url"]),
    "Package": obj({
        "package_id": IDENTIFIER, "name": STRING,
        "pricing_model": {"type": "string", "enum": adcp_enum("pricing-model"), "description": "AdCP enums/pricing-model.json; cpm when absent."},
        "rate": MONEY,
        "creatives": array(ref("Creative")),
    }, ["package_id", "creatives"]),
    "MediaBuyInput": obj({
        "account_id": {"type": "string", "minLength": 1},
        "name": STRING, "currency": CURRENCY, "start_time": TIME, "end_time": TIME,
        "packages": array(ref("Package"), minItems=1),
    }, ["account_id", "currency", "packages"], description="A media buy; its id is in the path."),
    "MediaBuy": obj({
        "media_buy_id": IDENTIFIER, "account_id": STRING, "name": STRING, "currency": CURRENCY,
        "start_time": STRING, "end_time": STRING, "packages": array(ref("Package")),
    }, ["media_buy_id", "account_id", "currency", "packages"]),
    "MediaBuyList": obj({"media_buys": array(ref("MediaBuy"))}, ["media_buys"]),
    "Exposure": obj({
        "exposure_id": name_id(),
        "type": {"type": "string", "enum": ["impression", "click"]},
        "media_buy_id": IDENTIFIER, "package_id": IDENTIFIER, "creative_id": IDENTIFIER,
        "time": {**TIME, "description": "RFC 3339 with an offset; not in the future."},
        "cost": {**MONEY, "description": "In the media buy's currency (at most 10^12)."},
        "uids": array(obj({"type": ref("UIDType"), "value": name_id(1024)}, ["type", "value"])),
        "hashed_email": SHA256, "hashed_phone": SHA256,
        "client_ip": STRING, "client_user_agent": STRING,
        "click_id": {**name_id(1024), "description": "Clicks only: the sc3clid the ad server minted."},
    }, ["exposure_id", "type", "media_buy_id", "package_id", "creative_id", "time"]),
    "ExposuresResult": obj({
        "exposures_received": INT0, "exposures_processed": INT0, "duplicates": INT0,
        "failures": array(obj({"index": INT0, "exposure_id": STRING, "code": STRING, "message": STRING, "field": STRING},
                              ["index", "code", "message"])),
        "failures_total": INT0,
    }, ["exposures_received", "exposures_processed", "duplicates"]),
    "CountValue": obj({"count": INT0, "value": {"type": "number"}}, ["count", "value"]),
    "Metrics": obj({
        "impressions": INT0, "clicks": INT0, "spend": NUM0, "conversions": INT0,
        "conversion_value": {"type": "number"}, "roas": {"type": "number"}, "cost_per_acquisition": NUM0,
        "ctr": NUM0,
        "by_event_type": array({"allOf": [ref("CountValue"), obj({"event_type": STRING}, ["event_type"])]}),
        "by_action_source": array({"allOf": [ref("CountValue"), obj({"action_source": STRING}, ["action_source"])]}),
        "ext": obj({"refunds": INT0, "refund_value": {"type": "number"}}),
    }, description="AdCP core/delivery-metrics.json fields capi fills; refunds in `ext`."),
    "DeliveryRequest": obj({
        "account": ref("AccountRef"),
        "media_buy_ids": array(STRING, minItems=1),
        "start_date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
        "end_date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$", "description": "Exclusive."},
        "include_package_daily_breakdown": {"type": "boolean", "default": False},
        "context": {"type": "object"},
    }, description="AdCP get_media_buy_delivery request (the fields capi reads)."),
    "PackageDelivery": {"allOf": [ref("Metrics"), obj({
        "package_id": STRING, "currency": CURRENCY,
        "pricing_model": {"type": "string", "enum": adcp_enum("pricing-model")}, "rate": NUM0,
        "by_creative": array({"allOf": [ref("Metrics"), obj({"creative_id": STRING}, ["creative_id"])]}),
        "daily_breakdown": array(obj({"date": {"type": "string", "format": "date"}, "impressions": INT0, "spend": NUM0,
                                      "conversions": INT0, "conversion_value": {"type": "number"}, "roas": {"type": "number"}},
                                     ["date", "impressions", "spend"])),
    }, ["package_id", "by_creative"])]},
    "DeliveryResponse": obj({
        "reporting_period": obj({"start": TIME, "end": TIME}, ["start", "end"]),
        "currency": CURRENCY,
        "aggregated_totals": {"allOf": [ref("Metrics"), obj({"media_buy_count": INT0})]},
        "media_buy_deliveries": array(obj({
            "media_buy_id": STRING,
            "status": {"type": "string", "enum": ["pending_start", "active", "completed"]},
            "totals": ref("Metrics"),
            "by_package": array(ref("PackageDelivery")),
        }, ["media_buy_id", "status", "totals", "by_package"])),
        "errors": array(ref("Error"), description="Media buys that were asked for and not found (MEDIA_BUY_NOT_FOUND)."),
        "context": {"type": "object"},
    }, ["reporting_period", "currency", "media_buy_deliveries"],
        description="AdCP get_media_buy_delivery success (media-buy/get-media-buy-delivery-response.json)."),
    "DeliveryRow": {"allOf": [ref("Metrics"), obj({
        "date": {"type": "string", "format": "date"}, "package_id": STRING, "creative_id": STRING, "event_type": STRING,
        "refunds": INT0,
    }, ["refunds"])]},
    "DeliveryRows": obj({
        "group_by": array({"type": "string", "enum": ["day", "package", "creative", "event_type"]}),
        "from": {"type": ["string", "null"], "format": "date-time"},
        "to": {"type": ["string", "null"], "format": "date-time"},
        "reports": array(obj({
            "media_buy_id": STRING, "currency": CURRENCY, "totals": ref("Metrics"), "rows": array(ref("DeliveryRow")),
        }, ["media_buy_id", "currency", "totals", "rows"])),
    }, ["group_by", "from", "to", "reports"]),
}

# ------------------------------------------------------------- responses

ERROR_TEXT = {
    400: "The request is malformed or invalid; `errors[].field` names what to fix.",
    401: "No key (`AUTH_REQUIRED`), or an unknown or revoked key (`AUTH_INVALID`).",
    403: "The key may not do this (`PERMISSION_DENIED`), or the reference is not on its account.",
    404: "Not found on this account.",
    409: "`IDEMPOTENCY_CONFLICT` or `CONFLICT`.",
    413: "The body is larger than the limit (refused from Content-Length before reading).",
    415: "The body's Content-Type is not one this operation takes.",
    429: "`RATE_LIMITED`: the key sent too much; retry after `Retry-After` seconds.",
    503: "`SERVICE_UNAVAILABLE`: the database did not answer; nothing was stored. Retry.",
}


def error(status: int, text: str | None = None) -> dict:
    response: dict = {"description": text or ERROR_TEXT[status], "content": {JSON: {"schema": ref("ErrorResponse")}}}
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": STRING, "required": True}}
    if status == 429:
        response["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "required": True,
                                               "description": "Seconds, as `errors[0].retry_after`."}}
    return response


def ok(schema_name: str, text: str, status_example: dict | None = None) -> dict:
    content: dict = {"schema": ref(schema_name)}
    if status_example is not None:
        content["example"] = status_example
    return {"description": text, "content": {JSON: content}}


KEYED = (401, 429, 503)


def responses(success: dict, *errors: int, overrides: dict | None = None) -> dict:
    out = dict(success)
    for status in sorted(set(errors) | set(KEYED)):
        out[str(status)] = (overrides or {}).get(status) or error(status)
    return out


def json_body(schema_name: str, text: str, example: dict | list | None = None) -> dict:
    content: dict = {"schema": ref(schema_name)}
    if example is not None:
        content["example"] = example
    return {"required": True, "description": text, "content": {JSON: content}}


def query(name: str, schema: dict, text: str, *, required: bool = False, example=None) -> dict:
    p = {"name": name, "in": "query", "required": required, "description": text, "schema": schema}
    if example is not None:
        p["example"] = example
    return p


def path(name: str, text: str, example: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "description": text,
            "schema": schema or {"type": "string", "minLength": 1}, "example": example}


ACCOUNT = [{"bearerAuth": []}, {"adcpAuth": []}]
EXAMPLE_TIME = "2026-11-27T12:00:00Z"
LOG_EVENT_EXAMPLE = {
    "event_source_id": "web",
    "events": [{"event_id": "order_1001", "event_type": "purchase", "event_time": EXAMPLE_TIME,
                "action_source": "website", "event_source_url": "https://example.com/checkout",
                "user_match": {"click_id": "demo_click_1", "click_id_type": "sc3clid"},
                "custom_data": {"value": 49.99, "currency": "USD"}}],
}
MEDIA_BUY_EXAMPLE = {
    "account_id": "acme", "name": "Black Friday", "currency": "USD",
    "start_time": "2026-11-20T00:00:00Z", "end_time": "2026-12-01T00:00:00Z",
    "packages": [{"package_id": "pkg_1", "creatives": [
        {"creative_id": "cr_1", "landing_url": "https://example.com/bf?utm_source=scope3#deals"}]}],
}
LINK_PATH = [
    path("media_buy_id", "The media buy.", "mb_bf26", IDENTIFIER),
    path("package_id", "A package of the buy.", "pkg_1", IDENTIFIER),
    path("creative_id", "A creative of the package.", "cr_1", IDENTIFIER),
]
LINK_QUERY = [
    query("sig", {"type": "string", "pattern": "^[0-9a-f]{64}$"},
          "Hex HMAC-SHA256, under the server's signing secret, of the path, `?`, and every other parameter "
          "sorted by name, percent-encoded, joined by `&` (see the README).", required=True),
    query("cost", {"type": "string"}, "Signed: the cost in the buy's currency."),
    query("hashed_email", STRING, "Signed: SHA-256 hex, identity known at serve time (a malformed one is dropped, "
                                  "never a reason to break the click)."),
    query("hashed_phone", STRING, "Signed: SHA-256 hex (as hashed_email)."),
]
LINK_ERRORS = {
    "403": error(403, "`PERMISSION_DENIED`: the signature is missing or does not match. Never redirects."),
    "404": error(404, "`REFERENCE_NOT_FOUND`: the creative is not registered in that package of that buy."),
    "503": error(503, "The server has no signing secret (links are off), or the database did not answer."),
}

PATHS: dict[str, dict] = {
    "/healthz": {"get": {
        "operationId": "healthz", "tags": ["operations"], "summary": "Liveness: 200 while the process is up.",
        "security": [],
        "responses": {"200": ok("Status", "Up.", {"status": "ok"})},
    }},
    "/readyz": {"get": {
        "operationId": "readyz", "tags": ["operations"], "summary": "Readiness: 200 when the database answers.",
        "security": [],
        "responses": {"200": ok("Status", "Ready.", {"status": "ready"}),
                      "503": ok("Status", "The database did not answer.", {"status": "unavailable", "reason": "database unreachable"})},
    }},
    "/metrics": {"get": {
        "operationId": "metrics", "tags": ["operations"], "summary": "Prometheus metrics (text exposition format).",
        "security": [],
        "responses": {"200": {"description": "The metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}},
    }},
    "/openapi.json": {"get": {
        "operationId": "openapi", "tags": ["operations"], "summary": "This document.", "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {JSON: {"schema": {"type": "object"}}}}},
    }},
    "/agentic/v1/capi": {"post": {
        "operationId": "logEvent", "tags": ["account"],
        "summary": "Log events (AdCP log_event; the Scope3 Conversion API).",
        "description": "Events are independent: a bad event goes to `partial_failures`, the others are stored. "
                       "Dedup by (account, event_source_id, event_type, event_id). The 200 is sent once the batch is on disk.",
        "security": ACCOUNT,
        "requestBody": json_body("LogEventRequest", "An AdCP log_event body.", LOG_EVENT_EXAMPLE),
        "responses": responses(
            {"200": ok("LogEventSuccess", "At least one event was valid; the batch is stored durably.")},
            400, 403, 404, 409, 413, 415,
            overrides={
                404: error(404, "`ACCOUNT_NOT_FOUND`: an `account` reference without an `account_id` string."),
                400: error(400, "`INVALID_REQUEST` (malformed JSON, a missing or mistyped envelope field, too many events, "
                                "a bad idempotency_key), or no event of the batch was valid: every failure, capped, "
                                "with `ext.errors_total`."),
                403: error(403, "`REFERENCE_NOT_FOUND`: the event source is not configured on this account; or "
                                "`PERMISSION_DENIED`: a platform key, or an `account` naming another account."),
                409: error(409, "`IDEMPOTENCY_CONFLICT`: the idempotency_key was used with another body."),
            }),
    }},
    "/agentic/v1/event-sources/sync": {"post": {
        "operationId": "syncEventSources", "tags": ["account"],
        "summary": "Create, update, delete or list event sources (AdCP sync_event_sources).",
        "security": ACCOUNT,
        "requestBody": json_body("SyncEventSourcesRequest", "An AdCP sync_event_sources body.", {
            "event_sources": [{"event_source_id": "web", "event_types": ["purchase", "lead"],
                               "value_currencies": ["USD"], "allowed_domains": ["example.com"]}]}),
        "responses": responses(
            {"200": ok("SyncEventSourcesResponse", "Each source with its `action`; a bad source fails alone.")},
            400, 403, 404, 409, 413, 415,
            overrides={
                403: error(403, "`PERMISSION_DENIED`: `account` names another account, or a platform key."),
                404: error(404, "`ACCOUNT_NOT_FOUND`: an account reference without `account_id`."),
                409: error(409, "`IDEMPOTENCY_CONFLICT`: the idempotency_key was used with another body."),
            }),
    }},
    "/agentic/v1/event-sources/{event_source_id}": {"get": {
        "operationId": "getEventSource", "tags": ["account"],
        "summary": "One event source with its health and 24 h / 7 day counters.",
        "security": ACCOUNT,
        "parameters": [path("event_source_id", "The source's id.", "web")],
        "responses": responses(
            {"200": ok("EventSourceDetail", "The source.")}, 400, 403, 404,
            overrides={400: error(400, "`INVALID_REQUEST`: the id breaks the id rule."),
                       403: error(403, "`PERMISSION_DENIED`: a platform key."),
                       404: error(404, "`REFERENCE_NOT_FOUND`: no such source on this account.")}),
    }},
    "/agentic/v1/test-events": {"get": {
        "operationId": "listTestEvents", "tags": ["account"], "summary": "The test-event log of a source, newest first.",
        "security": ACCOUNT,
        "parameters": [
            query("event_source_id", {"type": "string", "minLength": 1}, "The source.", required=True, example="web"),
            query("test_event_code", {"type": "string"}, "Only this code's events."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "At most this many (1–1000)."),
        ],
        "responses": responses(
            {"200": ok("TestEvents", "The log.")}, 400, 403,
            overrides={400: error(400, "`INVALID_REQUEST`: event_source_id is missing."),
                       403: error(403, "`REFERENCE_NOT_FOUND`: the source is not on this account; or a platform key.")}),
    }},
    "/agentic/v1/attributions": {"get": {
        "operationId": "explainAttribution", "tags": ["account"],
        "summary": "Why a conversion was, or was not, attributed.",
        "security": ACCOUNT,
        "parameters": [
            query("event_source_id", {"type": "string", "minLength": 1}, "The conversion's source.", required=True, example="web"),
            query("event_type", {"type": "string", "minLength": 1}, "Its event_type.", required=True, example="purchase"),
            query("event_id", {"type": "string", "minLength": 1}, "Its event_id.", required=True, example="order_1001"),
        ],
        "responses": responses(
            {"200": ok("AttributionExplanation", "`pending` (not examined yet), `attributed`, `unattributed` or `duplicate`.")},
            400, 403, 404,
            overrides={400: error(400, "`INVALID_REQUEST`: a parameter is missing."),
                       403: error(403, "`PERMISSION_DENIED`: a platform key."),
                       404: error(404, "`REFERENCE_NOT_FOUND`: no such conversion on this account.")}),
    }},
    "/agentic/v1/reports/delivery": {"get": {
        "operationId": "deliveryReport", "tags": ["account"],
        "summary": "Delivery and outcome rows per media buy, grouped; JSON or CSV.",
        "security": ACCOUNT,
        "parameters": [
            {**query("media_buy_id", {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                     "One or more media buys (repeat the parameter, or separate with commas).", required=True,
                     example=["mb_bf26"]), "style": "form", "explode": True},
            query("from", {"type": "string"}, "Inclusive: YYYY-MM-DD or RFC 3339.", example="2026-11-01"),
            query("to", {"type": "string"}, "Exclusive: YYYY-MM-DD or RFC 3339; later than `from`.", example="2026-12-01"),
            query("group_by", {"type": "string"}, "Comma-separated: day, package, creative, event_type (default package).",
                  example="package,creative"),
            query("format", {"type": "string", "enum": ["json", "csv"], "default": "json"}, "json or csv."),
        ],
        "responses": responses(
            {"200": {"description": "The report.", "content": {
                JSON: {"schema": ref("DeliveryRows")},
                "text/csv": {"schema": {"type": "string"},
                             "example": "media_buy_id,date,package_id,creative_id,event_type,currency,impressions,clicks,"
                                        "spend,conversions,conversion_value,refunds,roas,cost_per_acquisition\r\n"}}}},
            400, 403, 404,
            overrides={400: error(400, "`INVALID_REQUEST`: media_buy_id missing, or a bad group_by, format or date."),
                       403: error(403, "`PERMISSION_DENIED`: a platform key."),
                       404: error(404, "`MEDIA_BUY_NOT_FOUND`: a buy that is not this account's.")}),
    }},
    "/agentic/v1/delivery": {"post": {
        "operationId": "getMediaBuyDelivery", "tags": ["account"],
        "summary": "AdCP get_media_buy_delivery (the REST twin of the MCP tool).",
        "security": ACCOUNT,
        "requestBody": json_body("DeliveryRequest", "An AdCP get_media_buy_delivery body; `{}` means every buy.",
                                 {"media_buy_ids": ["mb_bf26"], "include_package_daily_breakdown": True}),
        "responses": responses(
            {"200": ok("DeliveryResponse", "Delivery; buys asked for and not found are in `errors`.")},
            400, 403, 404, 413, 415,
            overrides={403: error(403, "`PERMISSION_DENIED`: `account` names another account, or a platform key."),
                       404: error(404, "`ACCOUNT_NOT_FOUND`: an account reference without `account_id`.")}),
    }},
    "/agentic/v1/media-buys/{media_buy_id}": {
        "put": {
            "operationId": "putMediaBuy", "tags": ["platform"], "summary": "Create or replace a media buy (platform key).",
            "security": ACCOUNT,
            "parameters": [path("media_buy_id", "The buy's id (URL-safe, at most 128).", "mb_bf26", IDENTIFIER)],
            "requestBody": json_body("MediaBuyInput", "The buy.", MEDIA_BUY_EXAMPLE),
            "responses": responses(
                {"200": ok("MediaBuy", "Replaced."), "201": ok("MediaBuy", "Created.")},
                400, 403, 404, 409, 413, 415,
                overrides={400: error(400, "`INVALID_REQUEST`: every problem, each with its `field`."),
                           403: error(403, "`PERMISSION_DENIED`: an account key, or a platform key limited to another account."),
                           404: error(404, "`ACCOUNT_NOT_FOUND`: the account does not exist."),
                           409: error(409, "`CONFLICT`: the id belongs to another account.")}),
        },
        "get": {
            "operationId": "getMediaBuy", "tags": ["platform"], "summary": "One media buy (platform key, or the owning account's key).",
            "security": ACCOUNT,
            "parameters": [path("media_buy_id", "The buy's id.", "mb_bf26", IDENTIFIER)],
            "responses": responses(
                {"200": ok("MediaBuy", "The buy.")}, 400, 404,
                overrides={400: error(400, "`INVALID_REQUEST`: the id is not URL-safe."),
                           404: error(404, "`MEDIA_BUY_NOT_FOUND`: no such buy this key may see.")}),
        },
    },
    "/agentic/v1/media-buys": {"get": {
        "operationId": "listMediaBuys", "tags": ["platform"], "summary": "An account's media buys.",
        "security": ACCOUNT,
        "parameters": [query("account_id", {"type": "string"},
                             "The account (platform keys; an account key always sees its own).", example="acme")],
        "responses": responses(
            {"200": ok("MediaBuyList", "The buys.")}, 400, 403,
            overrides={400: error(400, "`INVALID_REQUEST`: a platform key serving every account gave no account_id."),
                       403: error(403, "`PERMISSION_DENIED`: the key does not serve that account.")}),
    }},
    "/agentic/v1/exposures": {"post": {
        "operationId": "ingestExposures", "tags": ["platform"],
        "summary": "Bulk impressions and clicks: a JSON array or NDJSON (platform key).",
        "description": "Rows are deduplicated by (account, exposure_id); a bad row fails alone.",
        "security": ACCOUNT,
        "requestBody": {"required": True, "description": "Up to 100,000 rows.", "content": {
            JSON: {"schema": {"type": "array", "items": ref("Exposure"), "maxItems": 100000},
                   "example": [{"exposure_id": "imp-9f2", "type": "impression", "media_buy_id": "mb_bf26",
                                "package_id": "pkg_1", "creative_id": "cr_1", "time": EXAMPLE_TIME, "cost": 0.004}]},
            "application/x-ndjson": {"schema": ref("Exposure")},
        }},
        "responses": responses(
            {"200": ok("ExposuresResult", "At least one row was usable (or the feed was empty).")},
            400, 403, 413, 415,
            overrides={400: error(400, "Malformed JSON, more than 100,000 rows (`field: exposures`), or no usable row "
                                       "(each error's `field` names its row: `exposures[2].creative_id`)."),
                       403: error(403, "`PERMISSION_DENIED`: an account key.")}),
    }},
    "/agentic/v1/click/{media_buy_id}/{package_id}/{creative_id}": {"get": {
        "operationId": "click", "tags": ["links"],
        "summary": "Signed click link: records a click, redirects to the landing page with `sc3clid`.",
        "security": [],
        "parameters": LINK_PATH + LINK_QUERY,
        "responses": {
            "302": {"description": "Recorded; to the creative's registered landing page with `sc3clid` added.",
                    "headers": {"Location": {"required": True, "schema": {"type": "string", "format": "uri"}}}},
            **LINK_ERRORS,
        },
    }},
    "/agentic/v1/impression/{media_buy_id}/{package_id}/{creative_id}": {"get": {
        "operationId": "impression", "tags": ["links"], "summary": "Signed impression pixel: records an impression.",
        "security": [],
        "parameters": LINK_PATH + LINK_QUERY + [query("imp", STRING, "Signed: an id (A-Z a-z 0-9 _ . : -, at most 128) that makes the pixel idempotent; "
                                       "another value is ignored.")],
        "responses": {
            "200": {"description": "Recorded: a 43-byte transparent 1×1 GIF.",
                    "content": {"image/gif": {"schema": {"type": "string", "contentMediaType": "image/gif"}}}},
            **LINK_ERRORS,
        },
    }},
}
# Stateful links: sync returns the sources it touched, PUT the buy it stored.
PATHS["/agentic/v1/event-sources/sync"]["post"]["responses"]["200"]["links"] = {
    "getEventSource": {"operationId": "getEventSource",
                       "parameters": {"event_source_id": "$response.body#/event_sources/0/event_source_id"}},
}
for _status in ("200", "201"):
    PATHS["/agentic/v1/media-buys/{media_buy_id}"]["put"]["responses"][_status]["links"] = {
        "getMediaBuy": {"operationId": "getMediaBuy", "parameters": {"media_buy_id": "$response.body#/media_buy_id"}},
    }


def document() -> dict:
    version = json.loads((ROOT / "index.json").read_text())["adcp_version"]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "capi — conversion measurement server",
            "version": "1.0.0",
            "summary": "The Scope3 Conversion API and AdCP conversion tracking over REST.",
            "description": "Wire names are AdCP's (" + version + "). Every error is `{\"errors\": [{\"code\", \"message\", "
                           "\"field\"?, \"suggestion\"?, \"recovery\"?, \"retry_after\"?}], \"ext\"?}`. The same tasks are "
                           "served as AdCP tools over MCP at `POST /mcp` (not described here). Send the key as "
                           "`Authorization: Bearer scope3_…` or `x-adcp-auth: scope3_…`; account keys use the `account` "
                           "operations, platform keys the `platform` ones, and a key of the other role gets 403.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "security": ACCOUNT,
        "tags": [
            {"name": "account", "description": "Account keys (the advertiser's): `capi keys create --account ID`."},
            {"name": "platform", "description": "Platform keys (the ad server's): `capi keys create --platform`; "
                                                "GET of a media buy also takes the owning account's key."},
            {"name": "links", "description": "Signed click and impression links: no key, the signature is the credential."},
            {"name": "operations", "description": "Probes and this document: no key."},
        ],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "scope3_ + 32 URL-safe characters"},
                "adcpAuth": {"type": "apiKey", "in": "header", "name": "x-adcp-auth",
                             "description": "The AdCP clients' default header; the same keys."},
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT)
    args = parser.parse_args()
    text = json.dumps(document(), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        if not args.output.exists() or args.output.read_text() != text:
            sys.exit(f"{args.output} is stale: run scripts/generate-openapi.py and commit it")
        print(f"{args.output} is up to date")
        return
    args.output.write_text(text)
    print(f"wrote {args.output} ({len(text)} bytes, {len(PATHS)} paths)")


if __name__ == "__main__":
    main()
