"""Recurrence expansion for the Calendar emulator (``singleEvents=true``, ``instances``), with
python-dateutil's ``rrule``: the whole RFC 5545 rule language (WKST, BYSETPOS, BYWEEKNO,
BYHOUR...), not a hand-written subset. Occurrences repeat in the event's wall-clock time in
its zone (dateutil iterates naive local times), so a 9:00 meeting stays at 9:00 across a DST
change; an ``UNTIL`` in UTC is turned into that zone's wall-clock time first, since dateutil
refuses an aware UNTIL with a naive start, and an ``UNTIL`` given as a date on a timed event
takes in that whole day (the occurrence on that date is the series' last). EXDATE and RDATE
lines are read here, with their TZID; a DATE value on a timed event means that day (EXDATE:
its occurrences go, RDATE: one more at the series' time of day), a date-time value on an
all-day event its date.

A listing expands each series from its window (``timeMin``..``timeMax``, a little wider for
the caller's exact overlap test), not from the series' start: a daily series begun years ago
still shows this week. At most :data:`MAX_INSTANCES` occurrences of one series are expanded
per listing, counted from the window's start (from the series' start without ``timeMin``),
and none beyond :data:`MAX_YEARS` after the series' start.

Expansion never fails a listing: a series whose stored data cannot be read (planted by a
test, as imported events may carry) is listed as it is stored.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule
from dateutil.relativedelta import relativedelta

from hub.recurrence import count, from_start

MAX_YEARS = 200  # a rule that never ends is read this far ahead at most
MAX_INSTANCES = 2500  # occurrences of one series expanded per listing (a page's maximum)
PAD = dt.timedelta(days=2)  # the window widened for zone offsets; callers filter exactly
LAST = dt.datetime(9999, 12, 31)
Window = tuple[dt.datetime | None, dt.datetime | None]  # aware instants, either open
VALUE_RE = re.compile(r"^(\d{8})(T\d{6}Z?)?$")


class Unsupported(ValueError):
    """Kept for callers: dateutil expands every valid rule, so nothing raises it now."""


def known_zone(name: object) -> ZoneInfo | None:
    """The zone of that IANA name, None when this host's tz database lacks it."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        return None


def instant(text: object) -> dt.datetime | None:
    """An RFC 3339 date-time (naive when it carries no offset), None when unreadable."""
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def zone_of(edge: dict[str, Any]) -> dt.tzinfo:
    """The zone an event's times are in: its ``timeZone``; for a name this host does not
    know (Google's database may be newer), the offset its ``dateTime`` carries, else UTC."""
    zone = known_zone(edge.get("timeZone"))
    if zone is not None:
        return zone
    at = instant(edge.get("dateTime"))
    return at.tzinfo if at is not None and at.tzinfo is not None else dt.UTC


def _local_until(text: str, zone: dt.tzinfo | None) -> str:
    """``UNTIL=...Z`` as a wall-clock time in ``zone`` (a date, for all-day events); a date
    ``UNTIL`` on a timed event as the end of that day."""
    def local(m: re.Match[str]) -> str:
        at = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        if zone is None:
            return f"UNTIL={at:%Y%m%d}"
        return f"UNTIL={at.astimezone(zone):%Y%m%dT%H%M%S}"
    text = re.sub(r"UNTIL=(\d{8}T\d{6})Z", local, text, flags=re.I)
    if zone is not None:
        text = re.sub(r"UNTIL=(\d{8})(?=;|$)", r"UNTIL=\1T235959", text, flags=re.I)
    return text


def parse_rule(text: str, start: dt.datetime | None = None,
               zone: dt.tzinfo | None = None, *, counts_start: bool = True) -> Any:
    """An RRULE's value as dateutil reads it (ValueError when it is not valid RFC 5545),
    from ``start``, which is always its first occurrence and counted by ``COUNT``, as
    Google Calendar and RFC 5545 have it (:func:`hub.recurrence.from_start`)."""
    begin = start or dt.datetime(2000, 1, 1)
    local = _local_until(text, zone)
    rule = rrule.rrulestr(local, dtstart=begin)
    if start is None or not counts_start:  # an EXRULE removes only what it matches
        return rule
    return from_start(rule, begin, count(local))


def _horizon(start: dt.datetime) -> dt.datetime:
    try:
        return min(start + relativedelta(years=MAX_YEARS), LAST)  # Feb 29 + 200y: Feb 28
    except (ValueError, OverflowError):
        return LAST


