"""The per-item reading helpers every adapter uses (adapters.base): one odd item is reported
with a reason a person can act on, a failed request is not mistaken for an odd item, and a
zone nobody knows falls back instead of failing."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.base import RemoteItem
from adapters.reading import convert_each, convert_one, unreadable_reason, zone_name
from hub.errors import Transient, ValidationRejected
from hub.model import DateOnly, Item


def _convert(raw: dict[str, Any]) -> RemoteItem:
    return RemoteItem(ref=raw["id"], item=Item(title=raw["title"], due=DateOnly(
        date=dt.date.fromisoformat(raw["due"]))))


def test_convert_each_reports_the_odd_ones_and_keeps_the_rest_in_order() -> None:
    raws = [{"id": "1", "title": "a", "due": "2026-12-01"},
            {"id": "2", "title": "b", "due": "9999-12-31"},
            {"id": "3", "title": "c"},
            {"id": "4", "title": "d", "due": "2026-12-04"}]
    items, bad = convert_each(raws, _convert, ref=lambda r: r["id"], title=lambda r: r["title"])
    assert [r.ref for r in items] == ["1", "4"]
    assert [(u.ref, u.title) for u in bad] == [("2", "b"), ("3", "c")]
    assert bad[0].reason == ("date 9999-12-31 is out of range: synchub syncs dates from "
                             "0001-01-02 to 9998-12-31")
    assert bad[1].reason == "unexpected shape: no 'due' in it"


def test_a_failed_request_while_converting_fails_the_listing() -> None:
    def convert(raw: dict[str, Any]) -> RemoteItem:
        raise Transient("503 reading the page body", service="notion")
    with pytest.raises(Transient):
        convert_each([{"id": "1"}], convert, ref=lambda r: r["id"], title=lambda r: "")


def test_a_title_that_cannot_be_read_is_empty_not_a_second_failure() -> None:
    _, bad = convert_each([{"id": "9"}], _convert, ref=lambda r: r["id"],
                          title=lambda r: r["properties"]["Name"])
    assert bad[0].title == "" and bad[0].ref == "9"


def test_convert_one_raises_validation_rejected_with_the_same_reason() -> None:
    with pytest.raises(ValidationRejected) as info:
        convert_one({"id": "2", "title": "b", "due": "9999-12-31"}, _convert, service="x",
                    what="task 2")
    assert info.value.service == "x"
    assert info.value.message.startswith("task 2 cannot be read: date 9999-12-31 is out of")


@pytest.mark.parametrize(("exc", "reason"), [
    (KeyError("start"), "unexpected shape: no 'start' in it"),
    (OverflowError("date value out of range"),
     "a date or time out of range (date value out of range)"),
    (TypeError("'NoneType' object is not subscriptable"),
     "TypeError: 'NoneType' object is not subscriptable"),
    (ValueError("Invalid isoformat string: 'soon'\nmore"), "Invalid isoformat string: 'soon' more"),
])
def test_reasons_are_one_line_and_say_which_value(exc: Exception, reason: str) -> None:
    assert unreadable_reason(exc) == reason


def test_an_unknown_zone_names_itself_in_the_reason() -> None:
    try:
        ZoneInfo("Foo/Bar")
    except Exception as exc:
        assert "Foo/Bar" in unreadable_reason(exc)
        assert unreadable_reason(exc).startswith("unknown time zone")


def test_zone_name_falls_back_in_order_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="synchub.adapters"):
        assert zone_name("Europe/Berlin", "UTC", what="event e1") == "Europe/Berlin"
        assert zone_name(None, "Asia/Tokyo", what="event e2") == "Asia/Tokyo"
        assert caplog.records == []
        assert zone_name("Foo/Bar", "Nope/Nope", "America/Denver", what="event e3") == \
            "America/Denver"
        assert zone_name("Foo/Bar", what="event e4") == "UTC"
    assert [r.getMessage() for r in caplog.records] == [
        "event e3: unknown time zone 'Foo/Bar'; read in America/Denver instead",
        "event e4: unknown time zone 'Foo/Bar'; read in UTC instead"]
