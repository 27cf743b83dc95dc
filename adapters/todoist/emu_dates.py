"""Dates as the Todoist emulator reads them: the wire forms of a due date (``YYYY-MM-DD``, a
floating ``YYYY-MM-DDTHH:MM:SS`` or a UTC ``...Z``), RFC 3339 for REST's ``due_datetime``, and
the few natural-language words the emulator understands in ``due_string`` and in filters:
``today``, ``tomorrow``, ``yesterday``, weekday names (the next such day, today included),
``in N days``, month names with a day (``Jan 1``, ``1 Jan``, ``January 1``, an optional year;
without one, the next such date from today), ISO dates, and ``... at HH:MM``. Recurring
strings are the forms synchub writes (``every day``, ``every 2 weeks``, ``every monday,
wednesday``, ``every month``, ``every year``): their first and next occurrences are computed.
Anything else is a ValueError; Todoist reads far more, and the emulator says so rather than
storing a due date it cannot compute."""

from __future__ import annotations

import calendar
import datetime as dt
import re

WEEKDAYS = {name: i for i, name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
WEEKDAYS |= {name[:3]: i for name, i in list(WEEKDAYS.items())}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name[:3]: i for name, i in list(MONTHS.items())} | {"sept": 9}
UNITS = ("day", "week", "month", "year")

_WIRE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z?)?")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?",
                      re.IGNORECASE)


def wire_date(text: object) -> str:
    """A due or deadline ``date`` as Todoist stores it; ValueError for anything else."""
    if not isinstance(text, str) or not _WIRE.fullmatch(text):
        raise ValueError(f"not a Todoist date: {text!r}")
    day(text)  # the calendar has that day (and that time)
    if "T" in text:
        dt.datetime.fromisoformat(text.removesuffix("Z"))
    return text


def rfc3339(text: object) -> str:
    """REST's ``due_datetime`` as the due ``date`` Todoist keeps: an instant is in UTC
    (``...Z``), a time without an offset stays floating (as the SDK sends a naive one)."""
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    at = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    if at.tzinfo is None:
        return at.replace(microsecond=0).isoformat()
    return at.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def day(text: str) -> dt.date:
    """The day of a wire date (its first ten characters)."""
    return dt.date.fromisoformat(text[:10])


def moment(text: str) -> dt.datetime | None:
    """The instant of a wire date with a time (floating times read as UTC), else None."""
    if "T" not in text:
        return None
    return dt.datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=dt.UTC)


def words(text: str, today: dt.date) -> dt.date:
    """A day named in words (see the module docstring); ValueError if not one of them."""
    s = " ".join(text.lower().replace(",", " ").split())
    fixed = {"today": 0, "tod": 0, "tomorrow": 1, "tom": 1, "yesterday": -1}
    if s in fixed:
        return today + dt.timedelta(days=fixed[s])
    if s in WEEKDAYS:
        return today + dt.timedelta(days=(WEEKDAYS[s] - today.weekday()) % 7)
    if m := re.fullmatch(r"in (\d+) days?", s):
        return today + dt.timedelta(days=int(m.group(1)))
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return _month_day(s, today)


def _month_day(s: str, today: dt.date) -> dt.date:
    m = (re.fullmatch(r"([a-z]+) (\d{1,2})(?: (\d{4}))?", s)
         or re.fullmatch(r"(\d{1,2}) ([a-z]+)(?: (\d{4}))?", s))
    if m is None:
        raise ValueError(f"not a date the emulator reads: {s!r}")
    first, second, year = m.groups()
    month_name, number = (first, second) if first.isalpha() else (second, first)
    if month_name not in MONTHS:
        raise ValueError(f"not a month: {month_name!r}")
    on = dt.date(int(year or today.year), MONTHS[month_name], int(number))
    return on.replace(year=on.year + 1) if year is None and on < today else on


def due_from_string(text: str, today: dt.date) -> str:
    """The wire date of a ``due_string`` (``tomorrow``, ``every monday``, ``jan 3 at 10:00``)."""
    s = " ".join(text.lower().split())
    time = ""
    if m := re.fullmatch(r"(.+?) at (\d{1,2}):(\d{2})", s):
        s, time = m.group(1), f"T{int(m.group(2)):02d}:{m.group(3)}:00"
        dt.time.fromisoformat(time[1:])
    on = first_occurrence(s, today) if s.startswith("every ") else words(s, today)
    return on.isoformat() + time


def _rule(s: str) -> tuple[int, str] | list[int]:
    """``every N units`` as (N, unit), ``every monday, friday`` as weekday numbers."""
    s = " ".join(s.lower().replace(" and ", ", ").split())
    if m := re.fullmatch(r"every (?:(\d+) )?(day|week|month|year)s?", s):
        return int(m.group(1) or 1), m.group(2)
    names = [n.strip() for n in s.removeprefix("every ").split(",")]
    if s.startswith("every ") and names and all(n in WEEKDAYS for n in names):
        return sorted({WEEKDAYS[n] for n in names})
    raise ValueError(f"not a recurrence the emulator reads: {s!r}")


def first_occurrence(text: str, today: dt.date) -> dt.date:
    rule = _rule(text)
    if isinstance(rule, tuple):
        return today
    return min(today + dt.timedelta(days=(d - today.weekday()) % 7) for d in rule)


def next_occurrence(text: str, after: dt.date) -> dt.date:
    """The occurrence after ``after`` (a recurring task closed on it moves there)."""
    rule = _rule(text)
    if isinstance(rule, list):
        return min(after + dt.timedelta(days=(d - after.weekday() - 1) % 7 + 1) for d in rule)
    n, unit = rule
    if unit in ("day", "week"):
        return after + dt.timedelta(days=n * (7 if unit == "week" else 1))
    months = n * (12 if unit == "year" else 1)
    year, month = divmod(after.month - 1 + months, 12)
    year += after.year
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(after.day, last))


def readable_recurrence(text: str) -> bool:
    try:
        _rule(text)
    except ValueError:
        return False
    return True