def occurrences(start: dt.datetime, text: str, zone: dt.tzinfo | None, limit: int,
                after: dt.datetime | None = None, until: dt.datetime | None = None,
                *, counts_start: bool = True) -> list[dt.datetime]:
    """Start times (naive wall-clock times in ``zone``; ``zone`` None for all-day events)
    from ``after`` (inclusive; the series' start without it) to ``until``, at most
    ``limit``, and none beyond :data:`MAX_YEARS` from the start."""
    end = min(until, _horizon(start)) if until else _horizon(start)
    rule = parse_rule(text, start, zone, counts_start=counts_start)
    found = rule.xafter(after, inc=True) if after and after > start else iter(rule)
    return list(itertools.islice(itertools.takewhile(lambda at: at <= end, found), limit))


def _value(v: str, tzid: str | None, zone: dt.tzinfo | None) -> dt.datetime | dt.date:
    """One EXDATE/RDATE value: a date, or a naive wall-clock time in ``zone`` (a TZID's or
    UTC's time converted there). ValueError when it is not RFC 5545's form."""
    m = VALUE_RE.match(v)
    if m is None:
        raise ValueError(f"not a DATE or DATE-TIME: {v!r}")
    if not m.group(2):
        return dt.datetime.strptime(v, "%Y%m%d").date()
    at = dt.datetime.strptime(v.rstrip("Z"), "%Y%m%dT%H%M%S")
    if zone is None:
        return at.date()
    where = dt.UTC if v.endswith("Z") else known_zone(tzid) if tzid else zone
    if where is None:
        raise ValueError(f"unknown TZID {tzid!r}")
    return at.replace(tzinfo=where).astimezone(zone).replace(tzinfo=None)


def date_lines(lines: Iterable[str], name: str, zone: dt.tzinfo | None,
               strict: bool = False) -> set[dt.datetime | dt.date]:
    """The values of the ``EXDATE``/``RDATE`` lines (see :func:`_value`); an unreadable one
    raises with ``strict`` (the check at the door), else is left out (stored data)."""
    out: set[dt.datetime | dt.date] = set()
    for line in lines:
        head, _, values = line.partition(":")
        params = head.split(";")
        if params[0].upper() != name:
            continue
        tzid = next((p[5:] for p in params[1:] if p.upper().startswith("TZID=")), None)
        for v in values.split(","):
            try:
                out.add(_value(v.strip(), tzid, zone))
            except ValueError:
                if strict:
                    raise
    return out


def check_lines(lines: list[Any]) -> None:
    """ValueError unless every line is an RRULE, EXRULE, RDATE or EXDATE that reads."""
    for line in lines:
        if not isinstance(line, str) or ":" not in line:
            raise ValueError("not a recurrence line")
        name = line.partition(":")[0].split(";")[0].upper()
        if name in ("RRULE", "EXRULE"):
            parse_rule(line.partition(":")[2])
        elif name in ("RDATE", "EXDATE"):
            date_lines([line], name, dt.UTC, strict=True)
        else:
            raise ValueError(f"not a recurrence line: {name}")


