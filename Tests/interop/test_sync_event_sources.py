"""sync_event_sources through the official client: create, unchanged, update,
delete_missing, discovery, and an account the key does not own."""
from __future__ import annotations

import asyncio

from adcp import SyncEventSourcesRequest
from interop_support import ERROR, SELLER_SOURCE, SYNC_EVENT_SOURCES, WireRecorder, assert_valid, client, new_key

WEB = {"event_source_id": "web_pixel", "name": "Website", "event_types": ["purchase", "add_to_cart"],
       "action_source": "website"}
CRM = {"event_source_id": "crm_import", "name": "CRM import", "event_types": ["lead", "qualify_lead"],
       "action_source": "system_generated"}


def sync(capi, key_account: str, **request):
    """One typed sync call; returns (typed TaskResult, raw wire result)."""
    async def scenario():
        async with client(capi.mcp_url, capi.keys[key_account]) as c:
            wire = WireRecorder(c)
            typed = await c.sync_event_sources(SyncEventSourcesRequest(idempotency_key=new_key(), **request))
            return typed, wire.last
    return asyncio.run(scenario())


def by_id(raw) -> dict[str, dict]:
    assert raw.success, f"sync failed: {raw.error} {raw.adcp_error}"
    assert_valid(SYNC_EVENT_SOURCES, raw.data)
    assert raw.data["status"] == "completed"
    sources = {s["event_source_id"]: s for s in raw.data["event_sources"]}
    assert len(sources) == len(raw.data["event_sources"]), "a source is listed twice"
    return sources


def assert_buyer_source(result: dict, request: dict, action: str, base_url: str) -> None:
    assert result["action"] == action, result
    assert result["managed_by"] == "buyer"
    assert result["name"] == request["name"]
    assert result["event_types"] == request["event_types"]
    setup = result["setup"]
    assert setup["snippet_type"] == "server_only"
    assert base_url in setup["instructions"], setup
    assert request["event_source_id"] in setup["instructions"], setup


def assert_seller_source(result: dict) -> None:
    assert result["managed_by"] == "seller", result
    assert result["action"] == "unchanged", result
    assert result["event_types"] == ["purchase"]


def test_sync_lifecycle(capi):
    account = {"account_id": "ACME"}

    # create
    typed, raw = sync(capi, "ACME", account=account, event_sources=[WEB, CRM])
    sources = by_id(raw)
    assert set(sources) == {"web_pixel", "crm_import", SELLER_SOURCE}
    assert_buyer_source(sources["web_pixel"], WEB, "created", capi.base_url)
    assert_buyer_source(sources["crm_import"], CRM, "created", capi.base_url)
    assert_seller_source(sources[SELLER_SOURCE])
    assert typed.success and typed.data is not None  # the typed model parses our answer
    assert {s.event_source_id for s in typed.data.event_sources} == set(sources)

    # unchanged: the same definitions again
    _, raw = sync(capi, "ACME", account=account, event_sources=[WEB, CRM])
    sources = by_id(raw)
    assert_buyer_source(sources["web_pixel"], WEB, "unchanged", capi.base_url)
    assert_buyer_source(sources["crm_import"], CRM, "unchanged", capi.base_url)

    # update one source, leave the other alone
    renamed = {**WEB, "name": "Website (all pages)", "event_types": ["purchase", "add_to_cart", "page_view"]}
    _, raw = sync(capi, "ACME", account=account, event_sources=[renamed, CRM])
    sources = by_id(raw)
    assert_buyer_source(sources["web_pixel"], renamed, "updated", capi.base_url)
    assert_buyer_source(sources["crm_import"], CRM, "unchanged", capi.base_url)

    # delete_missing removes buyer sources left out, never seller-managed ones
    _, raw = sync(capi, "ACME", account=account, event_sources=[renamed], delete_missing=True)
    sources = by_id(raw)
    assert sources["crm_import"]["action"] == "deleted", sources["crm_import"]
    assert_buyer_source(sources["web_pixel"], renamed, "unchanged", capi.base_url)
    assert_seller_source(sources[SELLER_SOURCE])

    # discovery: no event_sources, nothing changes, everything listed
    typed, raw = sync(capi, "ACME", account=account)
    sources = by_id(raw)
    assert set(sources) == {"web_pixel", SELLER_SOURCE}
    assert_buyer_source(sources["web_pixel"], renamed, "unchanged", capi.base_url)
    assert_seller_source(sources[SELLER_SOURCE])


def test_a_foreign_account_is_refused_like_a_missing_one(capi):
    """ACME's key naming OTHER's account gets the same answer as naming an
    account that does not exist (AdCP's uniform not-found rule), and OTHER's
    sources are untouched."""
    _, before = sync(capi, "OTHER", account={"account_id": "OTHER"})
    other_before = by_id(before)

    foreign_typed, foreign = sync(capi, "ACME", account={"account_id": "OTHER"},
                                  event_sources=[{"event_source_id": "hijack", "name": "Hijack"}], delete_missing=True)
    _, missing = sync(capi, "ACME", account={"account_id": "NO_SUCH_ACCOUNT"},
                      event_sources=[{"event_source_id": "hijack", "name": "Hijack"}], delete_missing=True)
    for raw in (foreign, missing):
        assert not raw.success
        assert raw.adcp_error is not None, raw.error
        assert_valid(ERROR, raw.adcp_error)
    assert foreign.adcp_error["code"] in ("ACCOUNT_NOT_FOUND", "PERMISSION_DENIED")
    assert foreign.adcp_error["code"] == missing.adcp_error["code"]
    assert foreign.adcp_error.get("field") == missing.adcp_error.get("field")
    assert foreign_typed.success is False and foreign_typed.adcp_error["code"] == foreign.adcp_error["code"]

    _, after = sync(capi, "OTHER", account={"account_id": "OTHER"})
    other_after = by_id(after)
    assert set(other_after) == set(other_before)
    assert "hijack" not in other_after and SELLER_SOURCE in other_after
