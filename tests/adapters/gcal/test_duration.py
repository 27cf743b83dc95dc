"""A calendar event's length is the item's duration (due mode), read back as written."""

from __future__ import annotations

import datetime as dt

from adapters.gcal import convert
from hub.model import DateOnly, Item, ZonedDateTime

BLOCK = dt.timedelta(minutes=30)
AT = ZonedDateTime(at=dt.datetime(2026, 5, 4, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")
DAY = DateOnly(date=dt.date(2026, 5, 4))
FIELDS = frozenset({"title", "due", "duration"})


def written(item: Item) -> dict:
    body = convert.to_body(item, FIELDS, "due", BLOCK, "Europe/Berlin")
    return body | {"id": "e1"}


def read(ev: dict) -> int | None:
    return convert.to_item(ev, "due", "Europe/Berlin", block=BLOCK).duration


def test_a_duration_is_the_block_and_reads_back() -> None:
    ev = written(Item(title="t", due=AT, duration=90))
    assert ev["end"]["dateTime"].startswith("2026-05-04T10:30")
    assert read(ev) == 90


def test_no_duration_is_a_default_block_that_reads_as_none() -> None:
    ev = written(Item(title="t", due=AT))
    assert ev["end"]["dateTime"].startswith("2026-05-04T09:30")
    assert read(ev) is None


def test_a_length_changed_in_the_calendar_is_the_duration() -> None:
    ev = written(Item(title="t", due=AT))
    ev["end"] = {"dateTime": "2026-05-04T10:15:00+02:00", "timeZone": "Europe/Berlin"}
    assert read(ev) == 75
    mine = {k: v for k, v in written(Item(title="t", due=AT, duration=90)).items()
            if k != "extendedProperties"}  # a person's event: its length
    assert read(mine) == 90


def test_all_day_events_hold_whole_days_and_keep_what_they_cannot_show() -> None:
    two = written(Item(title="t", due=DAY, duration=2880))
    assert two["end"] == {"date": "2026-05-06"} and read(two) == 2880
    odd = written(Item(title="t", due=DAY, duration=90))  # one day, 90 minutes kept
    assert odd["end"] == {"date": "2026-05-05"} and read(odd) == 90
    plain = {"id": "e2", "start": {"date": "2026-05-04"}, "end": {"date": "2026-05-05"}}
    assert read(plain) is None
    plain["end"] = {"date": "2026-05-07"}
    assert read(plain) == 3 * 1440


def test_an_event_synchub_made_before_durations_reads_no_duration() -> None:
    ev = written(Item(title="t", due=AT))
    ev["extendedProperties"] = {"private": {convert.ORIGIN_KEY: "link-1"}}
    assert read(ev) is None
