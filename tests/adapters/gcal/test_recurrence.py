"""Recurring events: the rule round-trips (COUNT, UNTIL), and writing it keeps the event's
other recurrence lines (EXDATE/RDATE: occurrences removed or added in the calendar)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.gcal.sandbox import GcalSandbox
from hub.model import Item, ZonedDateTime, normalise_rrule
from tests.adapters.gcal.conftest import GcalHarness, build
from tests.support.budget import examples

NINE = ZonedDateTime(at=dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")
EXDATE = "EXDATE;TZID=Europe/Berlin:20260608T090000"
RDATE = "RDATE;TZID=Europe/Berlin:20260610T090000"


@pytest.mark.parametrize("rule", [
    "FREQ=DAILY;COUNT=5", "FREQ=WEEKLY;UNTIL=20261231T235959Z;BYDAY=MO,WE",
    "FREQ=MONTHLY;BYDAY=1MO;COUNT=12", "FREQ=YEARLY;UNTIL=20300101"])
def test_rules_round_trip(harness: GcalHarness, rule: str) -> None:
    a = harness.adapter
    created = a.create(Item(title="x", due=NINE, recurrence=rule), origin="L",
                       idempotency_key=rule)
    got = a.get(created.ref)
    assert got is not None and got.item.recurrence == created.item.recurrence
    assert got.item.recurrence == normalise_rrule(rule)


def _series(sandbox: GcalSandbox) -> str:
    ev = sandbox.emu.insert("primary", {
        "id": "series00001", "summary": "standup",
        "start": {"dateTime": "2026-06-01T09:00:00+02:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-06-01T09:15:00+02:00", "timeZone": "Europe/Berlin"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10", EXDATE, RDATE]})
    return str(ev["id"])


def test_a_changed_rule_keeps_exdate_and_rdate(harness: GcalHarness) -> None:
    ref = _series(harness.sandbox)
    (seen,) = harness.adapter.changes(None).items
    # the deleted occurrence is part of the canonical rule, in the event's wall-clock time
    assert seen.item.recurrence == "FREQ=WEEKLY;COUNT=10;EXDATE=20260608T090000"
    harness.adapter.update(ref, seen.item.evolve(
        recurrence="FREQ=WEEKLY;UNTIL=20261231T235959Z;EXDATE=20260608T090000"),
        fields=frozenset({"recurrence"}), expected_version=seen.version, idempotency_key="u")
    assert harness.emu.events["primary"][ref]["recurrence"] == [
        "RRULE:FREQ=WEEKLY;UNTIL=20261231T235959Z", RDATE, EXDATE]


def test_exclusions_written_from_the_canonical_rule(harness: GcalHarness) -> None:
    """An exclusion added elsewhere takes that occurrence out of the series; the event's
    own ones between its start and the item's current occurrence stay (past occurrences
    are left as they are); once the start moves, those before it mean nothing and go."""
    ref = _series(harness.sandbox)
    (seen,) = harness.adapter.changes(None).items
    a = harness.adapter
    at = ZonedDateTime(at=dt.datetime(2026, 6, 15, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")
    added = a.update(ref, seen.item.evolve(
        due=at, recurrence="FREQ=WEEKLY;COUNT=10;EXDATE=20260622T090000"),
        fields=frozenset({"recurrence"}), expected_version=seen.version, idempotency_key="a")
    lines = harness.emu.events["primary"][ref]["recurrence"]
    assert lines[-1] == "EXDATE;TZID=Europe/Berlin:20260608T090000,20260622T090000"
    assert harness.emu.events["primary"][ref]["start"]["dateTime"].startswith("2026-06-01")
    got = a.get(ref)
    assert got is not None
    assert got.item.recurrence == "FREQ=WEEKLY;COUNT=10;EXDATE=20260608T090000,20260622T090000"
    later = ZonedDateTime(at=dt.datetime(2026, 6, 29, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")
    a.update(ref, got.item.evolve(due=later, recurrence="FREQ=WEEKLY;COUNT=6"),
             fields=frozenset({"due", "recurrence"}), expected_version=added.version,
             idempotency_key="b")
    # the series starts on 29 June now: no exclusion is left in it
    assert harness.emu.events["primary"][ref]["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=6",
                                                                RDATE]
    again = a.get(ref)
    assert again is not None and again.item.recurrence == "FREQ=WEEKLY;COUNT=6"
    assert again.item.due == later


def test_an_all_day_series_reads_and_writes_dates(harness: GcalHarness) -> None:
    from hub.model import DateOnly

    a = harness.adapter
    day = DateOnly(date=dt.date(2026, 6, 1))
    made = a.create(Item(title="x", due=day, recurrence="FREQ=DAILY;EXDATE=20260603"),
                    origin="L", idempotency_key="d")
    assert harness.emu.events["primary"][made.ref]["recurrence"] == [
        "RRULE:FREQ=DAILY", "EXDATE;VALUE=DATE:20260603"]
    got = a.get(made.ref)
    assert got is not None and got.item.recurrence == "FREQ=DAILY;EXDATE=20260603"
    listed = harness.emu.instances("primary", made.ref, {"maxResults": "3"})["items"]
    assert [e["start"]["date"] for e in listed] == ["2026-06-01", "2026-06-02", "2026-06-04"]


def test_a_fresh_adapter_reads_the_lines_first(harness: GcalHarness) -> None:
    """An adapter that has not listed the event (a new run) reads it before writing the rule:
    one extra request, and the EXDATE survives."""
    ref = _series(harness.sandbox)
    version = harness.emu.events["primary"][ref]["etag"]
    fresh = build(harness.sandbox)
    harness.emu.reset_counts()
    fresh.update(ref, Item(title="standup", recurrence="FREQ=WEEKLY;COUNT=4"),
                 fields=frozenset({"recurrence"}), expected_version=version,
                 idempotency_key="u")
    assert harness.emu.events["primary"][ref]["recurrence"] == [
        "RRULE:FREQ=WEEKLY;COUNT=4", EXDATE, RDATE]
    assert harness.emu.total_requests == 2  # the read (in a batch) and the patch


def test_other_fields_leave_the_recurrence_alone(harness: GcalHarness) -> None:
    ref = _series(harness.sandbox)
    version = harness.emu.events["primary"][ref]["etag"]
    harness.emu.reset_counts()
    build(harness.sandbox).update(ref, Item(title="renamed"), fields=frozenset({"title"}),
                                  expected_version=version, idempotency_key="u")
    (body,) = [json.loads(b) for b in harness.emu.request_bodies if b]
    assert "recurrence" not in body
    assert len(harness.emu.events["primary"][ref]["recurrence"]) == 3


def test_clearing_the_rule_makes_a_single_event(harness: GcalHarness) -> None:
    ref = _series(harness.sandbox)
    version = harness.emu.events["primary"][ref]["etag"]
    build(harness.sandbox).update(ref, Item(title="standup"), fields=frozenset({"recurrence"}),
                                  expected_version=version, idempotency_key="u")
    assert harness.emu.events["primary"][ref]["recurrence"] == []


# -- the emulator's singleEvents expansion --------------------------------------------------


def _instances(h: GcalHarness, ref: str) -> list[dict[str, object]]:
    a = h.adapter
    listing = a.client.call(lambda: a.events.list(calendarId="primary", singleEvents=True))
    return [e for e in listing["items"] if e.get("recurringEventId") == ref]


def _starts(h: GcalHarness, ref: str) -> list[str]:
    out = []
    for e in _instances(h, ref):
        start = e["start"]
        assert isinstance(start, dict)
        out.append(str(start.get("dateTime") or start["date"]))
    return out


def _timed(h: GcalHarness, start: str, *lines: str) -> str:
    ev = h.emu.insert("primary", {
        "summary": "s", "start": {"dateTime": start, "timeZone": "Europe/Berlin"},
        "end": {"dateTime": start.replace("T09:", "T10:"), "timeZone": "Europe/Berlin"},
        "recurrence": list(lines)})
    return str(ev["id"])


def test_monthly_on_the_first_monday(harness: GcalHarness) -> None:
    ref = _timed(harness, "2026-01-05T09:00:00+01:00", "RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=4")
    assert _starts(harness, ref) == ["2026-01-05T09:00:00+01:00", "2026-02-02T09:00:00+01:00",
                                     "2026-03-02T09:00:00+01:00", "2026-04-06T09:00:00+02:00"]


def test_monthly_on_the_last_friday_and_the_last_day(harness: GcalHarness) -> None:
    fri = _timed(harness, "2026-01-30T09:00:00+01:00", "RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3")
    assert [s[:10] for s in _starts(harness, fri)] == ["2026-01-30", "2026-02-27", "2026-03-27"]
    last = harness.emu.insert("primary", {
        "summary": "rent", "start": {"date": "2026-01-31"}, "end": {"date": "2026-02-01"},
        "recurrence": ["RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3"]})["id"]
    assert _starts(harness, last) == ["2026-01-31", "2026-02-28", "2026-03-31"]


def test_yearly_until_is_inclusive_and_weekly_byday(harness: GcalHarness) -> None:
    y = _timed(harness, "2026-03-10T09:00:00+01:00",
               "RRULE:FREQ=YEARLY;UNTIL=20280310T080000Z")
    assert [s[:10] for s in _starts(harness, y)] == ["2026-03-10", "2027-03-10", "2028-03-10"]
    w = _timed(harness, "2026-06-01T09:00:00+02:00",
               "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=4")
    assert [s[:10] for s in _starts(harness, w)] == ["2026-06-01", "2026-06-05", "2026-06-15",
                                                     "2026-06-19"]


def test_exdate_removes_and_rdate_adds(harness: GcalHarness) -> None:
    ref = _timed(harness, "2026-06-01T09:00:00+02:00", "RRULE:FREQ=WEEKLY;COUNT=3", EXDATE,
                 RDATE)
    assert [s[:10] for s in _starts(harness, ref)] == ["2026-06-01", "2026-06-10",
                                                       "2026-06-15"]


def test_an_edited_occurrence_replaces_its_instance(harness: GcalHarness) -> None:
    a = harness.adapter
    ref = _timed(harness, "2026-06-01T09:00:00+02:00", "RRULE:FREQ=DAILY;COUNT=3")
    second = f"{ref}_20260602T070000Z"
    a.client.call(lambda: a.events.patch(calendarId="primary", eventId=second, body={
        "summary": "moved", "start": {"dateTime": "2026-06-02T11:00:00+02:00"},
        "end": {"dateTime": "2026-06-02T12:00:00+02:00"}}))
    inst = _instances(harness, ref)
    assert [(e["id"], e["summary"]) for e in inst] == [
        (f"{ref}_20260601T070000Z", "s"), (second, "moved"), (f"{ref}_20260603T070000Z", "s")]
    assert inst[1]["originalStartTime"] == {"dateTime": "2026-06-02T09:00:00+02:00",
                                            "timeZone": "Europe/Berlin"}
    got = a.client.call(lambda: a.events.get(calendarId="primary", eventId=second))
    assert got["summary"] == "moved"
    # without singleEvents: the series, plus the exception on its own (the adapter skips it)
    assert a.changes(None).items[0].ref == ref


def test_a_deleted_occurrence_leaves_the_series(harness: GcalHarness) -> None:
    a = harness.adapter
    ref = _timed(harness, "2026-06-01T09:00:00+02:00", "RRULE:FREQ=DAILY;COUNT=3")
    a.client.call(lambda: a.events.delete(calendarId="primary",
                                          eventId=f"{ref}_20260602T070000Z"))
    assert [s[:10] for s in _starts(harness, ref)] == ["2026-06-01", "2026-06-03"]
    assert harness.emu.events["primary"][ref]["status"] == "confirmed"


def test_a_malformed_rule_is_400(harness: GcalHarness) -> None:
    import httpx
    r = httpx.post(f"{harness.emu.base_url}/calendar/v3/calendars/primary/events", json={
        "start": {"date": "2026-06-01"}, "end": {"date": "2026-06-02"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=1XX"]})
    assert r.status_code == 400 and r.json()["error"]["errors"][0]["reason"] == "invalid"


@pytest.fixture(scope="module")
def shared_series() -> Iterator[GcalHarness]:
    sandbox = GcalSandbox()
    yield GcalHarness(sandbox)
    sandbox.stop()


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
       day=st.dates(dt.date(2026, 3, 1), dt.date(2026, 11, 30)),
       hour=st.integers(0, 23), rule=st.sampled_from([
           "FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=DAILY;COUNT=9",
           "FREQ=MONTHLY;BYMONTHDAY=1,15"]),
       skipped=st.sets(st.integers(1, 6), min_size=1, max_size=3), all_day=st.booleans())
def test_exclusions_round_trip_and_the_calendar_skips_them(
        shared_series: GcalHarness, zone: str, day: dt.date, hour: int, rule: str,
        skipped: set[int], all_day: bool) -> None:
    """Exclusions written from the canonical rule read back the same, and the emulator's
    instances (as Google expands the series) are the canonical series' occurrences, across
    DST changes in the event's zone."""
    import uuid

    from hub import recurrence
    from hub.model import DateOnly

    start: recurrence.Moment = DateOnly(date=day) if all_day else ZonedDateTime(
        at=dt.datetime.combine(day, dt.time(hour, 15), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC),
        tz=zone)
    raw = recurrence.upcoming(rule, start, 8)
    fmt = "%Y%m%d" if all_day else "%Y%m%dT%H%M%S"
    full = recurrence.with_exdates(rule, [raw[i].strftime(fmt) for i in skipped if i < len(raw)])
    a = shared_series.adapter
    made = a.create(Item(title="x", due=start, recurrence=full), origin="L",
                    idempotency_key=uuid.uuid4().hex)
    got = a.get(made.ref)
    assert got is not None and got.item.recurrence == full
    listed = shared_series.emu.instances("primary", made.ref, {"maxResults": "6"})["items"]
    key = "date" if all_day else "dateTime"
    seen = [dt.datetime.fromisoformat(e["start"][key]) for e in listed]
    if not all_day:
        seen = [s.astimezone(ZoneInfo(zone)).replace(tzinfo=None) for s in seen]
    assert seen == recurrence.upcoming(full, start, 6)
