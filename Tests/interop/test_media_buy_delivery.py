"""get_media_buy_delivery through the official client. Media buys come from
the ad platform's side (not set up here), so this checks the door: an account
without buys gets a schema-valid empty report, and a buy it does not own is
not found."""
from __future__ import annotations

import asyncio

from adcp import GetMediaBuyDeliveryRequest
from interop_support import WireRecorder, assert_valid, client

DELIVERY = "media-buy/get-media-buy-delivery-response.json"


def delivery(capi, key_account: str, **request):
    async def scenario():
        async with client(capi.mcp_url, capi.keys[key_account]) as c:
            wire = WireRecorder(c, tools=("get_media_buy_delivery",))
            typed = await c.get_media_buy_delivery(GetMediaBuyDeliveryRequest(**request))
            return typed, wire.last
    return asyncio.run(scenario())


def test_an_account_without_buys_gets_an_empty_report(capi):
    typed, raw = delivery(capi, "OTHER", account={"account_id": "OTHER"})
    assert raw.success, f"{raw.error} {raw.adcp_error}"
    assert_valid(DELIVERY, raw.data)
    assert raw.data["status"] == "completed"
    assert raw.data["media_buy_deliveries"] == []
    assert {"start", "end"} <= set(raw.data["reporting_period"])
    assert typed.success and typed.data.media_buy_deliveries == []


def test_an_unknown_media_buy_is_not_found(capi):
    _, raw = delivery(capi, "OTHER", account={"account_id": "OTHER"}, media_buy_ids=["mb_not_mine"])
    errors = raw.data.get("errors", []) if raw.success else [raw.adcp_error]
    assert [e["code"] for e in errors] == ["MEDIA_BUY_NOT_FOUND"], raw
