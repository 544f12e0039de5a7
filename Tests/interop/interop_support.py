"""Helpers for the interop tests: the AdCP schemas shipped in the `adcp`
package, a client factory, a recorder for the wire payloads the client sees,
and a bare JSON-RPC caller for checks below the client."""
from __future__ import annotations

import datetime
import json
import pathlib
import urllib.error
import urllib.request
import uuid
from typing import Any

import adcp
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from adcp import ADCPClient
from adcp.types import AgentConfig, Protocol

ADCP_RELEASE = "3.2"

# Each test module works in its own account so `delete_missing` in one cannot
# touch another's sources. OTHER is the foreign account nobody else may reach.
ACCOUNTS = ("ACME", "OTHER", "LOGS", "CLI")
# The seller-managed source `capi event-sources add` creates in ACME and OTHER.
SELLER_SOURCE = "store_sales"
SCHEMA_ROOT = pathlib.Path(adcp.__file__).parent / "_schemas" / ADCP_RELEASE


def _registry() -> Registry:
    version = json.loads((SCHEMA_ROOT / "index.json").read_text())["adcp_version"]
    resources = []
    for path in SCHEMA_ROOT.rglob("*.json"):
        rel = path.relative_to(SCHEMA_ROOT).as_posix()
        if rel.startswith("bundled/"):
            continue
        try:
            contents = json.loads(path.read_text())
        except ValueError:
            continue
        if not isinstance(contents, dict):
            continue
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        for uri in (
            f"https://adcontextprotocol.org/schemas/{version}/{rel}",
            f"https://adcontextprotocol.org/schemas/v3/{rel}",
            f"/schemas/{rel}",
        ):
            resources.append((uri, resource))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def schema(rel: str) -> dict[str, Any]:
    return json.loads((SCHEMA_ROOT / rel).read_text())


def bundled_schema(rel: str) -> dict[str, Any]:
    return json.loads((SCHEMA_ROOT / "bundled" / rel).read_text())


def assert_valid(rel: str, instance: Any) -> None:
    """Fail with every schema violation, not just the first."""
    validator = Draft7Validator(schema(rel), registry=REGISTRY)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, f"{rel} rejects the response:\n" + "\n".join(
        f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors
    )


CAPABILITIES = "protocol/get-adcp-capabilities-response.json"
LOG_EVENT = "media-buy/log-event-response.json"
SYNC_EVENT_SOURCES = "media-buy/sync-event-sources-response.json"
ERROR = "core/error.json"


def recent_time(seconds_ago: int = 3600) -> str:
    """An RFC 3339 UTC time inside every acceptance window."""
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_key() -> str:
    """A fresh idempotency_key (AdCP asks for 16 to 255 characters)."""
    return f"interop-{uuid.uuid4()}"


def client(mcp_url: str, api_key: str) -> ADCPClient:
    """The official client, configured as a buyer would for an MCP agent.
    It sends the key as `x-adcp-auth: <key>` (its default)."""
    config = AgentConfig(id="capi", agent_uri=mcp_url, protocol=Protocol.MCP, auth_token=api_key)
    return ADCPClient(config, account_policy="off", raise_account_errors=False)


class WireRecorder:
    """Keeps the raw result of every adapter call while the public, typed
    client methods run unchanged: `data` is the AdCP object the client
    extracted from the MCP tool result, `adcp_error` the error it extracted."""

    TOOLS = ("get_adcp_capabilities", "sync_event_sources", "log_event", "get_media_buy_delivery")

    def __init__(self, adcp_client: ADCPClient, tools: tuple[str, ...] = TOOLS):
        self.results: list[Any] = []
        adapter = adcp_client.adapter
        for tool in tools:
            original = getattr(adapter, tool)

            async def spy(params, _original=original):
                result = await _original(params)
                self.results.append(result)
                return result

            setattr(adapter, tool, spy)

    @property
    def last(self) -> Any:
        assert self.results, "no tool call reached the adapter"
        return self.results[-1]


def jsonrpc(mcp_url: str, method: str, params: dict | None = None, *, headers: dict | None = None,
            request_id: int = 1) -> tuple[int, dict[str, str], Any]:
    """POST one JSON-RPC request the way a streamable-HTTP MCP client does."""
    body = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        body["params"] = params
    request = urllib.request.Request(
        mcp_url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return error.code, dict(error.headers), payload


def call_tool(mcp_url: str, api_key: str | None, name: str, arguments: dict) -> tuple[int, Any]:
    headers = {"x-adcp-auth": api_key} if api_key else {}
    status, _, payload = jsonrpc(mcp_url, "tools/call", {"name": name, "arguments": arguments}, headers=headers)
    return status, payload
