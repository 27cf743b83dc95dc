"""Dates through Notion: times are written with their UTC offset (a wall-clock time plus
``time_zone`` cannot say which 02:30 of an autumn DST change it means) and read back as the
same instant in the user's zone (Notion answers with offsets and ``time_zone: null``)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from adapters.notion import convert
from adapters.notion.sandbox import NotionSandbox
from hub.model import DateOnly, FloatingDateTime, Item, Span, ZonedDateTime
from tests.adapters.notion.conftest import HEADERS, NotionHarness

BERLIN = "Europe/Berlin"


def z(text: str, tz: str = BERLIN) -> ZonedDateTime:
    return ZonedDateTime(at=dt.datetime.fromisoformat(text), tz=tz)


def _round_trip(harness: NotionHarness, item: Item) -> Item:
    a = harness.adapter
    created = a.create(item, origin="L", idempotency_key="k")
    got = a.get(created.ref)
    assert got is not None
    return got.item


@pytest.mark.parametrize("utc", ["2026-10-25T00:30:00+00:00", "2026-10-25T01:30:00+00:00"])
def test_both_times_of_the_autumn_overlap_keep_their_instant(harness: NotionHarness,
                                                             utc: str) -> None:
    """02:30 happens twice in Berlin that night: 00:30 UTC (CEST) and 01:30 UTC (CET)."""
    got = _round_trip(harness, Item(title="x", due=z(utc)))
    assert got.due == z(utc)
    sent = [json.loads(b) for b in harness.emu.request_bodies if b and b"Due" in b][-1]
    wall = "2026-10-25T02:30:00+02:00" if utc.startswith("2026-10-25T00") \
        else "2026-10-25T02:30:00+01:00"
    assert sent["properties"]["Due"]["date"] == {"start": wall, "end": None, "time_zone": None}


def test_a_zoned_span_across_the_spring_change(harness: NotionHarness) -> None:
    span = Span(start=z("2026-03-29T00:30:00+00:00"), end=z("2026-03-29T02:00:00+00:00"))
    got = _round_trip(harness, Item(title="x", due=span.start, span=span))
    assert got.span == span and got.due == span.start


def test_a_floating_span_is_kept_in_the_users_zone(harness: NotionHarness) -> None:
    start, end = FloatingDateTime(at=dt.datetime(2026, 7, 1, 9)), \
        FloatingDateTime(at=dt.datetime(2026, 7, 1, 10, 30))
    got = _round_trip(harness, Item(title="x", due=start, span=Span(start=start, end=end)))
    assert got.span == Span(start=z("2026-07-01T07:00:00+00:00"),
                            end=z("2026-07-01T08:30:00+00:00"))
    assert got.span == harness.adapter.represent("span", Span(start=start, end=end))


def test_a_time_in_another_zone_reads_back_as_its_instant_in_the_users_zone(
        harness: NotionHarness) -> None:
    tokyo = z("2026-12-03T00:00:00+00:00", "Asia/Tokyo")
    got = _round_trip(harness, Item(title="x", due=tokyo))
    assert got.due == z("2026-12-03T00:00:00+00:00", BERLIN)
    assert got.due == harness.adapter.represent("due", tokyo)


def test_all_day_dates_and_spans(harness: NotionHarness) -> None:
    day = DateOnly(date=dt.date(2026, 10, 25))
    three = Span(start=day, end=DateOnly(date=dt.date(2026, 10, 28)))  # end exclusive
    got = _round_trip(harness, Item(title="x", due=day, span=three))
    assert got.due == day and got.span == three
    one = Span(start=day, end=DateOnly(date=dt.date(2026, 10, 26)))
    got = _round_trip(harness, Item(title="x", due=day, span=one))
    assert got.span is None and harness.adapter.represent("span", one) is None


def test_reading_what_notion_answers() -> None:
    due, span = convert.read_date({"start": "2026-10-25T02:30:00.000+01:00",
                                   "end": "2026-10-25T03:00:00.000+01:00",
                                   "time_zone": None}, BERLIN)
    assert due == z("2026-10-25T01:30:00+00:00")
    assert span == Span(start=due, end=z("2026-10-25T02:00:00+00:00"))
    # A wall-clock time with a zone (as written by other tools) is read in that zone.
    due, _ = convert.read_date({"start": "2026-07-01T09:00:00", "time_zone": "Asia/Tokyo"},
                               BERLIN)
    assert due == z("2026-07-01T00:00:00+00:00", "Asia/Tokyo")


def test_the_emulator_keeps_notions_date_rules(sandbox: NotionSandbox) -> None:
    def write(date: dict[str, object]) -> httpx.Response:
        return httpx.post(f"{sandbox.emu.base_url}/v1/pages", headers=HEADERS, json={
            "parent": {"data_source_id": sandbox.ds},
            "properties": {"Name": {"title": []}, "Due": {"date": date}}})

    for bad in ({"start": "2026-07-01T09:00:00+02:00", "time_zone": BERLIN},
                {"start": "2026-07-01", "time_zone": BERLIN},
                {"start": "2026-07-01T09:00:00", "time_zone": "Mars/Olympus"}):
        resp = write(bad)
        assert (resp.status_code, resp.json()["code"]) == (400, "validation_error"), bad
    ok = write({"start": "2026-10-25T02:30:00", "time_zone": BERLIN}).json()
    assert ok["properties"]["Due"]["date"] == {"start": "2026-10-25T02:30:00.000+02:00",
                                               "end": None, "time_zone": None}
