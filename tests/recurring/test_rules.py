"""Issue 15: the next occurrence synchub computes, checked against python-dateutil's rrule
over generated rules (daily/weekly/monthly, BYDAY, COUNT, UNTIL, EXDATE) and completions, and the
planner's roll over the memory services; the config key's validation."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil import rrule as du
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hub import recurrence
from hub.config.models import FlowConfig
from hub.model import DateOnly, FloatingDateTime, Item, StatusKind
from tests.support.world import World, ts

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 3))}")
    if freq != "DAILY" and draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        parts.append("BYDAY=" + ",".join(days))
    end = draw(st.sampled_from(["none", "count", "until"]))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 6))}")
    elif end == "until":
        parts.append(f"UNTIL={draw(st.dates(dt.date(2024, 1, 2), dt.date(2024, 6, 1))):%Y%m%d}")
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(rules(), st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 31)), st.integers(1, 8),
       st.booleans())
def test_each_completion_moves_to_rrules_next_occurrence(rule: str, start: dt.date,
                                                         completions: int, timed: bool) -> None:
    first = dt.datetime.combine(start, dt.time(9, 30) if timed else dt.time())
    # a date UNTIL takes in its whole day (RFC 5545), as synchub and the calendar read it
    text = rule + ("T235959" if "UNTIL" in rule else "")
    expected = list(du.rrulestr(text, dtstart=first)[:completions + 1])
    at: recurrence.Moment = FloatingDateTime(at=first) if timed else DateOnly(date=start)
    current_rule = rule
    if not expected or expected[0] != first:
        return  # the start is no occurrence of the rule: nothing to compare from
    for n in range(completions):
        rolled = recurrence.roll(current_rule, at)
        if n + 1 >= len(expected):
            assert rolled is None, (rule, n)  # COUNT used up / UNTIL passed: done for good
            return
        assert rolled is not None, (rule, n)
        assert recurrence.wall(rolled.at) == expected[n + 1], (rule, n)
        at, current_rule = rolled.at, rolled.rule
        # the calendar's series from the first start still holds the rolled item
        first_at: recurrence.Moment = FloatingDateTime(at=first) if timed \
            else DateOnly(date=start)
        assert recurrence.continues(rule, first_at, current_rule, at)


@settings(max_examples=150, deadline=None)
@given(rules(), st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 31)), st.integers(1, 8),
       st.booleans(), st.sets(st.integers(1, 8), min_size=1, max_size=3), st.booleans())
def test_completions_skip_excluded_occurrences_as_rruleset_does(
        rule: str, start: dt.date, completions: int, timed: bool, skipped: set[int],
        by_day: bool) -> None:
    """EXDATE: the occurrences taken out are never rolled onto, ``COUNT`` still counts them
    (RFC 5545; dateutil's rruleset), and the calendar's series from its first start with all
    its exclusions still holds each rolled item (whose rule keeps only those ahead)."""
    first = dt.datetime.combine(start, dt.time(9, 30) if timed else dt.time())
    text = rule + ("T235959" if "UNTIL" in rule else "")
    raw = list(du.rrulestr(text, dtstart=first)[:12])
    assume(bool(raw) and raw[0] == first)
    gone = [raw[i] for i in sorted(skipped) if i < len(raw)]
    # a date value (``EXDATE;VALUE=DATE``) takes out that day's occurrence
    values = [g.strftime("%Y%m%d" if by_day or not timed else "%Y%m%dT%H%M%S") for g in gone]
    full = recurrence.with_exdates(rule, values)
    expected_set = du.rruleset()
    expected_set.rrule(du.rrulestr(text, dtstart=first))
    for g in gone:
        expected_set.exdate(g)
    expected = list(expected_set[:completions + 1])
    first_at: recurrence.Moment = FloatingDateTime(at=first) if timed else DateOnly(date=start)
    assert recurrence.upcoming(full, first_at, len(expected)) == expected
    at, current_rule = first_at, full
    for n in range(completions):
        rolled = recurrence.roll(current_rule, at)
        if n + 1 >= len(expected):
            assert rolled is None, (full, n)
            return
        assert rolled is not None, (full, n)
        assert recurrence.wall(rolled.at) == expected[n + 1], (full, n)
        at, current_rule = rolled.at, rolled.rule
        assert recurrence.continues(full, first_at, current_rule, at), (full, current_rule)


def test_an_exclusion_passed_by_a_roll_lowers_count_and_only_those_ahead_stay() -> None:
    rolled = recurrence.roll("FREQ=DAILY;COUNT=4;EXDATE=20240102,20240105",
                             DateOnly(date=dt.date(2024, 1, 1)))
    assert rolled == recurrence.Rolled(DateOnly(date=dt.date(2024, 1, 3)),
                                       "FREQ=DAILY;COUNT=2;EXDATE=20240105")


def test_exdate_values_are_checked_and_sorted() -> None:
    assert Item(recurrence="FREQ=DAILY;exdate=20240105,20240102T090000,20240105").recurrence \
        == "FREQ=DAILY;EXDATE=20240102T090000,20240105"
    with pytest.raises(ValueError, match="EXDATE"):
        Item(recurrence="FREQ=DAILY;EXDATE=2024-01-05")


@settings(max_examples=150, deadline=None)
@given(rules(), st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 31)), st.integers(0, 6),
       st.sampled_from(["date", "floating", "zoned"]))
def test_an_ended_series_keeps_its_past_and_nothing_after(rule: str, start: dt.date,
                                                          done: int, kind: str) -> None:
    """A recurring item closed for good at an occurrence: the series from its first start
    is what it was up to that occurrence, and has none after (checked against dateutil)."""
    from zoneinfo import ZoneInfo

    from hub.model import ZonedDateTime

    first = dt.datetime.combine(start, dt.time() if kind == "date" else dt.time(9, 30))
    text = rule + ("T235959" if "UNTIL" in rule else "")
    expected = list(du.rrulestr(text, dtstart=first)[:done + 1])
    assume(bool(expected) and expected[0] == first and len(expected) == done + 1)

    def moment(at: dt.datetime) -> recurrence.Moment:
        if kind == "date":
            return DateOnly(date=at.date())
        if kind == "floating":
            return FloatingDateTime(at=at)
        zone = ZoneInfo("Europe/Berlin")
        return ZonedDateTime(at=at.replace(tzinfo=zone).astimezone(dt.UTC), tz=zone.key)

    over = recurrence.ended(rule, moment(expected[-1]))
    assert recurrence.upcoming(over, moment(first), done + 5) == expected, over
    assert recurrence.roll(over, moment(expected[-1])) is None


def test_exdate_and_a_moved_start_are_no_longer_the_same_series() -> None:
    d = DateOnly(date=dt.date(2024, 1, 1))
    assert not recurrence.continues("FREQ=DAILY", d, "FREQ=WEEKLY",
                                    DateOnly(date=dt.date(2024, 1, 2)))
    assert not recurrence.continues("FREQ=WEEKLY", d, "FREQ=WEEKLY",
                                    DateOnly(date=dt.date(2024, 1, 3)))


def test_last_workday_of_the_month_rolls() -> None:
    rule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
    rolled = recurrence.roll(rule, DateOnly(date=dt.date(2024, 1, 31)))
    assert rolled is not None and rolled.at == DateOnly(date=dt.date(2024, 2, 29))


@pytest.mark.parametrize("policy", ["roll", "spawn"])
def test_memory_round_never_reopens_loop(policy: str) -> None:
    w = World(("a", "b"))
    cfg = w.cfg.model_copy(update={"recurring": FlowConfig.model_validate(
        {**w.cfg.model_dump(), "recurring": {"on_complete": policy}}).recurring})
    w.cfg = cfg
    ref = w.services["a"].user_create(Item(title="x", recurrence="FREQ=DAILY",
                                           due=DateOnly(date=dt.date(2024, 1, 1)),
                                           updated_at=ts(0)))
    w.sync()
    w.services["a"].user_edit(ref, status={"kind": StatusKind.DONE}, updated_at=ts(2))
    w.sync()
    w.sync()
    items = [i for n in ("a", "b") for i in w.live(n).values()]
    assert all(i.status.kind is StatusKind.OPEN and i.due == DateOnly(
        date=dt.date(2024, 1, 2)) for i in items), items  # both recur: rolled in place
    w.assert_quiet()


def test_unknown_recurring_key_is_refused() -> None:
    from pydantic import ValidationError
    base = {"endpoints": {"a": {"connection": "x"}, "b": {"connection": "y"}}}
    with pytest.raises(ValidationError, match="on_complet"):
        FlowConfig.model_validate({**base, "recurring": {"on_complet": "roll"}})
    with pytest.raises(ValidationError):
        FlowConfig.model_validate({**base, "recurring": {"on_complete": "later"}})
    assert FlowConfig.model_validate(base).recurring.on_complete.value == "roll"


def test_a_dated_item_with_a_rule_within_the_day_moves_to_the_next_day() -> None:
    """A date has no time: ``BYHOUR`` or ``HOURLY`` must not roll it onto the same date, which
    reopened it with that date every time it was done (found in review)."""
    for rule in ("FREQ=DAILY;BYHOUR=9", "FREQ=HOURLY"):
        rolled = recurrence.roll(rule, DateOnly(date=dt.date(2026, 1, 31)))
        assert rolled is not None and rolled.at == DateOnly(date=dt.date(2026, 2, 1)), rule


def test_an_interval_of_zero_is_refused_not_walked_for_ever() -> None:
    with pytest.raises(ValueError, match="INTERVAL"):
        recurrence.roll("FREQ=DAILY;INTERVAL=0", DateOnly(date=dt.date(2026, 1, 31)))


def test_an_off_pattern_start_is_the_first_occurrence_and_counted() -> None:
    # RFC 5545: DTSTART always counts as the first occurrence, also off the rule's pattern
    # (a Wednesday start of a Monday rule); dateutil alone would leave it out and count two
    # Mondays, one occurrence more than a calendar shows
    wed = DateOnly(date=dt.date(2024, 1, 3))
    rule = "FREQ=WEEKLY;BYDAY=MO;COUNT=2"
    assert recurrence.upcoming(rule, wed) == [dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 8)]
    rolled = recurrence.roll(rule, wed)
    assert rolled is not None and rolled.at == DateOnly(date=dt.date(2024, 1, 8))
    assert rolled.rule == "FREQ=WEEKLY;BYDAY=MO;COUNT=1"
    assert recurrence.roll(rolled.rule, rolled.at) is None  # two done: over
    assert recurrence.continues(rule, wed, rolled.rule, rolled.at)


def test_the_calendar_emulator_counts_an_off_pattern_start_as_google_does() -> None:
    from adapters.gcal.recurrence import Series

    ev = {"start": {"date": "2024-01-03"}, "end": {"date": "2024-01-04"},
          "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2",
                         "EXRULE:FREQ=WEEKLY;BYDAY=FR"]}
    s = Series.of(ev)
    assert s is not None
    assert s.starts((None, None)) == [dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 8)]
