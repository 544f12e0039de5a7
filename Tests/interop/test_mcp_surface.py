"""The MCP door itself: tool list, capabilities, authentication, error shape."""
from __future__ import annotations

import asyncio
import json

import pytest
from jsonschema import Draft7Validator

from adcp.exceptions import ADCPAuthenticationError, ADCPError
from interop_support import (CAPABILITIES, ERROR, LOG_EVENT, SCHEMA_ROOT, WireRecorder, assert_valid,
                             bundled_schema, call_tool, client, jsonrpc, new_key, recent_time)

TOOL_SCHEMAS = {
    "get_adcp_capabilities": "protocol/get-adcp-capabilities-request.json",
    "sync_event_sources": "media-buy/sync-event-sources-request.json",
    "log_event": "media-buy/log-event-request.json",
    "get_media_buy_delivery": "media-buy/get-media-buy-delivery-request.json",
}

EXPECTED_EVENT_TYPES = json.loads((SCHEMA_ROOT / "enums/event-type.json").read_text())["enum"]
EXPECTED_ACTION_SOURCES = json.loads((SCHEMA_ROOT / "enums/action-source.json").read_text())["enum"]


def inline_local_refs(node, root=None):
    """Resolves the bundled copy's `#/$defs/...` references in place."""
    root = node if root is None else root
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target = root
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            merged = {**inline_local_refs(target, root), **{k: v for k, v in node.items() if k != "$ref"}}
            return inline_local_refs(merged, root)
        return {k: inline_local_refs(v, root) for k, v in node.items() if k not in ("$defs", "definitions")
                or node is not root}
    if isinstance(node, list):
        return [inline_local_refs(v, root) for v in node]
    return node


ANNOTATIONS = ("$id", "$schema", "_bundled", "description", "title", "default", "examples", "deprecated")


def strip_meta(node):
    """The validation keywords only. The package's bundler drops annotations
    beside a `$ref` it moves into `$defs`; capi's generator keeps them."""
    if isinstance(node, dict):
        return {k: strip_meta(v) for k, v in node.items() if k not in ANNOTATIONS and not k.startswith("x-")}
    if isinstance(node, list):
        return [strip_meta(v) for v in node]
    return node


