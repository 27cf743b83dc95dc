"""An event's ``recurrence`` lines <-> the canonical rule (its ``EXDATE=`` part).

Google keeps a series as RFC 5545 lines: one ``RRULE``, and ``EXDATE`` lines for the
occurrences taken out (``EXDATE;TZID=Europe/Berlin:20261207T090000``, ``EXDATE;VALUE=DATE:
20261207``, or UTC values ending in ``Z``). The canonical item holds one rule text with its
exclusions in the item's wall-clock time (:func:`hub.model.normalise_rrule`), so they are
read here into that zone and written back with the zone the event's start is written in.

Written back, the canonical exclusions rule from the item's current occurrence on; the
event's own between the series' start and that occurrence are kept: a rolled item's rule
keeps only the exclusions still ahead (:func:`hub.recurrence.roll`), and the calendar's past
occurrences, deleted ones included, must stay as they are. Those before the series' start
(once written) mean nothing and go. RDATE and EXRULE lines (and further RRULEs) are kept
untouched.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from adapters.gcal.recurrence import date_lines, known_zone
from hub.model import DateOnly, ZonedDateTime, normalise_rrule
from hub.recurrence import exdate_text, split_exdates, with_exdates

_FLOATING_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})(?![0-9Z])")


def _zone(start: Any) -> dt.tzinfo | None:
    """The zone exclusions are read in: None (dates) for an all-day series."""
    if isinstance(start, ZonedDateTime):
        return known_zone(start.tz) or dt.UTC
    return None


def exdates(lines: list[str] | None, start: Any) -> list[str]:
    """The event's EXDATE values as canonical text, in the wall-clock time of ``start``'s
    zone (dates for an all-day series). Unreadable values are left out."""
    return sorted(exdate_text(v) for v in date_lines(lines or [], "EXDATE", _zone(start)))


def read_rule(lines: list[str] | None, start: Any) -> str | None:
    """The canonical rule of an event: its first RRULE with the EXDATE lines' values."""
    rules = [r[6:] for r in lines or [] if r.upper().startswith("RRULE:")]
    if not rules:
        return None
    return with_exdates(normalise_rrule(rules[0]), exdates(lines, start))


def _stamp(start: Any) -> str:
    """``start`` in the exclusions' own text form (its wall-clock time), for comparing."""
    if isinstance(start, ZonedDateTime):
        return exdate_text(start.local().replace(tzinfo=None))
    if isinstance(start, DateOnly):
        return exdate_text(start.date)
    return ""


def _before(value: str, start: Any) -> bool:
    """Whether the exclusion lies before ``start`` (a date value: before its day)."""
    here = _stamp(start)
    return bool(here) and value < here[: len(value)]


def _exdate_lines(values: list[str], start: Any) -> list[str]:
    days = [v for v in values if "T" not in v]
    times = [v for v in values if "T" in v]
    if isinstance(start, DateOnly):  # an all-day series excludes whole days
        days, times = sorted({v[:8] for v in values}), []
    out = [f"EXDATE;VALUE=DATE:{','.join(days)}"] if days else []
    if times and isinstance(start, ZonedDateTime):
        out.append(f"EXDATE;TZID={start.tz}:{','.join(times)}")
    return out


def utc_until(rule: str, tz: str) -> str:
    """A wall-clock ``UNTIL`` (a floating item's, :func:`hub.recurrence.ended`) as the UTC
    instant RFC 5545 requires beside a zoned DTSTART, read in zone ``tz`` (the one a
    floating time is placed in here)."""
    m = _FLOATING_UNTIL.search(rule)
    if m is None:
        return rule
    zone = known_zone(tz) or dt.UTC
    at = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=zone)
    return rule.replace(m.group(0), f"UNTIL={at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}")


def write_lines(rule: str | None, current: list[str] | None, at: Any,
                series_start: Any = None) -> list[str]:
    """The event's ``recurrence`` for the canonical ``rule`` whose current occurrence is
    ``at`` (as written: all-day or zoned); ``series_start``: where the series starts once
    written (its DTSTART: ``at`` when the start is written too, else the event's own). The
    event's exclusions from ``series_start`` up to ``at`` are kept (past occurrences stay as
    they are); before ``series_start`` they mean nothing and go; from ``at`` on the canonical
    ones rule (see the module docstring)."""
    if rule is None:
        return []
    plain, values = split_exdates(rule)
    lines = list(current or [])
    if at is None:  # no start to read exclusions against: the event's lines stay as are
        return _with_rule(lines, plain)
    if isinstance(at, ZonedDateTime):
        plain = utc_until(plain, at.tz)
    begin = series_start if series_start is not None else at
    kept = [v for v in exdates(lines, at) if _before(v, at)]
    wanted = [v for v in {*values, *kept} if not _before(v, begin)]
    lines = [x for x in lines if x.partition(":")[0].split(";")[0].upper() != "EXDATE"]
    return _with_rule(lines, plain) + _exdate_lines(sorted(wanted), at)


def _with_rule(lines: list[str], rule: str) -> list[str]:
    """``lines`` with ``rule`` as the first RRULE."""
    for i, line in enumerate(lines):
        if line.upper().startswith("RRULE:"):
            return [*lines[:i], f"RRULE:{rule}", *lines[i + 1:]]
    return [f"RRULE:{rule}", *lines]
