"""Calendar event <-> canonical item.

Two mapping modes (``options.mode``): ``due`` (the default: a task's due becomes an event; an
all-day due is the all-day event ``[d, d+1)``, a timed due a block of ``block_minutes`` in its
own zone; the event's start flows back as the due) and ``span`` (the event's start and end
are the item's span, exactly, for items that are time blocks already). All-day ends are
exclusive on both sides, so no off-by-one; timed values keep their IANA zone, so a 9:00 event
stays at 9:00 across a DST change.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from hub.model import DateOnly, FloatingDateTime, Item, Span, ZonedDateTime, normalise_rrule

ORIGIN_KEY = "synchubOrigin"


def event_id(idempotency_key: str) -> str:
    """A valid, deterministic client-chosen event id (base32hex, lowercase)."""
    digest = hashlib.sha1(idempotency_key.encode()).digest()
    return base64.b32hexencode(digest).decode().lower().rstrip("=")


def read_moment(value: dict[str, Any], default_tz: str) -> DateOnly | ZonedDateTime:
    """``default_tz`` is the calendar's zone: Google reads a time without ``timeZone`` in
    it, so the user's own zone would be wrong for a calendar kept in another one."""
    if value.get("date"):
        return DateOnly(date=dt.date.fromisoformat(value["date"]))
    tz = value.get("timeZone") or default_tz
    at = dt.datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return ZonedDateTime(at=at, tz=tz)


def write_moment(m: DateOnly | ZonedDateTime, patch: bool = False) -> dict[str, Any]:
    """A patch merges nested objects at Google, so switching between all-day and timed must
    clear the other kind's fields with explicit nulls, or the old ones stay."""
    if isinstance(m, DateOnly):
        out: dict[str, Any] = {"date": m.date.isoformat()}
        return out | {"dateTime": None, "timeZone": None} if patch else out
    out = {"dateTime": m.local().isoformat(), "timeZone": m.tz}
    return out | {"date": None} if patch else out


def zoned(m: Any, user_tz: str) -> Any:
    """Calendars have no floating times: a floating due is placed in the user's zone."""
    if isinstance(m, FloatingDateTime):
        return ZonedDateTime(at=m.at.replace(tzinfo=ZoneInfo(user_tz)), tz=user_tz)
    return m


def _length(current: dict[str, Any] | None, zone: str
            ) -> tuple[DateOnly | ZonedDateTime, DateOnly | ZonedDateTime] | None:
    """The event's own start and end as it is now (None if it has none we can read)."""
    if not current or not current.get("start") or not current.get("end"):
        return None
    try:
        return read_moment(current["start"], zone), read_moment(current["end"], zone)
    except (KeyError, TypeError, ValueError):
        return None


def times_for(item: Item, mode: str, block: dt.timedelta, user_tz: str, patch: bool = False,
              current: dict[str, Any] | None = None, zone: str | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Start and end to write. In ``due`` mode a moved due keeps the event's own length
    (``current``: the event as it is; a user may have made the 30-minute block an hour);
    only a new event, or one switching between all-day and timed, gets the default."""
    if mode == "span":
        if item.span is None:
            return None
        return (write_moment(zoned(item.span.start, user_tz), patch),
                write_moment(zoned(item.span.end, user_tz), patch))
    due = zoned(item.due, user_tz)
    if due is None:
        return None
    now = _length(current, zone or user_tz)
    end: DateOnly | ZonedDateTime
    if isinstance(due, DateOnly):
        end = DateOnly(date=due.date + dt.timedelta(days=1))
        if now and isinstance(now[0], DateOnly) and isinstance(now[1], DateOnly) and \
                now[1].date > now[0].date:
            end = DateOnly(date=due.date + (now[1].date - now[0].date))
        return write_moment(due, patch), write_moment(end, patch)
    end = ZonedDateTime(at=due.at + block, tz=due.tz)
    if now and isinstance(now[0], ZonedDateTime) and isinstance(now[1], ZonedDateTime) and \
            now[1].at > now[0].at:
        end = ZonedDateTime(at=due.at + (now[1].at - now[0].at), tz=now[1].tz)
    return write_moment(due, patch), write_moment(end, patch)


def to_item(ev: dict[str, Any], mode: str, default_tz: str) -> Item:
    start = read_moment(ev["start"], default_tz)
    end = read_moment(ev["end"], default_tz)
    rules = [r[6:] for r in ev.get("recurrence") or [] if r.upper().startswith("RRULE:")]
    values: dict[str, Any] = {}
    if mode == "span":
        values["span"] = Span(start=start, end=end)
    else:
        values["due"] = start
    updated = ev.get("updated")
    return Item(title=ev.get("summary") or "", description=ev.get("description") or None,
                recurrence=normalise_rrule(rules[0]) if rules else None,
                url=ev.get("htmlLink"),
                origin=(ev.get("extendedProperties") or {}).get("private", {}).get(ORIGIN_KEY),
                updated_at=dt.datetime.fromisoformat(updated.replace("Z", "+00:00"))
                if updated else None, **values)


def recurrence_lines(rule: str | None, current: list[str] | None) -> list[str]:
    """The event's ``recurrence`` with ``rule`` as its first RRULE. The canonical item holds
    one rule; the event's EXDATE and RDATE lines (occurrences removed or added in the
    calendar) and any further rules are kept, so writing the rule changes nothing else about
    the series. No rule: a single event again, so nothing is kept."""
    if rule is None:
        return []
    lines = list(current or [])
    for i, line in enumerate(lines):
        if line.upper().startswith("RRULE:"):
            lines[i] = f"RRULE:{rule}"
            return lines
    return [f"RRULE:{rule}", *lines]


def to_body(item: Item, fields: frozenset[str], mode: str, block: dt.timedelta, user_tz: str,
            patch: bool = False, current: dict[str, Any] | None = None,
            zone: str | None = None) -> dict[str, Any]:
    """The event body for ``fields``; ``patch`` for an events.patch (explicit nulls);
    ``current`` is the event as last read (its recurrence lines and length are kept), read
    in ``zone`` (the calendar's) where it has no zone of its own."""
    body: dict[str, Any] = {}
    if "title" in fields:
        body["summary"] = item.title
    if "description" in fields:
        body["description"] = item.description or ""
    if fields & {"due", "span"}:
        times = times_for(item, mode, block, user_tz, patch, current, zone)
        if times is not None:
            body["start"], body["end"] = times
    if "recurrence" in fields:
        body["recurrence"] = recurrence_lines(item.recurrence,
                                              (current or {}).get("recurrence"))
    return body
