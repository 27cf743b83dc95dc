"""Google's patch semantics: nested objects are merged, arrays replaced, null clears a field.
So switching an event between all-day and timed must clear the other kind's fields."""

from __future__ import annotations

import datetime as dt

import httpx

from hub.model import DateOnly, Item, ZonedDateTime
from tests.adapters.gcal.conftest import GcalHarness

NINE = ZonedDateTime(at=dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")
DAY = DateOnly(date=dt.date(2026, 6, 2))


def _patch(h: GcalHarness, ref: str, body: dict[str, object]) -> dict[str, object]:
    r = httpx.patch(f"{h.emu.base_url}/calendar/v3/calendars/primary/events/{ref}", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_emulator_merges_nested_objects_and_replaces_arrays(harness: GcalHarness) -> None:
    ref = harness.user_create(Item(title="x", description="d", due=NINE,
                                   recurrence="FREQ=DAILY"))
    ev = _patch(harness, ref, {"start": {"timeZone": "Europe/Paris"}})
    assert ev["start"] == {"dateTime": "2026-06-01T09:00:00+02:00", "timeZone": "Europe/Paris"}
    ev = _patch(harness, ref, {"recurrence": ["RRULE:FREQ=WEEKLY"]})
    assert ev["recurrence"] == ["RRULE:FREQ=WEEKLY"]
    ev = _patch(harness, ref, {"description": None})
    assert "description" not in ev and ev["summary"] == "x"


def test_a_patch_that_leaves_no_start_is_400(harness: GcalHarness) -> None:
    ref = harness.user_create(Item(title="x", due=NINE))
    r = httpx.patch(f"{harness.emu.base_url}/calendar/v3/calendars/primary/events/{ref}",
                    json={"start": {"dateTime": None}})
    assert r.status_code == 400


def test_timed_to_all_day_clears_the_time(harness: GcalHarness) -> None:
    a = harness.adapter
    created = a.create(Item(title="x", due=NINE), origin="L", idempotency_key="t2d")
    a.update(created.ref, Item(title="x", due=DAY), fields=frozenset({"due"}),
             expected_version=created.version, idempotency_key="u")
    ev = harness.emu.events["primary"][created.ref]
    assert ev["start"] == {"date": "2026-06-02"} and ev["end"] == {"date": "2026-06-03"}
    got = a.get(created.ref)
    assert got is not None and got.item.due == DAY


def test_all_day_to_timed_clears_the_date(harness: GcalHarness) -> None:
    a = harness.adapter
    created = a.create(Item(title="x", due=DAY), origin="L", idempotency_key="d2t")
    a.update(created.ref, Item(title="x", due=NINE), fields=frozenset({"due"}),
             expected_version=created.version, idempotency_key="u")
    ev = harness.emu.events["primary"][created.ref]
    assert ev["start"] == {"dateTime": "2026-06-01T09:00:00+02:00",
                           "timeZone": "Europe/Berlin"}
    assert "date" not in ev["end"]
    got = a.get(created.ref)
    assert got is not None and got.item.due == NINE


def test_the_sandbox_user_switches_kinds_too(harness: GcalHarness) -> None:
    ref = harness.user_create(Item(title="x", due=NINE))
    harness.user_edit(ref, due=DAY)
    assert harness.emu.events["primary"][ref]["start"] == {"date": "2026-06-02"}
