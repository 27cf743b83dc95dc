"""Dates outside what every service and the end-exclusive arithmetic can hold are refused when
a canonical value is built, with a message a person can act on (issue 11: a due of 9999-12-31
raised OverflowError half-way through applying a round)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from hub.model import MAX_DATE, MIN_DATE, DateOnly, FloatingDateTime, Span, ZonedDateTime

RANGE = "synchub syncs dates from 0001-01-02 to 9998-12-31"


@pytest.mark.parametrize("day", [dt.date(9999, 12, 31), dt.date(9999, 1, 1), dt.date(1, 1, 1)])
def test_a_date_out_of_range_is_refused_with_the_value_and_the_range(day: dt.date) -> None:
    with pytest.raises(ValidationError) as info:
        DateOnly(date=day)
    assert f"date {day.isoformat()} is out of range: {RANGE}" in str(info.value)


def test_times_out_of_range_are_refused_not_overflowing() -> None:
    with pytest.raises(ValidationError, match="out of range"):
        FloatingDateTime(at=dt.datetime(9999, 12, 31, 9))
    minus5 = dt.timezone(-dt.timedelta(hours=5))
    with pytest.raises(ValidationError, match="9999-12-31 is out of range"):  # no UTC reading
        ZonedDateTime(at=dt.datetime(9999, 12, 31, 23, tzinfo=minus5))
    with pytest.raises(ValidationError, match="out of range"):
        ZonedDateTime(at=dt.datetime(1, 1, 1, 1, tzinfo=dt.UTC))


def test_the_edges_of_the_range_leave_room_for_end_exclusive_and_zone_arithmetic() -> None:
    last, first = DateOnly(date=MAX_DATE), DateOnly(date=MIN_DATE)
    assert Span(start=first, end=last).all_day
    assert last.date + dt.timedelta(days=1) == dt.date(9999, 1, 1)  # an all-day end fits
    assert first.date - dt.timedelta(days=1) == dt.date(1, 1, 1)  # an inclusive end fits
    with pytest.raises(ValidationError, match="9999-01-01 is out of range"):  # its local date
        ZonedDateTime(at=dt.datetime(MAX_DATE.year, 12, 31, 23, 59, tzinfo=dt.UTC),
                      tz="Pacific/Kiritimati")
    # a floating time is a day further in, so placing it in any zone stays in range
    late = FloatingDateTime(at=dt.datetime(9998, 12, 30, 23, 59))
    placed = ZonedDateTime(at=late.at.replace(tzinfo=ZoneInfo("Pacific/Pago_Pago")),
                           tz="Pacific/Pago_Pago")
    assert placed.at.date() == MAX_DATE
    with pytest.raises(ValidationError, match="floating times from 0001-01-03 to 9998-12-30"):
        FloatingDateTime(at=dt.datetime(9998, 12, 31, 9))
