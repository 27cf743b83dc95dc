"""Issue 11 on Google Calendar: an odd event never stops a listing. A zone this host does not
know is read in the calendar's zone (logged); a date out of range is reported unreadable; the
last day synchub syncs is written without overflowing."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Iterator

import pytest

from adapters.gcal.sandbox import GcalSandbox
from hub.errors import ValidationRejected
from hub.model import DateOnly, Item, ZonedDateTime
from tests.adapters.gcal.conftest import build


def _timed(sandbox: GcalSandbox, title: str, zone: str, at: str = "2026-12-03T09:00:00"
           ) -> str:
    # The emulator stores any timeZone, as Google returns whatever it holds: a zone Google
    # knows may be newer than this host's tz database (or a name kept for an imported event).
    # Google answers such a time with its offset; for a zone the host cannot resolve the
    # test gives it (the emulator could not work it out either).
    return str(sandbox.emu.insert("primary", {
        "id": uuid.uuid4().hex, "summary": title,
        "start": {"dateTime": at, "timeZone": zone},
        "end": {"dateTime": at.replace("09:", "10:"), "timeZone": zone}})["id"])


def test_an_unknown_zone_is_read_in_the_calendars_zone_with_a_warning(
        sandbox: GcalSandbox, caplog: pytest.LogCaptureFixture) -> None:
    odd = _timed(sandbox, "Foo meeting", "Foo/Bar", at="2026-12-03T09:00:00+01:00")
    fine = _timed(sandbox, "Berlin meeting", "Europe/Berlin")
    a = build(sandbox)
    with caplog.at_level(logging.WARNING, logger="synchub.adapters"):
        listed = a.changes(None)
    got = {r.ref: r.item for r in listed.items}
    assert listed.unreadable == ()
    assert set(got) == {odd, fine}
    # 09:00 in the calendar's zone (the emulator's calendar is in Europe/Berlin)
    assert got[odd].due == ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, tzinfo=dt.UTC),
                                         tz="Europe/Berlin")
    assert any(odd in r.getMessage() and "Foo/Bar" in r.getMessage() and
               r.levelno == logging.WARNING for r in caplog.records)
    one = a.get(odd)
    assert one is not None and one.item.due == got[odd].due


@pytest.fixture
def without_system_tz_database() -> Iterator[None]:
    """As on a slim container or Windows: no /usr/share/zoneinfo, only the tzdata package."""
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    yield
    zoneinfo.reset_tzpath()
    zoneinfo.ZoneInfo.clear_cache()


@pytest.mark.usefixtures("without_system_tz_database")
def test_a_legacy_zone_name_resolves_through_zoneinfo(sandbox: GcalSandbox) -> None:
    """``tzdata`` is a dependency: zoneinfo falls back to it for names the host lacks."""
    ref = _timed(sandbox, "Pacific", "US/Pacific")
    got = build(sandbox).get(ref)
    assert got is not None and got.item.due is not None
    assert got.item.due == ZonedDateTime(at=dt.datetime(2026, 12, 3, 17, tzinfo=dt.UTC),
                                         tz="US/Pacific")


@pytest.mark.nonconforming("plants a start Google would never answer with ('soon')")
def test_a_malformed_start_is_unreadable_and_the_other_events_are_listed(
        sandbox: GcalSandbox) -> None:
    bad = str(sandbox.emu.insert("primary", {
        "id": uuid.uuid4().hex, "summary": "Broken", "start": {"dateTime": "soon"},
        "end": {"dateTime": "later"}})["id"])
    good = sandbox.user_create(Item(title="ok", due=DateOnly(date=dt.date(2026, 12, 1))))
    a = build(sandbox)
    listed = a.changes(None)
    assert [r.ref for r in listed.items] == [good]
    (odd,) = listed.unreadable
    assert (odd.ref, odd.title) == (bad, "Broken") and "soon" in odd.reason
    with pytest.raises(ValidationRejected, match="soon"):
        a.get(bad)


def test_the_last_day_synchub_syncs_is_written_as_an_all_day_event_without_overflow(
        sandbox: GcalSandbox) -> None:
    """The exclusive end of the last day, and the end of a block starting on it, lie past the
    canonical range: they are written as plain values, never refused half-way or overflowed
    (guards the model's bound against the calendar's end arithmetic)."""
    a = build(sandbox)
    last = Item(title="end of time", due=DateOnly(date=dt.date(9998, 12, 31)))
    created = a.create(last, origin="L", idempotency_key=uuid.uuid4().hex)
    ev = sandbox.emu.events["primary"][created.ref]
    assert (ev["start"], ev["end"]) == ({"date": "9998-12-31"}, {"date": "9999-01-01"})
    assert created.item.due == last.due
    late = Item(title="late", due=ZonedDateTime(
        at=dt.datetime(9998, 12, 31, 23, 50, tzinfo=dt.UTC), tz="UTC"))  # ends past the range
    moved = a.update(created.ref, late, fields=frozenset({"due"}),
                     expected_version=created.version, idempotency_key=uuid.uuid4().hex)
    assert moved.item.due == late.due
    assert sandbox.emu.events["primary"][created.ref]["end"]["dateTime"].startswith(
        "9999-01-01T00:20")
