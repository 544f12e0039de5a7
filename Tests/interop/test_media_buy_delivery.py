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


def rest(capi, method: str, path: str, key: str, body=None, content_type: str = "application/json"):
    import json
    import urllib.request
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{capi.base_url}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_delivery_with_outcomes_validates_and_adds_up(capi):
    """A media buy with clicks, impressions and attributed conversions: the
    client's report validates and its figures are the known ones."""
    import time
    from conftest import run_cli
    from interop_support import recent_time

    db = ("--database", str(capi.database))
    run_cli(capi.binary, "accounts", "create", "DELIV", *db)
    key = run_cli(capi.binary, "keys", "create", "--account", "DELIV", *db).strip().splitlines()[-1]
    platform = run_cli(capi.binary, "keys", "create", "--platform", *db).strip().splitlines()[-1]
    rest(capi, "POST", "/agentic/v1/event-sources/sync", key, {"event_sources": [{"event_source_id": "web"}]})
    rest(capi, "PUT", "/agentic/v1/media-buys/mb_deliv", platform, {
        "account_id": "DELIV", "currency": "USD",
        "packages": [{"package_id": "pkg", "creatives": [{"creative_id": "cr", "landing_url": "https://deliv.example/"}]}]})
    exposures = [{"exposure_id": f"clk{i}", "type": "click", "media_buy_id": "mb_deliv", "package_id": "pkg",
                  "creative_id": "cr", "time": recent_time(7200), "cost": 1.0, "click_id": f"sc3-{i}"} for i in range(3)]
    exposures += [{"exposure_id": f"imp{i}", "type": "impression", "media_buy_id": "mb_deliv", "package_id": "pkg",
                   "creative_id": "cr", "time": recent_time(7200), "cost": 1.0} for i in range(10)]
    fed = rest(capi, "POST", "/agentic/v1/exposures", platform, exposures)
    assert fed["exposures_processed"] == 13

    def event(event_id, event_type, click, value):
        return {"event_id": event_id, "event_type": event_type, "event_time": recent_time(600),
                "user_match": {"click_id": click, "click_id_type": "sc3clid"},
                "custom_data": {"value": value, "currency": "USD"}}
    logged = rest(capi, "POST", "/agentic/v1/capi", key, {"event_source_id": "web", "events": [
        event("o1", "purchase", "sc3-0", 50), event("o2", "purchase", "sc3-1", 30),
        event("r1", "refund", "sc3-0", 10), event("l1", "lead", "sc3-2", 0)]})
    assert logged["events_processed"] == 4
    for _ in range(100):  # the background attributor runs every second
        status = rest(capi, "GET", "/agentic/v1/attributions?event_source_id=web&event_type=lead&event_id=l1", key)["status"]
        if status == "attributed":
            break
        time.sleep(0.2)
    assert status == "attributed"

    async def scenario():
        async with client(capi.mcp_url, key) as c:
            wire = WireRecorder(c, tools=("get_media_buy_delivery",))
            typed = await c.get_media_buy_delivery(GetMediaBuyDeliveryRequest(
                account={"account_id": "DELIV"}, media_buy_ids=["mb_deliv"], include_package_daily_breakdown=True))
            return typed, wire.last
    typed, raw = asyncio.run(scenario())
    assert raw.success, f"{raw.error} {raw.adcp_error}"
    assert_valid(DELIVERY, raw.data)
    [buy] = raw.data["media_buy_deliveries"]
    totals = buy["totals"]
    assert (totals["impressions"], totals["clicks"], totals["spend"]) == (10, 3, 13)
    assert totals["conversions"] == 3, "two purchases and a lead; the refund is not a conversion"
    assert totals["conversion_value"] == 70, "50 + 30 - 10 refunded"
    assert abs(totals["roas"] - 70 / 13) < 1e-5
    assert sorted((t["event_type"], t["count"]) for t in totals["by_event_type"]) == [("lead", 1), ("purchase", 2)]
    [package] = buy["by_package"]
    assert package["by_creative"][0]["conversions"] == 3
    assert sum(day["impressions"] for day in package["daily_breakdown"]) == 10
    assert raw.data["aggregated_totals"]["media_buy_count"] == 1
    assert typed.success
