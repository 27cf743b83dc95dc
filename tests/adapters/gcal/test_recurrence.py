"""Recurring events: the rule round-trips (COUNT, UNTIL), and writing it keeps the event's
other recurrence lines (EXDATE/RDATE: occurrences removed or added in the calendar)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from adapters.gcal.sandbox import GcalSandbox
from hub.model import Item, ZonedDateTime, normalise_rrule
from tests.adapters.gcal.conftest import GcalHarness, build

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
    assert seen.item.recurrence == "FREQ=WEEKLY;COUNT=10"
    harness.adapter.update(ref, seen.item.evolve(recurrence="FREQ=WEEKLY;UNTIL=20261231T235959Z"),
                           fields=frozenset({"recurrence"}), expected_version=seen.version,
                           idempotency_key="u")
    assert harness.emu.events["primary"][ref]["recurrence"] == [
        "RRULE:FREQ=WEEKLY;UNTIL=20261231T235959Z", EXDATE, RDATE]


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
