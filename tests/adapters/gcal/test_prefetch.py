"""A patch that depends on the event as it is (a new rule keeps the EXDATE/RDATE lines, a
moved due keeps the event's length) is not sent when reading the event failed: If-Match
cannot catch it (the event is at the expected version), so the op fails with the read's error
and a later round, when the read works, writes it correctly."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

import pytest

from adapters.base import WriteKind, WriteOp, WriteResult
from adapters.faults import FaultKind
from adapters.gcal.adapter import GcalAdapter
from adapters.gcal.emulator import GcalEmulator
from hub.errors import RateLimited, SyncHubError, Transient
from hub.model import Item, ZonedDateTime
from tests.adapters.gcal.conftest import GcalHarness, build
from tests.adapters.gcal.test_recurrence import EXDATE, RDATE, _series

PATH = "/calendar/v3/calendars/primary/events/"
TEN = ZonedDateTime(at=dt.datetime(2026, 6, 3, 8, 0, tzinfo=dt.UTC), tz="Europe/Berlin")


def _hour_long(emu: GcalEmulator) -> str:
    """A timed event the user made an hour long (the default block is 30 minutes)."""
    return str(emu.insert("primary", {
        "id": "hour00001", "summary": "review",
        "start": {"dateTime": "2026-06-02T10:00:00+02:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-06-02T11:00:00+02:00", "timeZone": "Europe/Berlin"}})["id"])


def _ops(emu: GcalEmulator, series: str, hour: str, key: str) -> list[WriteOp]:
    events = emu.events["primary"]
    return [
        WriteOp(WriteKind.UPDATE, f"{key}-rule", ref=series,
                item=Item(title="standup", recurrence="FREQ=WEEKLY;COUNT=4"),
                fields=frozenset({"recurrence"}), expected_version=events[series]["etag"]),
        WriteOp(WriteKind.UPDATE, f"{key}-due", ref=hour, item=Item(title="review", due=TEN),
                fields=frozenset({"due"}), expected_version=events[hour]["etag"])]


def _quota(emu: GcalEmulator, ref: str) -> None:
    emu.inject_quota_error(op=PATH + ref, count=1, reason="rateLimitExceeded")


def _too_many(emu: GcalEmulator, ref: str) -> None:
    emu.inject_error(op=PATH + ref, status=429)


def _backend(emu: GcalEmulator, ref: str) -> None:
    emu.inject_error(op=PATH + ref, status=500)


FAULTS: list[tuple[Callable[[GcalEmulator, str], None], type[SyncHubError]]] = [
    (_quota, RateLimited), (_too_many, RateLimited), (_backend, Transient)]


def _errors(results: list[WriteResult]) -> list[type[SyncHubError] | None]:
    return [type(r.error) if r.error is not None else None for r in results]


@pytest.mark.parametrize(("fail", "error"), FAULTS, ids=["403-rate", "429", "500"])
def test_a_failed_read_fails_the_op_and_a_later_round_writes_it(
        harness: GcalHarness, fail: Callable[[GcalEmulator, str], None],
        error: type[SyncHubError]) -> None:
    emu = harness.emu
    series, hour = _series(harness.sandbox), _hour_long(emu)
    before = {ref: copy.deepcopy(emu.events["primary"][ref]) for ref in (series, hour)}
    fresh = build(harness.sandbox)  # a new run: it has read neither event
    fail(emu, series)
    fail(emu, hour)
    results = fresh.write_batch(_ops(emu, series, hour, "a"))
    assert _errors(results) == [error, error]
    assert emu.events["primary"][series]["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=10",
                                                           EXDATE, RDATE]
    assert emu.events["primary"][hour]["end"] == before[hour]["end"]
    assert {ref: emu.events["primary"][ref]["etag"] for ref in before} == {
        ref: ev["etag"] for ref, ev in before.items()}  # nothing was written

    again = fresh.write_batch(_ops(emu, series, hour, "b"))
    assert _errors(again) == [None, None]
    assert emu.events["primary"][series]["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4",
                                                           EXDATE, RDATE]
    assert emu.events["primary"][hour]["end"] == {
        "dateTime": "2026-06-03T11:00:00+02:00", "timeZone": "Europe/Berlin"}  # an hour


def test_only_the_op_whose_read_failed_is_held_back(harness: GcalHarness) -> None:
    emu = harness.emu
    series, hour = _series(harness.sandbox), _hour_long(emu)
    fresh = build(harness.sandbox)
    _quota(emu, series)
    ops = [*_ops(emu, series, hour, "a"), WriteOp(
        WriteKind.UPDATE, "a-title", ref=hour, item=Item(title="renamed"),
        fields=frozenset({"title"}))]
    assert _errors(fresh.write_batch(ops)) == [RateLimited, None, None]
    assert emu.events["primary"][series]["recurrence"][1:] == [EXDATE, RDATE]
    assert emu.events["primary"][hour]["summary"] == "renamed"


def test_a_stale_entry_is_not_used_when_the_read_fails(harness: GcalHarness) -> None:
    """The adapter saw the series before the user removed one more occurrence; the hub
    expects the new version. Its lines are not the ones last seen, so they are read, and a
    failed read must not fall back to the old lines (which would bring the occurrence back)."""
    emu = harness.emu
    series = _series(harness.sandbox)
    adapter: GcalAdapter = harness.adapter
    adapter.changes(None)  # seen with one EXDATE
    extra = "EXDATE;TZID=Europe/Berlin:20260615T090000"
    emu.patch("primary", series, {"recurrence": [*emu.events["primary"][series]["recurrence"],
                                                 extra]}, None)
    version = emu.events["primary"][series]["etag"]
    _too_many(emu, series)
    with pytest.raises(RateLimited):
        adapter.update(series, Item(title="standup", recurrence="FREQ=WEEKLY;COUNT=4"),
                       fields=frozenset({"recurrence"}), expected_version=version,
                       idempotency_key="u")
    assert emu.events["primary"][series]["etag"] == version
    adapter.update(series, Item(title="standup", recurrence="FREQ=WEEKLY;COUNT=4"),
                   fields=frozenset({"recurrence"}), expected_version=version,
                   idempotency_key="u")
    assert emu.events["primary"][series]["recurrence"] == [
        "RRULE:FREQ=WEEKLY;COUNT=4", EXDATE, RDATE, extra]


def test_a_failed_read_batch_holds_back_its_patches(harness: GcalHarness) -> None:
    """The whole batch of reads fails (503 on the envelope): no patch that needed it is
    sent, the writes that did not need it still are."""
    emu = harness.emu
    series, hour = _series(harness.sandbox), _hour_long(emu)
    fresh = build(harness.sandbox)
    emu.faults.inject(FaultKind.SERVER_ERROR, op="batch", count=1)
    ops = [*_ops(emu, series, hour, "a"), WriteOp(
        WriteKind.UPDATE, "a-title", ref=series, item=Item(title="renamed"),
        fields=frozenset({"title"}))]
    assert _errors(fresh.write_batch(ops)) == [Transient, Transient, None]
    assert emu.events["primary"][series]["recurrence"][1:] == [EXDATE, RDATE]
    assert emu.events["primary"][series]["summary"] == "renamed"
    assert emu.events["primary"][hour]["end"]["dateTime"] == "2026-06-02T11:00:00+02:00"
