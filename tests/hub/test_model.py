"""The canonical model: normalisation, time kinds kept apart, equality on content."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.model import (
    DateOnly,
    FloatingDateTime,
    Item,
    Span,
    Status,
    StatusKind,
    ZonedDateTime,
    diff_fields,
    normalise_rrule,
)


def test_same_content_spelled_differently_is_equal_and_hashes_equal() -> None:
    a = Item(title=" Plan ", labels=["b", "a", "a"], assignee="Me@Example.com",
             description="line  \r\nnext\n\n", recurrence="rrule:byday=mo;freq=weekly")
    b = Item(title="Plan", labels=["a", "b"], assignee="me@example.com",
             description="line\nnext", recurrence="FREQ=WEEKLY;BYDAY=MO")
    assert a == b and hash(a) == hash(b)
    assert diff_fields(a, b) == set()


def test_metadata_is_not_content() -> None:
    a = Item(title="x", updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), origin="l1")
    assert a == Item(title="x")


def test_status_compares_by_kind_and_keeps_raw() -> None:
    s = Status(kind=StatusKind.DONE, raw="Closed")
    assert s == Status(kind=StatusKind.DONE, raw="Done")
    assert Item(status=s).status.raw == "Closed"


def test_three_time_kinds_are_never_equal_to_each_other() -> None:
    d = DateOnly(date=dt.date(2026, 3, 29))
    f = FloatingDateTime(at=dt.datetime(2026, 3, 29, 0, 0))
    z = ZonedDateTime(at=dt.datetime(2026, 3, 29, tzinfo=dt.UTC), tz="UTC")
    assert len({Item(due=d), Item(due=f), Item(due=z)}) == 3


def test_zoned_equality_is_on_instant_and_zone() -> None:
    berlin = ZonedDateTime(at=dt.datetime(2026, 3, 29, 9, 0, tzinfo=dt.timezone(
        dt.timedelta(hours=2))), tz="Europe/Berlin")
    same = ZonedDateTime(at=dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC), tz="Europe/Berlin")
    assert berlin == same
    assert berlin.local().hour == 9  # CEST after the 29 March 2026 change
    assert berlin != ZonedDateTime(at=same.at, tz="UTC")


def test_bad_values_are_rejected() -> None:
    with pytest.raises(ValidationError):
        FloatingDateTime(at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        ZonedDateTime(at=dt.datetime(2026, 1, 1), tz="UTC")
    with pytest.raises(ValidationError):
        ZonedDateTime(at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tz="Mars/Olympus")
    with pytest.raises(ValidationError):
        Item(priority=5)
    with pytest.raises(ValueError):
        normalise_rrule("BYDAY=MO")


def test_all_day_span_end_is_exclusive() -> None:
    day = dt.date(2026, 12, 5)
    with pytest.raises(ValidationError):
        Span(start=DateOnly(date=day), end=DateOnly(date=day))
    span = Span(start=DateOnly(date=day), end=DateOnly(date=day + dt.timedelta(days=1)))
    assert span.all_day
    with pytest.raises(ValidationError):
        Span(start=DateOnly(date=day), end=FloatingDateTime(at=dt.datetime(2026, 12, 6)))


@given(st.builds(Item, title=st.text(max_size=20), labels=st.lists(st.text(max_size=5)),
                 priority=st.none() | st.integers(1, 4)))
def test_json_round_trip_preserves_content(item: Item) -> None:
    again = Item.from_json(item.to_json())
    assert again == item and again.content_hash() == item.content_hash()
