"""``due`` mode keeps what the user did to the event: a moved due keeps the event's own
length; and times that carry no zone are read in the calendar's zone, not the user's."""

from __future__ import annotations

import datetime as dt

from adapters.base import EndpointContext, WriteKind, WriteOp
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.adapter import GcalAdapter
from adapters.gcal.sandbox import GcalSandbox
from hub.model import DateOnly, Item, ZonedDateTime
from tests.adapters.gcal.conftest import GcalHarness, build


def _at(hour: int, day: int = 1) -> ZonedDateTime:
    return ZonedDateTime(at=dt.datetime(2026, 6, day, hour - 2, 0, tzinfo=dt.UTC),
                         tz="Europe/Berlin")  # hour is Berlin summer time


def test_a_moved_due_keeps_the_length_the_user_gave_the_event(harness: GcalHarness) -> None:
    a = harness.adapter
    made = a.create(Item(title="x", due=_at(9)), origin="L", idempotency_key="k")
    harness.emu.patch("primary", made.ref, {"end": {"dateTime": "2026-06-01T10:30:00+02:00"}},
                      None)  # the user drags the end: 90 minutes
    (seen,) = a.changes(None).items
    a.update(made.ref, seen.item.evolve(due=_at(14)), fields=frozenset({"due"}),
             expected_version=seen.version, idempotency_key="u")
    ev = harness.emu.events["primary"][made.ref]
    assert ev["start"]["dateTime"] == "2026-06-01T14:00:00+02:00"
    assert ev["end"]["dateTime"] == "2026-06-01T15:30:00+02:00"


def test_a_fresh_adapter_reads_the_length_first_in_a_batch(harness: GcalHarness) -> None:
    refs = []
    for i in range(3):
        made = harness.adapter.create(Item(title=f"x{i}", due=_at(9)), origin=f"L{i}",
                                      idempotency_key=f"k{i}")
        harness.emu.patch("primary", made.ref, {"end": {"dateTime":
                                                        "2026-06-01T11:00:00+02:00"}}, None)
        refs.append(made.ref)
    fresh = build(harness.sandbox)
    harness.emu.reset_counts()
    ops = [WriteOp(WriteKind.UPDATE, f"u{i}", item=Item(title=f"x{i}", due=_at(12, 2)), ref=ref,
                   fields=frozenset({"due"}),
                   expected_version=harness.emu.events["primary"][ref]["etag"])
           for i, ref in enumerate(refs)]
    assert all(r.error is None for r in fresh.write_batch(ops))
    assert harness.emu.requests["POST /batch/calendar/v3"] == 2  # one read, one write
    for ref in refs:
        assert harness.emu.events["primary"][ref]["end"]["dateTime"] == \
            "2026-06-02T14:00:00+02:00"


def test_a_multi_day_all_day_event_keeps_its_days(harness: GcalHarness) -> None:
    ref = harness.emu.insert("primary", {"summary": "trip", "start": {"date": "2026-06-01"},
                                         "end": {"date": "2026-06-04"}})["id"]
    (seen,) = harness.adapter.changes(None).items
    harness.adapter.update(ref, seen.item.evolve(due=DateOnly(date=dt.date(2026, 7, 1))),
                           fields=frozenset({"due"}), expected_version=seen.version,
                           idempotency_key="u")
    ev = harness.emu.events["primary"][ref]
    assert (ev["start"], ev["end"]) == ({"date": "2026-07-01"}, {"date": "2026-07-04"})


def test_switching_kind_takes_the_default_length(harness: GcalHarness) -> None:
    ref = harness.emu.insert("primary", {"summary": "trip", "start": {"date": "2026-06-01"},
                                         "end": {"date": "2026-06-04"}})["id"]
    (seen,) = harness.adapter.changes(None).items
    harness.adapter.update(ref, seen.item.evolve(due=_at(9)), fields=frozenset({"due"}),
                           expected_version=seen.version, idempotency_key="u")
    assert harness.emu.events["primary"][ref]["end"] == {
        "dateTime": "2026-06-01T09:30:00+02:00", "timeZone": "Europe/Berlin"}


def _ny(sandbox: GcalSandbox) -> GcalAdapter:
    sandbox.emu.add_calendar("ny", "New York office", tz="America/New_York")
    sandbox.emu.insert("ny", {"id": "standup001", "summary": "standup",
                              "start": {"dateTime": "2026-06-01T09:00:00-04:00"},
                              "end": {"dateTime": "2026-06-01T09:15:00-04:00"}})
    return GcalAdapterFactory().build(
        GcalConnection.model_validate(sandbox.connection), GcalScope(calendar_id="ny"),
        EndpointContext(name="g", flow="t", timezone="Europe/Berlin"))


def test_times_without_a_zone_are_in_the_calendars_zone(sandbox: GcalSandbox) -> None:
    (seen,) = _ny(sandbox).changes(None).items
    assert seen.item.due == ZonedDateTime(at=dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC),
                                          tz="America/New_York")


def test_a_single_read_asks_for_the_calendars_zone_once(sandbox: GcalSandbox) -> None:
    a = _ny(sandbox)
    sandbox.emu.reset_counts()
    got, again = a.get("standup001"), a.get("standup001")
    assert got is not None and again is not None
    assert got.item.due.tz == "America/New_York"  # type: ignore[union-attr]
    assert sandbox.emu.requests["GET /calendar/v3/calendars/ny"] == 1
