"""When a scheduled report is due: ``report.every`` read into a :class:`Schedule`, and the
next time it fires after a given instant, in the configured time zone.

Pure (no clock, no I/O): the daemon asks :func:`next_run` with its own "now", so the
computation is tested without sleeping. A schedule is wall-clock time ("monday 09:00 in
Europe/Berlin"), so it stays at 09:00 across a DST change; a time a DST change skips (02:30
on the spring-forward night) fires at the same instant as the hour before it is read, one
hour later on the clock, never not at all.

Accepted forms (case-insensitive, ``at`` optional): ``daily 08:30``, ``weekdays 09:00``,
``weekly on monday 09:00``, ``weekly on mon, thu at 17:00``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXAMPLES = "'weekly on monday 09:00', 'daily 08:30', 'weekdays at 17:00'"
_FORM = re.compile(r"^(?P<kind>daily|weekdays|weekly\s+on\s+(?P<days>[a-z,\s]+?))"
                   r"\s+(?:at\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """Days of the week (0 = Monday) and a wall-clock time; ``text`` as the user wrote it."""

    days: frozenset[int]
    at: dt.time
    text: str

    def __str__(self) -> str:
        return self.text


def _weekday(word: str) -> int:
    matches = [i for i, name in enumerate(WEEKDAYS) if len(word) >= 3 and name.startswith(word)]
    if len(matches) != 1:
        raise ValueError(f"unknown day {word!r} (monday .. sunday, or mon .. sun)")
    return matches[0]


def parse_schedule(text: str) -> Schedule:
    """``text`` as a :class:`Schedule`, or a ValueError saying what is accepted (the config
    loader shows it with the file, line and key)."""
    m = _FORM.match(" ".join(text.strip().lower().split()))
    if m is None:
        raise ValueError(f"bad schedule {text!r}: use e.g. {EXAMPLES}")
    hour, minute = int(m["h"]), int(m["m"])
    if hour > 23 or minute > 59:
        raise ValueError(f"bad time {m['h']}:{m['m']} in schedule {text!r} (00:00 to 23:59)")
    kind = m["kind"].split()[0]
    if kind == "daily":
        days = frozenset(range(7))
    elif kind == "weekdays":
        days = frozenset(range(5))
    else:
        words = [w for w in re.split(r"[,\s]+|\band\b", m["days"]) if w and w != "and"]
        days = frozenset(_weekday(w) for w in words)
    return Schedule(days=days, at=dt.time(hour, minute), text=text.strip())


def _instant(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone`` (normalised through UTC,
    so a skipped wall-clock time lands on a real instant)."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def next_run(schedule: Schedule, after: dt.datetime, timezone: str) -> dt.datetime:
    """The first time (UTC) strictly after ``after`` (aware) at which ``schedule`` fires in
    ``timezone``."""
    zone = ZoneInfo(timezone)
    today = after.astimezone(zone).date()
    for offset in range(8):  # every weekday comes round within a week and a day
        day = today + dt.timedelta(days=offset)
        if day.weekday() in schedule.days:
            when = _instant(day, schedule.at, zone)
            if when > after:
                return when
    raise AssertionError("a schedule has at least one day")  # parse_schedule ensures it
