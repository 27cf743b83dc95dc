"""Recurrence expansion for the Calendar emulator (``singleEvents=true``), with
python-dateutil's ``rrule``: the whole RFC 5545 rule language (WKST, BYSETPOS, BYWEEKNO,
BYHOUR...), not a hand-written subset. Occurrences repeat in the event's wall-clock time in
its zone (dateutil iterates naive local times), so a 9:00 meeting stays at 9:00 across a DST
change; an ``UNTIL`` in UTC is turned into that zone's wall-clock time first, since dateutil
refuses an aware UNTIL with a naive start. EXDATE and RDATE lines are read here, with their
TZID.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule

MAX_YEARS = 200  # a rule that never ends is read this far ahead at most


class Unsupported(ValueError):
    """Kept for callers: dateutil expands every valid rule, so nothing raises it now."""


def _local_until(text: str, zone: ZoneInfo | None) -> str:
    """``UNTIL=...Z`` as a wall-clock time in ``zone`` (or a date, for all-day events)."""
    def local(m: re.Match[str]) -> str:
        at = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        if zone is None:
            return f"UNTIL={at:%Y%m%d}"
        return f"UNTIL={at.astimezone(zone):%Y%m%dT%H%M%S}"
    return re.sub(r"UNTIL=(\d{8}T\d{6})Z", local, text, flags=re.I)


def parse_rule(text: str, start: dt.datetime | None = None,
               zone: ZoneInfo | None = None) -> rrule.rrule:
    """An RRULE's value as dateutil reads it (ValueError when it is not valid RFC 5545)."""
    begin = start or dt.datetime(2000, 1, 1)
    rule: rrule.rrule = rrule.rrulestr(_local_until(text, zone), dtstart=begin)
    return rule


def occurrences(start: dt.datetime, text: str, zone: ZoneInfo | None, limit: int
                ) -> list[dt.datetime]:
    """Start times (naive wall-clock times in ``zone``; ``zone`` None for all-day events),
    at most ``limit``, and none beyond :data:`MAX_YEARS` from the start."""
    horizon = start.replace(year=min(start.year + MAX_YEARS, 9999))
    within = itertools.takewhile(lambda at: at <= horizon, parse_rule(text, start, zone))
    return list(itertools.islice(within, limit))


def date_lines(lines: list[str], name: str, zone: ZoneInfo | None) -> set[Any]:
    """The moments of the ``EXDATE``/``RDATE`` lines: dates for all-day events (``zone``
    None), else aware date-times (a line's TZID, UTC for ``Z``, else the event's zone)."""
    out: set[Any] = set()
    for line in lines:
        head, _, values = line.partition(":")
        params = head.split(";")
        if params[0].upper() != name:
            continue
        tzid = next((p[5:] for p in params[1:] if p.upper().startswith("TZID=")), None)
        for v in filter(None, values.split(",")):
            if "T" not in v:
                out.add(dt.date(int(v[:4]), int(v[4:6]), int(v[6:8])))
                continue
            at = dt.datetime.strptime(v.rstrip("Z"), "%Y%m%dT%H%M%S")
            where = dt.UTC if v.endswith("Z") else ZoneInfo(tzid) if tzid else zone or dt.UTC
            out.add(at.replace(tzinfo=where) if zone is not None else at.date())
    return out


def instances(ev: dict[str, Any], exceptions: dict[str, dict[str, Any]], limit: int = 250
              ) -> list[dict[str, Any]]:
    """The instances of a recurring event as Google lists them with ``singleEvents=true``:
    ids ``<series>_<UTC start>`` (``<series>_<date>`` all-day), ``recurringEventId`` and
    ``originalStartTime``; an instance edited on its own (a stored exception with that id)
    replaces the computed one, and a cancelled one is left out."""
    lines = list(ev.get("recurrence") or [])
    rules = [r[6:] for r in lines if r.upper().startswith("RRULE:")]
    rdates_present = any(r.upper().startswith("RDATE") for r in lines)
    if (not rules and not rdates_present) or ev.get("status") == "cancelled":
        return [ev]
    all_day = "date" in ev["start"]
    key = "date" if all_day else "dateTime"
    first = dt.datetime.fromisoformat(ev["start"][key])
    length = dt.datetime.fromisoformat(ev["end"][key]) - first
    zone = None if all_day else ZoneInfo(ev["start"].get("timeZone") or "UTC")
    if zone is not None:  # repeat in the event's wall-clock time: 9:00 stays 9:00 across DST
        first = first.astimezone(zone).replace(tzinfo=None)
    starts = {first}
    for text in rules:
        starts.update(occurrences(first, text, zone, limit))
    for extra in date_lines(lines, "RDATE", zone):
        starts.add(dt.datetime.combine(extra, dt.time()) if zone is None
                   else extra.astimezone(zone).replace(tzinfo=None))
    skip = date_lines(lines, "EXDATE", zone)
    out: list[dict[str, Any]] = []
    for at in sorted(starts)[:limit]:
        if zone is None:
            if at.date() in skip:
                continue
            stamp, value = at.strftime("%Y%m%d"), at.date().isoformat()
            end = (at + length).date().isoformat()
        else:
            aware = at.replace(tzinfo=zone)
            if aware in skip:
                continue
            stamp = aware.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            value, end = aware.isoformat(), (aware + length).isoformat()
        iid = f"{ev['id']}_{stamp}"
        if iid in exceptions:
            if exceptions[iid].get("status") != "cancelled":
                out.append(exceptions[iid])
            continue
        inst = {k: v for k, v in ev.items() if k != "recurrence"}
        inst.update(id=iid, recurringEventId=ev["id"],
                    originalStartTime={**ev["start"], key: value},
                    start={**ev["start"], key: value}, end={**ev["end"], key: end})
        out.append(inst)
    return out


def expand_rows(events: dict[str, dict[str, Any]], rows: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Series become their instances; stored exceptions of a listed series take their
    instance's place instead of being listed twice."""
    exceptions: dict[str, dict[str, dict[str, Any]]] = {}
    for e in events.values():
        if e.get("recurringEventId"):
            exceptions.setdefault(e["recurringEventId"], {})[e["id"]] = e
    listed = {e["id"] for e in rows}
    out: list[dict[str, Any]] = []
    for e in rows:
        if e.get("recurringEventId") in listed:
            continue  # shown in its series' place
        out += instances(e, exceptions.get(e["id"], {}))
    return out
