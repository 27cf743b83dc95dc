"""Google Calendar specifics: exact dates and times across zones and DST, recurrence, 410
resync without duplicates, 412, batches with mixed results, push headers, credentials."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import WebhookRejected, WriteKind, WriteOp
from adapters.gcal import GcalConnection, convert
from adapters.gcal.auth import load, save_token
from adapters.gcal.client import error_for
from adapters.gcal.sandbox import GcalSandbox
from adapters.gcal.webhook import parse_webhook
from hub.errors import AuthError, Conflict, RateLimited
from hub.model import DateOnly, FloatingDateTime, Item, Span, ZonedDateTime
from tests.adapters.gcal.conftest import GcalHarness, build
from tests.support.budget import examples

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"]
# DST changes of 2026 in Berlin and New York, and a day either side
DST_DAYS = [dt.date(2026, 3, 8), dt.date(2026, 3, 29), dt.date(2026, 10, 25),
            dt.date(2026, 11, 1)]
days = st.one_of(st.sampled_from(DST_DAYS),
                 st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
times = st.times().map(lambda t: t.replace(microsecond=0, second=0))
moments = st.one_of(
    days.map(lambda d: DateOnly(date=d)),
    st.builds(lambda d, t, z: ZonedDateTime(at=dt.datetime.combine(d, t).replace(
        tzinfo=dt.UTC), tz=z), days, times, st.sampled_from(ZONES)))


@given(moments)
def test_due_round_trips_through_the_event_wire_format(due) -> None:  # type: ignore[no-untyped-def]
    item = Item(title="x", due=due)
    body = convert.to_body(item, frozenset({"title", "due"}), "due", dt.timedelta(minutes=30),
                           "Europe/Berlin")
    if isinstance(due, DateOnly):  # all-day: exclusive end, the next day
        assert body["end"]["date"] == (due.date + dt.timedelta(days=1)).isoformat()
    ev = {"summary": "x", **body}
    assert convert.to_item(ev, "due", "UTC").due == due


@given(moments, st.integers(1, 72))
def test_spans_round_trip_exactly(start, hours) -> None:  # type: ignore[no-untyped-def]
    if isinstance(start, DateOnly):
        end = DateOnly(date=start.date + dt.timedelta(days=1 + hours % 5))
    else:
        end = ZonedDateTime(at=start.at + dt.timedelta(hours=hours), tz=start.tz)
    item = Item(title="x", span=Span(start=start, end=end))
    body = convert.to_body(item, frozenset({"span"}), "span", dt.timedelta(0), "UTC")
    assert convert.to_item(body, "span", "UTC").span == item.span


@pytest.fixture(scope="module")
def shared() -> GcalHarness:  # type: ignore[misc]
    sandbox = GcalSandbox()
    yield GcalHarness(sandbox)
    sandbox.stop()


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(due=moments)
def test_due_round_trips_through_the_emulator(shared: GcalHarness, due) -> None:  # type: ignore[no-untyped-def]
    import uuid

    created = shared.adapter.create(Item(title="x", due=due), origin="L",
                                    idempotency_key=uuid.uuid4().hex)
    got = shared.adapter.get(created.ref)
    assert got is not None and got.item.due == due


def test_a_9am_meeting_stays_at_9_across_the_dst_change(harness: GcalHarness) -> None:
    berlin = ZonedDateTime(at=dt.datetime(2026, 3, 28, 8, 0, tzinfo=dt.UTC),
                           tz="Europe/Berlin")  # 9:00 CET, the day before DST
    created = harness.adapter.create(Item(title="standup", due=berlin,
                                          recurrence="FREQ=DAILY"), origin="L",
                                     idempotency_key="dst")
    ev = harness.emu.events["primary"][created.ref]
    assert ev["start"] == {"dateTime": "2026-03-28T09:00:00+01:00",
                           "timeZone": "Europe/Berlin"}
    assert ev["recurrence"] == ["RRULE:FREQ=DAILY"]  # the zone, not the offset, repeats


def test_floating_times_are_placed_in_the_users_zone(harness: GcalHarness) -> None:
    a = harness.adapter
    floating = FloatingDateTime(at=dt.datetime(2026, 7, 1, 9, 0))
    assert a.represent("due", floating) == ZonedDateTime(
        at=dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")


def test_expired_sync_token_resyncs_without_duplicates(harness: GcalHarness) -> None:
    a = harness.adapter
    harness.user_create(Item(title="one", due=DateOnly(date=dt.date(2026, 12, 1))))
    cur = a.changes(None).cursor
    harness.emu.expire_tokens()
    again = a.changes(cur)  # 410 fullSyncRequired -> everything, same ids
    assert [r.item.title for r in again.items] == ["one"]
    assert dict(again.gone) == {}
    assert len(harness.emu.events["primary"]) == 1


def test_sync_token_with_a_forbidden_parameter_is_400(harness: GcalHarness) -> None:
    import httpx

    r = httpx.get(f"{harness.emu.base_url}/calendar/v3/calendars/primary/events",
                  params={"syncToken": "st1", "timeMin": "2026-01-01T00:00:00Z"})
    assert r.status_code == 400 and r.json()["error"]["errors"][0]["reason"] == "invalid"


def test_stale_etag_is_a_conflict_not_an_overwrite(harness: GcalHarness) -> None:
    created = harness.adapter.create(Item(title="x", due=DateOnly(date=dt.date(2026, 1, 5))),
                                     origin="L", idempotency_key="e")
    harness.user_edit(created.ref, title="moved in the calendar")
    with pytest.raises(Conflict):
        harness.adapter.update(created.ref, Item(title="ours"), fields=frozenset({"title"}),
                               expected_version=created.version, idempotency_key="u")
    assert harness.emu.events["primary"][created.ref]["summary"] == "moved in the calendar"


def test_a_retried_create_uses_the_event_it_already_made(harness: GcalHarness) -> None:
    item = Item(title="x", due=DateOnly(date=dt.date(2026, 1, 5)))
    first = harness.adapter.create(item, origin="L", idempotency_key="same")
    second = harness.adapter.create(item, origin="L", idempotency_key="same")
    assert first.ref == second.ref and len(harness.emu.events["primary"]) == 1


def test_batch_with_mixed_results(harness: GcalHarness) -> None:
    a = harness.adapter
    ok = a.create(Item(title="ok", due=DateOnly(date=dt.date(2026, 1, 5))), origin="L",
                  idempotency_key="b0")
    ops = [WriteOp(WriteKind.CREATE, f"b{i}", item=Item(
        title=f"t{i}", due=DateOnly(date=dt.date(2026, 1, 6))), origin=f"L{i}")
        for i in range(1, 4)]
    ops += [WriteOp(WriteKind.UPDATE, "u1", item=Item(title="renamed"), ref=ok.ref,
                    fields=frozenset({"title"}), expected_version='"stale"'),
            WriteOp(WriteKind.DELETE, "d1", ref="doesnotexist00")]
    harness.emu.reset_counts()
    results = a.write_batch(ops)
    assert harness.emu.requests["POST /batch/calendar/v3"] == 1
    assert [r.error is None for r in results] == [True, True, True, False, True]
    assert isinstance(results[3].error, Conflict)
    assert {e["summary"] for e in harness.emu.events["primary"].values()} == {
        "ok", "t1", "t2", "t3"}


def test_quiet_round_is_one_request_and_cancelled_is_a_delete(harness: GcalHarness) -> None:
    ref = harness.user_create(Item(title="x", due=DateOnly(date=dt.date(2026, 1, 5))))
    cur = harness.adapter.changes(None).cursor
    harness.emu.reset_counts()
    quiet = harness.adapter.changes(cur)
    assert quiet.items == () and harness.emu.total_requests == 1
    harness.user_delete(ref)
    assert dict(harness.adapter.changes(quiet.cursor).gone) == {ref: "deleted"}


def test_single_changed_occurrences_are_left_alone(harness: GcalHarness) -> None:
    cur = harness.adapter.changes(None).cursor
    harness.emu.insert("primary", {"id": "occurrence0001", "recurringEventId": "series01",
                                   "summary": "moved once", "start": {"date": "2026-01-05"},
                                   "end": {"date": "2026-01-06"}})
    assert harness.adapter.changes(cur).items == ()


def test_error_table() -> None:
    body = json.dumps({"error": {"code": 403, "errors": [{"reason": "rateLimitExceeded"}],
                                 "message": "Rate Limit Exceeded"}}).encode()
    assert isinstance(error_for(403, body, {"retry-after": "9"}), RateLimited)
    assert error_for(403, body, {"retry-after": "9"}).retry_after == 9  # type: ignore[attr-defined]
    other = json.dumps({"error": {"code": 403, "errors": [{"reason": "forbidden"}]}}).encode()
    assert isinstance(error_for(403, other), AuthError)
    assert isinstance(error_for(429, b"{}"), RateLimited)


def test_push_notification_headers() -> None:
    base = {"X-Goog-Channel-Id": "ch1", "X-Goog-Channel-Token": "tok",
            "X-Goog-Resource-Id": "res", "X-Goog-Message-Number": "7"}
    assert parse_webhook(base | {"X-Goog-Resource-State": "sync"}, b"", "tok") == []
    (n,) = parse_webhook(base | {"X-Goog-Resource-State": "exists"}, b"", "tok")
    assert (n.kind, n.event_id) == ("updated", "ch1:7")
    with pytest.raises(WebhookRejected) as info:
        parse_webhook(base | {"X-Goog-Channel-Token": "x", "X-Goog-Resource-State": "exists"},
                      b"", "tok")
    assert info.value.status == 401


def test_token_file_is_private_and_missing_token_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "token.json"
    save_token(path, "{}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(AuthError, match="no Google token"):
        load(str(tmp_path / "none.json"), None)
    with pytest.raises(ValueError, match="needs token_file"):
        GcalConnection(credentials="oauth")


def test_tag_scope(sandbox: GcalSandbox) -> None:
    from adapters.base import EndpointContext
    from adapters.gcal import GcalAdapterFactory, GcalScope

    a = GcalAdapterFactory().build(GcalConnection.model_validate(sandbox.connection),
                                   GcalScope(tag="work"),
                                   EndpointContext(name="g", flow="t"))
    mine = a.create(Item(title="x", due=DateOnly(date=dt.date(2026, 1, 5))), origin="L",
                    idempotency_key="t")
    sandbox.user_create(Item(title="private", due=DateOnly(date=dt.date(2026, 1, 5))))
    assert [r.ref for r in a.changes(None).items] == [mine.ref]
    assert build(sandbox).capabilities.create_requires_any == frozenset({"due"})


def test_single_events_expands_a_series_into_instances(harness: GcalHarness) -> None:
    import httpx

    created = harness.adapter.create(
        Item(title="standup", due=ZonedDateTime(at=dt.datetime(2026, 3, 23, 8, 0,
                                                               tzinfo=dt.UTC), tz="Europe/Berlin"),
             recurrence="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"), origin="L", idempotency_key="s")
    r = httpx.get(f"{harness.emu.base_url}/calendar/v3/calendars/primary/events",
                  params={"singleEvents": "true"}).json()
    inst = [e for e in r["items"] if e.get("recurringEventId") == created.ref]
    assert [e["start"]["dateTime"][:10] for e in inst] == [
        "2026-03-23", "2026-03-25", "2026-03-30", "2026-04-01"]
    assert inst[2]["start"]["dateTime"] == "2026-03-30T09:00:00+02:00"  # 9:00 after DST too
    assert {e["id"] for e in inst} == {f"{created.ref}_{d}" for d in (
        "20260323T080000Z", "20260325T080000Z", "20260330T070000Z", "20260401T070000Z")}
