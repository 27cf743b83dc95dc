"""Recurrence expansion for the Calendar emulator (``singleEvents=true``).

A small RFC 5545 subset, written out because python-dateutil is not a dependency: FREQ
DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL, COUNT, UNTIL, BYDAY (with ordinals such as ``1MO`` or
``-1FR`` in monthly and yearly rules), BYMONTHDAY (negative counts from the month's end),
BYMONTH and BYSETPOS; EXDATE and RDATE lines. Occurrences repeat in the event's wall-clock
time in its zone, so a 9:00 meeting stays at 9:00 across a DST change. Anything else in a rule
is refused loudly (:class:`Unsupported`), never half-expanded: a test must not pass on a wrong
expansion.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
KNOWN = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS",
         "WKST"}
MAX_PERIODS = 20000  # a rule that never matches (BYMONTHDAY=31;BYMONTH=2) must still end


class Unsupported(ValueError):
    """A rule part the emulator does not expand (it is valid RFC 5545, just not modelled)."""


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    count: int | None = None
    until: str | None = None
    byday: tuple[tuple[int | None, int], ...] = ()
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()


def parse_rule(text: str) -> Rule:
    """``FREQ=...;...`` (without ``RRULE:``). ValueError if malformed, Unsupported if valid
    but outside the subset above."""
    parts: dict[str, str] = {}
    for p in text.split(";"):
        if not p:
            continue
        key, sep, value = p.partition("=")
        if not sep or not value:
            raise ValueError(f"malformed rule part {p!r}")
        parts[key.upper()] = value.upper()
    if parts.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        if parts.get("FREQ") in ("SECONDLY", "MINUTELY", "HOURLY"):
            raise Unsupported(f"FREQ={parts['FREQ']} is not expanded by the emulator")
        raise ValueError("a rule needs FREQ")
    extra = set(parts) - KNOWN
    if extra:
        raise Unsupported(f"rule parts {sorted(extra)} are not expanded by the emulator")
    byday = []
    for d in filter(None, parts.get("BYDAY", "").split(",")):
        m = BYDAY_RE.match(d)
        if not m:
            raise ValueError(f"bad BYDAY value {d!r}")
        byday.append((int(m.group(1)) if m.group(1) else None, DAYS[m.group(2)]))

    def ints(key: str) -> tuple[int, ...]:
        return tuple(int(v) for v in parts.get(key, "").split(",") if v)

    return Rule(freq=parts["FREQ"], interval=int(parts.get("INTERVAL", "1")),
                count=int(parts["COUNT"]) if "COUNT" in parts else None,
                until=parts.get("UNTIL"), byday=tuple(byday), bymonthday=ints("BYMONTHDAY"),
                bymonth=ints("BYMONTH"), bysetpos=ints("BYSETPOS"))


def _nth(days: list[dt.date], ordinal: int | None) -> list[dt.date]:
    if ordinal is None:
        return days
    i = ordinal - 1 if ordinal > 0 else ordinal
    return [days[i]] if -len(days) <= i < len(days) else []


def _month_days(year: int, month: int, rule: Rule, default_day: int) -> list[dt.date]:
    size = calendar.monthrange(year, month)[1]
    every = [dt.date(year, month, d) for d in range(1, size + 1)]
    picked: set[dt.date] | None = None
    if rule.bymonthday:
        picked = {every[d - 1 if d > 0 else d] for d in rule.bymonthday if 0 < abs(d) <= size}
    if rule.byday and rule.freq in ("MONTHLY", "YEARLY"):
        by = {day for ordinal, wd in rule.byday
              for day in _nth([d for d in every if d.weekday() == wd], ordinal)}
        picked = by if picked is None else picked & by
    if picked is None:
        picked = {dt.date(year, month, default_day)} if default_day <= size else set()
    return sorted(picked)


def _period(rule: Rule, first: dt.date, n: int) -> list[dt.date]:
    """Candidate dates of the ``n``-th period (day, week, month or year) after ``first``."""
    step = n * rule.interval
    if rule.freq == "DAILY":
        days = [first + dt.timedelta(days=step)]
    elif rule.freq == "WEEKLY":  # weeks start on Monday (WKST=MO, Google's default)
        monday = first - dt.timedelta(days=first.weekday()) + dt.timedelta(weeks=step)
        wanted = sorted({wd for _, wd in rule.byday} or {first.weekday()})
        days = [monday + dt.timedelta(days=wd) for wd in wanted]
    elif rule.freq == "MONTHLY":
        index = first.month - 1 + step
        days = _month_days(first.year + index // 12, index % 12 + 1, rule, first.day)
    else:
        year = first.year + step
        if rule.byday and not rule.bymonth and not rule.bymonthday:  # BYDAY=20MO: in the year
            every = [dt.date(year, 1, 1) + dt.timedelta(days=i)
                     for i in range(366 if calendar.isleap(year) else 365)]
            days = sorted({day for ordinal, wd in rule.byday
                           for day in _nth([d for d in every if d.weekday() == wd], ordinal)})
        else:
            days = [d for m in (rule.bymonth or (first.month,))
                    for d in _month_days(year, m, rule, first.day)]
    if rule.bymonth:
        days = [d for d in days if d.month in rule.bymonth]
    if rule.freq in ("DAILY", "WEEKLY") and rule.bymonthday:
        days = [d for d in days if d.day in rule.bymonthday or
                d.day - calendar.monthrange(d.year, d.month)[1] - 1 in rule.bymonthday]
    if rule.freq == "DAILY" and rule.byday:
        days = [d for d in days if d.weekday() in {wd for _, wd in rule.byday}]
    if rule.bysetpos:
        days = sorted({day for pos in rule.bysetpos for day in _nth(days, pos)})
    return days


def _until(value: str, zone: ZoneInfo | None) -> tuple[dt.date | None, dt.datetime | None]:
    if "T" not in value:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])), None
    at = dt.datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    return None, at.replace(tzinfo=dt.UTC if value.endswith("Z") else zone or dt.UTC)


def occurrences(start: dt.datetime, rule: Rule, zone: ZoneInfo | None, limit: int
                ) -> list[dt.datetime]:
    """Start times (naive wall-clock times in ``zone``; ``zone`` None for all-day events)."""
    until_day, until_at = _until(rule.until, zone) if rule.until else (None, None)
    wanted = min(rule.count or limit, limit)
    out: list[dt.datetime] = []
    for n in range(MAX_PERIODS):
        for day in _period(rule, start.date(), n):
            at = dt.datetime.combine(day, start.time())
            if at < start:
                continue
            if (until_day and day > until_day) or (
                    until_at and at.replace(tzinfo=zone or dt.UTC) > until_at):
                return out
            out.append(at)
            if len(out) >= wanted:
                return out
    return out


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
        starts.update(occurrences(first, parse_rule(text), zone, limit))
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