@dataclass
class Series:
    """A recurring event read for expansion."""

    ev: dict[str, Any]
    key: str  # "date" (all-day) or "dateTime"
    zone: dt.tzinfo | None  # None for all-day events
    first: dt.datetime  # naive, wall-clock in zone
    length: dt.timedelta
    rules: list[str]
    exrules: list[str]
    rdates: set[dt.datetime | dt.date]
    skip: set[dt.datetime | dt.date]

    @classmethod
    def of(cls, ev: dict[str, Any]) -> Series | None:
        """None for an event that does not repeat (or a cancelled series)."""
        lines = [str(r) for r in ev.get("recurrence") or []]
        named = [r.partition(":")[0].split(";")[0].upper() for r in lines]
        if not {"RRULE", "RDATE"} & set(named) or ev.get("status") == "cancelled":
            return None
        key = "date" if "date" in ev["start"] else "dateTime"
        zone = None if key == "date" else zone_of(ev["start"])
        first = dt.datetime.fromisoformat(str(ev["start"][key]).replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(str(ev["end"][key]).replace("Z", "+00:00"))
        length = end - first
        if zone is not None:  # repeat in the event's wall-clock time: 9:00 stays 9:00
            first = (first if first.tzinfo else first.replace(tzinfo=zone)).astimezone(
                zone).replace(tzinfo=None)
        return cls(ev, key, zone, first, length,
                   [r[6:] for r, n in zip(lines, named, strict=True) if n == "RRULE"],
                   [r[7:] for r, n in zip(lines, named, strict=True) if n == "EXRULE"],
                   date_lines(lines, "RDATE", zone), date_lines(lines, "EXDATE", zone))

    def _local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(self.zone or dt.UTC).replace(tzinfo=None)

    def _expand(self, rules: list[str], low: dt.datetime | None, high: dt.datetime | None,
                limit: int, *, counts_start: bool = True) -> set[dt.datetime]:
        found: set[dt.datetime] = set()
        for text in rules:
            found.update(occurrences(self.first, text, self.zone, limit, low, high,
                                     counts_start=counts_start))
        return found

    def starts(self, window: Window, limit: int = MAX_INSTANCES) -> list[dt.datetime]:
        """The occurrences' starts (naive local) that may overlap the window."""
        low = self._local(window[0]) - self.length - PAD if window[0] else None
        high = self._local(window[1]) + PAD if window[1] else None
        found = {self.first} | self._expand(self.rules, low, high, limit)
        for extra in self.rdates:
            found.add(extra if isinstance(extra, dt.datetime)
                      else dt.datetime.combine(extra, self.first.time()))
        gone = self._expand(self.exrules, low, high, 10 * limit, counts_start=False) \
            if self.exrules else set()
        inside = sorted(at for at in found if (low is None or at >= low) and
                        (high is None or at <= high) and at not in gone and
                        at not in self.skip and at.date() not in self.skip)
        return inside[:limit]

    def stamp(self, at: dt.datetime) -> tuple[str, str, str]:
        """(instance id suffix, start value, end value) of the occurrence at ``at``."""
        if self.zone is None:
            return (at.strftime("%Y%m%d"), at.date().isoformat(),
                    (at + self.length).date().isoformat())
        aware = at.replace(tzinfo=self.zone)
        return (aware.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"), aware.isoformat(),
                (aware + self.length).isoformat())

    def instance(self, at: dt.datetime) -> dict[str, Any]:
        suffix, value, end = self.stamp(at)
        ev = self.ev
        inst = {k: v for k, v in ev.items() if k != "recurrence"}
        inst.update(id=f"{ev['id']}_{suffix}", recurringEventId=ev["id"],
                    originalStartTime={**ev["start"], self.key: value},
                    start={**ev["start"], self.key: value},
                    end={**ev["end"], self.key: end})
        return inst


def stamp_time(suffix: str) -> dt.datetime | None:
    """The UTC instant an instance id's suffix names (``20260105T080000Z``, or a date)."""
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%d"):
        try:
            return dt.datetime.strptime(suffix, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def instances(ev: dict[str, Any], exceptions: dict[str, dict[str, Any]],
              window: Window = (None, None), limit: int = MAX_INSTANCES
              ) -> list[dict[str, Any]]:
    """The instances of a recurring event as Google lists them with ``singleEvents=true``:
    ids ``<series>_<UTC start>`` (``<series>_<date>`` all-day), ``recurringEventId`` and
    ``originalStartTime``; an instance edited on its own (a stored exception with that id)
    replaces the computed one, a cancelled one included (the caller shows it only with
    ``showDeleted``). Only occurrences that may overlap ``window``; an exception moved into
    the window from an occurrence outside it comes too. ValueError for unreadable data."""
    series = Series.of(ev)
    if series is None:
        return [ev]
    out: list[dict[str, Any]] = []
    for at in series.starts(window, limit):
        inst = series.instance(at)
        out.append(exceptions.get(inst["id"], inst))
    placed = {e["id"] for e in out}
    for eid, exc in exceptions.items():
        named = stamp_time(eid.rpartition("_")[2])
        if eid not in placed and named is not None and _occurs(series, named, eid):
            out.append(exc)
    return out


def _occurs(series: Series, at: dt.datetime, eid: str) -> bool:
    """Whether the series has the occurrence an instance id names."""
    return any(series.instance(s)["id"] == eid for s in series.starts((at, at)))


def expand_rows(events: dict[str, dict[str, Any]], rows: list[dict[str, Any]],
                window: Window = (None, None)) -> list[dict[str, Any]]:
    """Series become their instances; stored exceptions of a listed series take their
    instance's place instead of being listed twice. A series that cannot be expanded is
    listed as it is stored."""
    exceptions: dict[str, dict[str, dict[str, Any]]] = {}
    for e in events.values():
        if e.get("recurringEventId"):
            exceptions.setdefault(e["recurringEventId"], {})[e["id"]] = e
    listed = {e["id"] for e in rows}
    out: list[dict[str, Any]] = []
    for e in rows:
        if e.get("recurringEventId") in listed:
            continue  # shown in its series' place
        try:
            out += instances(e, exceptions.get(e["id"], {}), window)
        except (ValueError, TypeError, KeyError, OverflowError):
            out.append(e)
    return out
