"""JQL's date values for the Jira emulator: what ``updated >= ...`` may be compared with.

Jira reads a date-time written in a query in the searching user's profile zone (the emulator's
``user_zone``), to the minute: ``"yyyy/MM/dd HH:mm"``, ``"yyyy-MM-dd HH:mm"``, ``"yyyy/MM/dd"``
or ``"yyyy-MM-dd"`` (a date alone is its midnight). A period is relative to now: ``-7d``,
``"-2w"``, ``"4w 2d"``, ``-1h``, ``+30m`` (units w, d, h, m; no sign is the future). The
functions ``now()``, ``startOfDay()`` and ``endOfDay()`` take an optional increment
(``startOfDay(-1)`` is yesterday's start, ``endOfDay("+2d")``). The clock is the emulator's,
so tests that move it on see relative dates move with it.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from adapters.jira.emu_errors import JiraError, bad_jql

FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_PERIOD = re.compile(r"([+-])?\s*((?:\d+\s*[wdhm]\s*)+)")
_PART = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
DATE_FUNCTIONS = frozenset({"now", "startofday", "endofday"})


def invalid(text: str, field: str) -> JiraError:
    return bad_jql(f"Date value '{text}' for field '{field}' is invalid. Valid formats include: "
                   "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a "
                   "period format e.g. '-5d', '4w 2d'.")


def period(text: str) -> dt.timedelta | None:
    """``-7d``, ``4w 2d``, ``+1h``: the offset from now, or None when it is not a period."""
    m = _PERIOD.fullmatch(text.strip())
    if m is None:
        return None
    total = sum((dt.timedelta(**{_UNITS[u]: int(n)}) for n, u in _PART.findall(m.group(2))),
                dt.timedelta())
    return -total if m.group(1) == "-" else total


def absolute(text: str, zone: str) -> dt.datetime | None:
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            continue
    return None


def date_value(text: str, field: str, zone: str, now: dt.datetime) -> dt.datetime:
    """A literal date, absolute or relative, as an aware date-time; else Jira's 400."""
    offset = period(text)
    if offset is not None:
        return now + offset
    when = absolute(text, zone)
    if when is None:
        raise invalid(text, field)
    return when


def _increment(name: str, args: tuple[str, ...]) -> dt.timedelta:
    if len(args) > 1:
        raise bad_jql(f"Function '{name}' expected between '0' and '1' arguments but received "
                      f"'{len(args)}'.")
    if not args:
        return dt.timedelta()
    text = args[0].strip()
    offset = period(text + "d" if re.fullmatch(r"[+-]?\d+", text) else text)
    if offset is None:
        raise bad_jql(f"Duration format '{text}' for function '{name}' is invalid.")
    return offset


def date_function(name: str, args: tuple[str, ...], zone: str,
                  now: dt.datetime) -> dt.datetime:
    """``now()``, ``startOfDay([inc])``, ``endOfDay([inc])`` (``name`` as written)."""
    key = name.lower()
    if key == "now":
        if args:
            raise bad_jql(f"Function '{name}' expected '0' arguments but received "
                          f"'{len(args)}'.")
        return now
    local = (now + _increment(name, args)).astimezone(ZoneInfo(zone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if key == "startofday":
        return start
    return start + dt.timedelta(days=1) - dt.timedelta(milliseconds=1)
