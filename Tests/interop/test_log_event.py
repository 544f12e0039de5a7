"""log_event through the official client: success, partial failure,
duplicates, idempotent replay, test events, refusal, a foreign source."""
from __future__ import annotations

import asyncio

import pytest

from adcp import LogEventRequest, SyncEventSourcesRequest
from interop_support import (ERROR, LOG_EVENT, WireRecorder, assert_valid, client, new_key, recent_time)

SOURCE = "checkout"  # in LOGS, accepts purchase and add_to_cart
OTHER_SOURCE = "other_checkout"  # in OTHER only
USER = {"uids": [{"type": "rampid", "value": "XY1234567890"}]}


def purchase(event_id: str, **extra) -> dict:
    return {"event_id": event_id, "event_type": "purchase", "event_time": recent_time(), "user_match": USER,
            "custom_data": {"value": 49.5, "currency": "USD"}, "action_source": "website",
            "event_source_url": "https://shop.example.com/checkout", **extra}


def run(capi, account: str, coroutine_factory):
    async def scenario():
        async with client(capi.mcp_url, capi.keys[account]) as c:
            wire = WireRecorder(c)
            typed = await coroutine_factory(c)
            return typed, wire.last
    return asyncio.run(scenario())


def log(capi, account: str, events: list[dict], *, source: str = SOURCE, key: str | None = None, **extra):
    request = LogEventRequest(idempotency_key=key or new_key(), event_source_id=source, events=events, **extra)
    return run(capi, account, lambda c: c.log_event(request))


def ok(raw) -> dict:
    assert raw.success, f"log_event failed: {raw.error} {raw.adcp_error}"
    assert_valid(LOG_EVENT, raw.data)
    assert raw.data["status"] == "completed"
    return raw.data


@pytest.fixture(scope="module", autouse=True)
def sources(capi):
    for account, source in (("LOGS", SOURCE), ("OTHER", OTHER_SOURCE)):
        request = SyncEventSourcesRequest(
            idempotency_key=new_key(), account={"account_id": account},
            event_sources=[{"event_source_id": source, "name": "Checkout", "event_types": ["purchase", "add_to_cart"],
                            "action_source": "website"}])
        typed, _ = run(capi, account, lambda c: c.sync_event_sources(request))
        assert typed.success, typed.error


def test_success(capi):
    typed, raw = log(capi, "LOGS", [purchase("ok-1"), purchase("ok-2")])
    body = ok(raw)
    assert body["events_received"] == 2
    assert body["events_processed"] == 2
    assert not body.get("partial_failures")
    assert body["ext"]["duplicates"] == 0
    assert 0 < body["match_quality"] <= 1  # both carry a RampID
    assert not body.get("warnings")
    # The typed client parsed the same answer into its success model.
    assert typed.success and typed.data.events_processed == 2

    # Events nobody can match are accepted, scored 0 and explained.
    anonymous = {k: v for k, v in purchase("ok-anon").items() if k != "user_match"}
    _, raw = log(capi, "LOGS", [anonymous])
    body = ok(raw)
    assert body["events_processed"] == 1
    assert body["match_quality"] == 0
    assert body["warnings"], body


def test_partial_failure(capi):
    events = [
        purchase("pf-good"),
        {**purchase("pf-wrong-type"), "event_type": "lead"},  # the source does not accept leads
        {**purchase("pf-future"), "event_time": "2099-01-01T00:00:00Z"},  # beyond the clock-skew allowance
    ]
    _, raw = log(capi, "LOGS", events)
    body = ok(raw)
    assert body["events_received"] == 3
    assert body["events_processed"] == 1
    failures = {f["event_id"]: f for f in body["partial_failures"]}
    assert set(failures) == {"pf-wrong-type", "pf-future"}
    for failure in failures.values():
        assert failure["code"] and failure["message"]
    assert "event_type" in failures["pf-wrong-type"]["field"]
    assert "event_time" in failures["pf-future"]["field"]


def test_resent_events_count_as_duplicates(capi):
    events = [purchase("dup-1"), purchase("dup-2")]
    _, first = log(capi, "LOGS", events)
    assert ok(first)["ext"]["duplicates"] == 0
    _, again = log(capi, "LOGS", events)  # a new idempotency_key: a real resend
    body = ok(again)
    assert body["events_received"] == 2
    assert body["ext"]["duplicates"] == 2
    assert not body.get("partial_failures")


def test_same_idempotency_key_replays_the_first_answer(capi):
    key = new_key()
    events = [purchase("replay-1")]
    _, first = log(capi, "LOGS", events, key=key)
    _, second = log(capi, "LOGS", events, key=key)
    first_body, second_body = ok(first), ok(second)
    for field in ("events_received", "events_processed"):
        assert second_body[field] == first_body[field]
    assert second_body["ext"]["duplicates"] == first_body["ext"]["duplicates"] == 0
    # The same key with a different payload is a conflict, surfaced by the
    # client as its typed idempotency error.
    from adcp.exceptions import IdempotencyConflictError
    with pytest.raises(IdempotencyConflictError):
        log(capi, "LOGS", [purchase("replay-2")], key=key)


def test_test_events_are_kept_apart(capi):
    _, raw = log(capi, "LOGS", [purchase("test-1")], test_event_code="TEST42")
    body = ok(raw)
    assert body["events_received"] == 1
    assert body["ext"]["test_event_code"] == "TEST42"
    # The production stream never saw it: the same event_id is new there.
    _, raw = log(capi, "LOGS", [purchase("test-1")])
    assert ok(raw)["ext"]["duplicates"] == 0


def test_a_batch_with_nothing_valid_is_an_adcp_error(capi):
    typed, raw = log(capi, "LOGS", [{**purchase("bad-1"), "event_type": "lead"}])
    assert not raw.success
    assert_valid(ERROR, raw.adcp_error)
    assert raw.adcp_error["code"] in ("VALIDATION_ERROR", "INVALID_REQUEST")
    assert "event_type" in raw.adcp_error.get("field", "")
    assert raw.adcp_error.get("recovery") == "correctable"
    assert typed.success is False and typed.adcp_error == raw.adcp_error


def test_a_foreign_source_is_refused_like_a_missing_one(capi):
    _, foreign = log(capi, "LOGS", [purchase("foreign-1")], source=OTHER_SOURCE)
    _, missing = log(capi, "LOGS", [purchase("foreign-1")], source="no_such_source")
    for raw in (foreign, missing):
        assert not raw.success
        assert_valid(ERROR, raw.adcp_error)
    assert foreign.adcp_error["code"] == missing.adcp_error["code"]
    assert foreign.adcp_error.get("field") == missing.adcp_error.get("field") == "event_source_id"
    # Nothing landed in OTHER: its owner's first send of that id is not a duplicate.
    _, raw = log(capi, "OTHER", [purchase("foreign-1")], source=OTHER_SOURCE)
    assert ok(raw)["ext"]["duplicates"] == 0
