"""``report.every``: what is accepted, the next time it fires in the configured zone (DST
included), and the daemon's timer deciding when to send; all with given times, no sleeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from hub.daemon.reports import ReportTimer
from hub.report.schedule import next_run, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN).astimezone(dt.UTC)


@pytest.mark.parametrize(("text", "days", "at"), [
    ("weekly on monday 09:00", {0}, dt.time(9)),
    ("Weekly on Mon, Thu at 17:30", {0, 3}, dt.time(17, 30)),
    ("weekly on tuesday and friday 8:05", {1, 4}, dt.time(8, 5)),
    ("daily 08:30", set(range(7)), dt.time(8, 30)),
    ("weekdays at 18:00", set(range(5)), dt.time(18)),
])
def test_accepted_forms(text: str, days: set[int], at: dt.time) -> None:
    s = parse_schedule(text)
    assert (s.days, s.at) == (frozenset(days), at)


@pytest.mark.parametrize(("text", "says"), [
    ("weekly on funday 09:00", "unknown day 'funday'"),
    ("weekly on monday 25:00", "bad time 25:00"),
    ("every monday", "bad schedule 'every monday'"),
    ("weekly on m 09:00", "unknown day 'm'"),
])
def test_refused_with_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_schedule(text)
    assert says in str(info.value)


def test_next_monday_nine_in_the_zone() -> None:
    monday = parse_schedule("weekly on monday 09:00")
    # Friday 2026-12-04 20:00 Berlin -> Monday 2026-12-07 09:00 Berlin (08:00 UTC)
    assert next_run(monday, berlin(2026, 12, 4, 20), "Europe/Berlin") == berlin(2026, 12, 7, 9)
    assert next_run(monday, berlin(2026, 12, 7, 9), "Europe/Berlin") == berlin(2026, 12, 14, 9)
    assert next_run(monday, berlin(2026, 12, 7, 8, 59), "Europe/Berlin") == \
        berlin(2026, 12, 7, 9)


def test_the_zone_decides_the_day() -> None:
    """Sunday 23:30 UTC is already Monday in Tokyo: its 09:00 report is that morning."""
    daily = parse_schedule("weekly on monday 09:00")
    sunday_late = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC)
    assert next_run(daily, sunday_late, "Asia/Tokyo") == \
        dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
    assert next_run(daily, sunday_late, "UTC") == dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)


def test_wall_clock_kept_across_dst() -> None:
    """09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer."""
    daily = parse_schedule("daily 09:00")
    assert next_run(daily, berlin(2027, 3, 27, 10), "Europe/Berlin") == \
        dt.datetime(2027, 3, 28, 7, tzinfo=dt.UTC)
    assert next_run(daily, berlin(2027, 3, 27, 8), "Europe/Berlin") == \
        dt.datetime(2027, 3, 27, 8, tzinfo=dt.UTC)


def test_a_skipped_time_still_fires() -> None:
    """02:30 does not exist on the spring-forward night: the report is sent all the same."""
    night = parse_schedule("daily 02:30")
    fired = next_run(night, berlin(2027, 3, 27, 12), "Europe/Berlin")
    assert fired == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert next_run(night, fired, "Europe/Berlin") == dt.datetime(2027, 3, 29, 0, 30,
                                                                   tzinfo=dt.UTC)


def _timer(started: dt.datetime, made: list[dt.datetime],
           fail: bool = False) -> ReportTimer:
    def make(at: dt.datetime) -> list[str]:
        made.append(at)
        if fail:
            raise RuntimeError("notion is down")
        return ["somewhere"]
    return ReportTimer(parse_schedule("weekly on monday 09:00"), "Europe/Berlin", make,
                       started=started)


def inline(job: Callable[[], None]) -> None:
    job()


def test_timer_fires_once_at_its_time_and_moves_on() -> None:
    made: list[dt.datetime] = []
    timer = _timer(berlin(2026, 12, 4, 20), made)
    assert not timer.tick(berlin(2026, 12, 7, 8, 59), inline)
    assert timer.tick(berlin(2026, 12, 7, 9, 0, 1), inline)
    assert not timer.tick(berlin(2026, 12, 7, 9, 0, 2), inline)  # once
    assert made == [berlin(2026, 12, 7, 9)]  # the report is up to its scheduled time
    assert timer.next_due == berlin(2026, 12, 14, 9)
    assert timer.last_sent == berlin(2026, 12, 7, 9)


def test_a_time_passed_while_down_is_not_sent_on_start() -> None:
    made: list[dt.datetime] = []
    timer = _timer(berlin(2026, 12, 7, 9, 5), made)  # started just after Monday's time
    assert not timer.tick(berlin(2026, 12, 7, 9, 6), inline)
    assert timer.next_due == berlin(2026, 12, 14, 9)


def test_a_failed_report_is_noted_and_the_next_one_is_on_time() -> None:
    made: list[dt.datetime] = []
    timer = _timer(berlin(2026, 12, 4, 20), made, fail=True)
    assert timer.tick(berlin(2026, 12, 7, 9), inline)
    assert timer.last_error == "RuntimeError: notion is down"
    assert timer.next_due == berlin(2026, 12, 14, 9)
    assert timer.tick(berlin(2026, 12, 14, 9), inline)  # not stuck busy after a failure


def test_one_report_at_a_time() -> None:
    made: list[dt.datetime] = []
    held: list[Callable[[], None]] = []
    timer = _timer(berlin(2026, 12, 4, 20), made)
    assert timer.tick(berlin(2026, 12, 7, 9), held.append)  # started, not finished
    assert not timer.tick(berlin(2026, 12, 14, 9), held.append)  # skipped: still busy
    held[0]()
    assert timer.tick(berlin(2026, 12, 21, 9), inline)