def has_ref(node) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(has_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(has_ref(v) for v in node)
    return False


def test_tools_list_publishes_the_adcp_request_schemas(capi):
    status, _, payload = jsonrpc(capi.mcp_url, "tools/list", {}, headers={"x-adcp-auth": capi.keys["ACME"]})
    assert status == 200, payload
    tools = {tool["name"]: tool for tool in payload["result"]["tools"]}
    assert set(tools) == set(TOOL_SCHEMAS)
    for name, rel in TOOL_SCHEMAS.items():
        published = tools[name]["inputSchema"]
        assert published["type"] == "object"
        assert not has_ref(published), f"{name}: inputSchema must be self-contained"
        # Validates exactly as the bundled copy the adcp package ships.
        assert strip_meta(published) == strip_meta(inline_local_refs(bundled_schema(rel))), \
            f"{name}: inputSchema drifted from AdCP"
        assert tools[name].get("description")
    # The published schema alone is enough to check a request.
    log_schema = Draft7Validator(tools["log_event"]["inputSchema"])
    good = {"idempotency_key": new_key(), "event_source_id": "web",
            "events": [{"event_id": "e1", "event_type": "purchase", "event_time": "2026-01-01T00:00:00Z"}]}
    assert not list(log_schema.iter_errors(good))
    assert list(log_schema.iter_errors({**good, "events": []})), "an empty events array must not validate"
    assert tools["get_adcp_capabilities"]["annotations"]["readOnlyHint"] is True
    assert tools["get_media_buy_delivery"]["annotations"]["readOnlyHint"] is True


def test_capabilities_validate_and_declare_conversion_tracking(capi):
    async def scenario():
        async with client(capi.mcp_url, capi.keys["ACME"]) as c:
            wire = WireRecorder(c)
            typed = await c.fetch_capabilities()
            return typed, wire.last

    typed, raw = asyncio.run(scenario())
    assert raw.success, raw.error
    caps = raw.data
    assert_valid(CAPABILITIES, caps)
    assert caps["status"] == "completed"
    assert 3 in caps["adcp"]["major_versions"]
    assert caps["adcp"]["idempotency"]["supported"] is True
    assert 3600 <= caps["adcp"]["idempotency"]["replay_ttl_seconds"] <= 604800
    assert caps["supported_protocols"] == ["media_buy"]
    tracking = caps["media_buy"]["conversion_tracking"]
    assert tracking["supported_event_types"] == EXPECTED_EVENT_TYPES
    assert tracking["supported_uid_types"] == ["rampid", "id5", "uid2", "euid", "pairid", "maid"]
    assert sorted(tracking["supported_hashed_identifiers"]) == ["hashed_email", "hashed_phone"]
    assert tracking["supported_action_sources"] == EXPECTED_ACTION_SOURCES
    assert tracking["attribution_windows"] == [
        {"post_click": [{"interval": 28, "unit": "days"}], "post_view": [{"interval": 1, "unit": "days"}]}]
    assert tracking["multi_source_event_dedup"] is True
    assert tracking["per_creative_attribution"] is True
    # The typed client accepted it too (it refuses agents whose answer fails the schema).
    assert typed.adcp.idempotency.supported is True
    assert typed.media_buy.conversion_tracking.per_creative_attribution is True


@pytest.mark.parametrize("headers", [{}, {"x-adcp-auth": "capi_wrong_key"}, {"Authorization": "Bearer capi_wrong_key"}],
                         ids=["no key", "wrong x-adcp-auth", "wrong bearer"])
def test_requests_without_a_valid_key_get_401(capi, headers):
    for method, params in (("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                           "clientInfo": {"name": "interop", "version": "1"}}),
                           ("tools/list", {}),
                           ("tools/call", {"name": "get_adcp_capabilities", "arguments": {}})):
        status, response_headers, _ = jsonrpc(capi.mcp_url, method, params, headers=headers)
        assert status == 401, (method, status)
        assert "bearer" in {k.lower(): v for k, v in response_headers.items()}.get("www-authenticate", "").lower()


def test_both_key_headers_are_accepted(capi):
    key = capi.keys["ACME"]
    for headers in ({"x-adcp-auth": key}, {"Authorization": f"Bearer {key}"}):
        status, _, payload = jsonrpc(capi.mcp_url, "tools/call",
                                     {"name": "get_adcp_capabilities", "arguments": {}}, headers=headers)
        assert status == 200, payload
        assert payload["result"]["structuredContent"]["supported_protocols"] == ["media_buy"]


def test_client_with_a_wrong_key_is_refused(capi):
    async def scenario():
        async with client(capi.mcp_url, "capi_not_a_real_key") as c:
            await c.fetch_capabilities()

    with pytest.raises(ADCPError) as raised:
        asyncio.run(scenario())
    chain, error = [], raised.value
    while error is not None:
        chain.append(error)
        error = error.__cause__
    assert any(isinstance(e, ADCPAuthenticationError) for e in chain) or "401" in str(raised.value), chain


def test_a_rejected_key_runs_no_tool(capi):
    """A log_event sent with a wrong key must not store anything: sending the
    same event afterwards with the right key is not a duplicate."""
    source = "auth_probe"
    key = capi.keys["LOGS"]
    status, payload = call_tool(capi.mcp_url, key, "sync_event_sources", {
        "idempotency_key": new_key(), "account": {"account_id": "LOGS"},
        "event_sources": [{"event_source_id": source, "name": "Auth probe", "event_types": ["purchase"]}]})
    assert status == 200 and not payload["result"].get("isError"), payload
    event = {"event_id": "auth-probe-1", "event_type": "purchase", "event_time": recent_time()}
    request = {"event_source_id": source, "events": [event]}
    status, _ = call_tool(capi.mcp_url, "capi_wrong_key", "log_event", {**request, "idempotency_key": new_key()})
    assert status == 401
    status, payload = call_tool(capi.mcp_url, key, "log_event", {**request, "idempotency_key": new_key()})
    assert status == 200, payload
    result = payload["result"]["structuredContent"]
    assert result["events_processed"] == 1
    assert result.get("ext", {}).get("duplicates", 0) == 0


def test_tool_errors_are_adcp_error_objects_on_the_wire(capi):
    """A failing tool answers isError with `adcp_error` (what clients extract)
    and the payload's `errors[]`, in structuredContent and as JSON text."""
    status, payload = call_tool(capi.mcp_url, capi.keys["LOGS"], "log_event", {
        "idempotency_key": new_key(), "event_source_id": "no_such_source",
        "events": [{"event_id": "e1", "event_type": "purchase", "event_time": recent_time()}]})
    assert status == 200, payload
    result = payload["result"]
    assert result["isError"] is True
    structured = result["structuredContent"]
    assert_valid(LOG_EVENT, structured)
    assert structured["status"] == "failed"
    assert structured["errors"], structured
    for error in structured["errors"]:
        assert_valid(ERROR, error)
    adcp_error = structured["adcp_error"]
    assert_valid(ERROR, adcp_error)
    assert adcp_error == structured["errors"][0]
    assert adcp_error["recovery"] in ("correctable", "transient", "terminal")
    text = json.loads(result["content"][0]["text"])
    assert text == {"adcp_error": adcp_error}


def test_unknown_tool_is_a_protocol_error(capi):
    status, payload = call_tool(capi.mcp_url, capi.keys["ACME"], "drop_tables", {})
    assert status == 200
    assert payload["error"]["code"] == -32602, payload


def test_get_is_not_a_stream(capi):
    import urllib.error
    import urllib.request
    request = urllib.request.Request(capi.mcp_url, method="GET",
                                     headers={"Accept": "text/event-stream", "x-adcp-auth": capi.keys["ACME"]})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 405

