"""Issue 11 on Notion: a page whose date synchub cannot hold, or whose value has an odd
shape, is reported unreadable and the others are listed (body mode too); a ``time_zone`` this
host does not know reads in the user's zone, logged."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from adapters.notion import convert
from adapters.notion.emulator import NotionEmulator
from hub.errors import ValidationRejected
from hub.model import DateOnly, Item, ZonedDateTime
from tests.adapters.notion.conftest import NotionHarness, build


def _page(harness: NotionHarness, title: str, due: dict[str, object]) -> str:
    return str(harness.emu.create_page(harness.ds, {
        "Name": {"title": [{"type": "text", "text": {"content": title}}]},
        "Due": {"date": due}})["id"])


def test_a_range_ending_on_the_last_day_is_unreadable_with_a_clear_reason(
        harness: NotionHarness) -> None:
    odd = _page(harness, "Long haul", {"start": "9998-12-01", "end": "9998-12-31"})
    fine = harness.user_create(Item(title="fine", due=DateOnly(date=dt.date(2026, 12, 1))))
    listed = harness.adapter.changes(None)
    assert [r.ref for r in listed.items] == [fine]
    (bad,) = listed.unreadable
    assert (bad.ref, bad.title) == (odd, "Long haul")
    assert bad.reason == ("date 9998-12-31 is out of range: synchub syncs the last day of a "
                          "range from 0001-01-02 to 9998-12-30")


def test_an_odd_value_shape_is_unreadable_in_body_mode_too(
        harness: NotionHarness, emu: NotionEmulator) -> None:
    odd = _page(harness, "Odd", {"start": "2026-12-01"})
    emu.pages[odd]["properties"]["Due"]["date"] = {"start": "next tuesday"}  # not ISO 8601
    fine = harness.user_create(Item(title="fine"))
    a = build(emu, harness.db, options={"targets": {"description": "body"}})
    listed = a.changes(None)
    assert [r.ref for r in listed.items] == [fine]
    (bad,) = listed.unreadable
    assert bad.ref == odd and bad.title == "Odd" and "next tuesday" in bad.reason
    with pytest.raises(ValidationRejected, match="next tuesday"):
        a.get(odd)


def test_an_unknown_time_zone_reads_in_the_users_zone(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="synchub.adapters"):
        due, span = convert.read_date({"start": "2026-12-03T09:00:00", "end": None,
                                       "time_zone": "Foo/Bar"}, "Europe/Berlin", "page p1")
    assert span is None
    assert due == ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, tzinfo=dt.UTC),
                                tz="Europe/Berlin")
    assert any("page p1" in r.getMessage() and "Foo/Bar" in r.getMessage()
               for r in caplog.records)
