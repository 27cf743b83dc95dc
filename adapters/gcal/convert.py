"""Calendar event <-> canonical item.

Two mapping modes (``options.mode``): ``due`` (the default: a task's due becomes an event; an
all-day due is the all-day event ``[d, d+1)``, a timed due a block of ``block_minutes`` in its
own zone; the event's start flows back as the due) and ``span`` (the event's start and end
are the item's span, exactly, for items that are time blocks already). In ``due`` mode the
item's ``duration`` is the event's length: a timed block of that many minutes (of
``block_minutes`` without one), an all-day event of whole days (one day otherwise). What was
written is kept beside it (the private property ``synchubDuration``, "" for none), so a block
of the default length reads as no duration, and a duration the event cannot show (90 minutes
on an all-day event) reads back, as long as the event keeps the length it was written with;
an event whose length someone changed, or made in the calendar, reads its length (an
all-day event of one day: no duration). All-day ends are
exclusive on both sides, so no off-by-one; timed values keep their IANA zone, so a 9:00 event
stays at 9:00 across a DST change.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from adapters.gcal import exclusions
from adapters.reading import zone_name
from hub.model import (
    MAX_DATE,
    DateOnly,
    FloatingDateTime,
    Item,
    Span,
    ZonedDateTime,
)

ORIGIN_KEY = "synchubOrigin"
DURATION_KEY = "synchubDuration"
DAY_MINUTES = 1440


def event_id(idempotency_key: str) -> str:
    """A valid, deterministic client-chosen event id (base32hex, lowercase)."""
    digest = hashlib.sha1(idempotency_key.encode()).digest()
    return base64.b32hexencode(digest).decode().lower().rstrip("=")


def read_moment(value: dict[str, Any], default_tz: str, user_tz: str = "UTC",
                what: str = "event") -> DateOnly | ZonedDateTime:
    """``default_tz`` is the calendar's zone: Google reads a time without ``timeZone`` in
    it, so the user's own zone would be wrong for a calendar kept in another one. A
    ``timeZone`` this host's tz database does not know (Google's is newer, or a name it
    keeps for an imported event) is read in the calendar's zone, logged: the event stays
    readable, and an offset in ``dateTime`` still fixes the instant."""
    if value.get("date"):
        return DateOnly(date=dt.date.fromisoformat(value["date"]))
    tz = zone_name(value.get("timeZone"), default_tz, user_tz, what=what)
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


def written_length(duration: int | None, all_day: bool, block: dt.timedelta) -> dt.timedelta:
    """The length an event is written with for ``duration``."""
    if all_day:
        days = duration // DAY_MINUTES if duration and duration % DAY_MINUTES == 0 else 1
        return dt.timedelta(days=days)
    return dt.timedelta(minutes=duration) if duration else block


def times_for(item: Item, mode: str, block: dt.timedelta, user_tz: str, patch: bool = False,
              current: dict[str, Any] | None = None, zone: str | None = None,
              sized: bool = False) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Start and end to write. In ``due`` mode a moved due keeps the event's own length
    (``current``: the event as it is; a user may have made the 30-minute block an hour);
    only a new event, or one switching between all-day and timed, gets the default.
    ``sized``: the duration is written, so the length is the item's."""
    if mode == "span":
        if item.span is None:
            return None
        return (write_moment(zoned(item.span.start, user_tz), patch),
                write_moment(zoned(item.span.end, user_tz), patch))
    due = zoned(item.due, user_tz)
    if due is None:
        return None
    now = _length(current, zone or user_tz)
    if isinstance(due, DateOnly):
        # The exclusive end is a plain date: for the last day synchub syncs it is one day
        # past that range, which Google holds but a canonical DateOnly does not.
        end_day = due.date + dt.timedelta(days=1)
        if sized:
            end_day = _kept(due.date, written_length(item.duration, True, block)) or end_day
        elif now and isinstance(now[0], DateOnly) and isinstance(now[1], DateOnly) and \
                now[1].date > now[0].date:
            end_day = _kept(due.date, now[1].date - now[0].date) or end_day
        end_out: dict[str, Any] = {"date": end_day.isoformat()}
        if patch:
            end_out |= {"dateTime": None, "timeZone": None}
        return write_moment(due, patch), end_out
    # The end is written as a plain time, not a ZonedDateTime: a block that starts just
    # before the end of the range may end just after it.
    length, end_tz = block, due.tz
    if sized:
        length = written_length(item.duration, False, block)
    elif now and isinstance(now[0], ZonedDateTime) and isinstance(now[1], ZonedDateTime) and \
            now[1].at > now[0].at and _kept(due.at.date(), now[1].at - now[0].at):
        length, end_tz = now[1].at - now[0].at, now[1].tz
    end_at = (due.at + length).astimezone(ZoneInfo(end_tz))
    end_out = {"dateTime": end_at.isoformat(), "timeZone": end_tz}
    return write_moment(due, patch), end_out | {"date": None} if patch else end_out


def _start_of(current: dict[str, Any] | None, zone: str) -> DateOnly | ZonedDateTime | None:
    """The event's start as it is (None when unknown or unreadable)."""
    now = _length(current, zone)
    return now[0] if now is not None else None


def _kept(start: dt.date, length: dt.timedelta) -> dt.date | None:
    """``start + length`` (the event keeps its own length), or None when that would leave
    the dates synchub syncs (a long event moved near their end; the default length is used
    then): never an overflow half-way through a round."""
    try:
        end = start + length
    except OverflowError:
        return None
    return end if end <= MAX_DATE + dt.timedelta(days=1) else None


def _length_of(ev: dict[str, Any], start: DateOnly | ZonedDateTime, default_tz: str
               ) -> dt.timedelta | None:
    """The event's length, read without building its end (which may lie past the dates
    synchub syncs); None when the end cannot be read."""
    end = ev.get("end") or {}
    try:
        if isinstance(start, DateOnly):
            return dt.date.fromisoformat(end["date"]) - start.date
        at = dt.datetime.fromisoformat(end["dateTime"].replace("Z", "+00:00"))
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo(zone_name(end.get("timeZone"), default_tz,
                                                     what=f"event {ev.get('id')}")))
        return at - start.at
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def read_duration(ev: dict[str, Any], start: DateOnly | ZonedDateTime, default_tz: str,
                  block: dt.timedelta) -> int | None:
    """The item's duration (see the module docstring)."""
    length = _length_of(ev, start, default_tz)
    if length is None or length <= dt.timedelta(0):
        return None
    all_day = isinstance(start, DateOnly)
    private = (ev.get("extendedProperties") or {}).get("private") or {}
    written = private.get(DURATION_KEY)
    if written is None and private.get(ORIGIN_KEY) is not None:
        written = ""  # made by synchub before durations were synced: a default block
    if written is not None and (written == "" or str(written).isdigit()):
        value = int(written) if written and int(written) > 0 else None
        if written_length(value, all_day, block) == length:
            return value
    if all_day:
        return length.days * DAY_MINUTES if length.days > 1 else None
    return round(length.total_seconds() / 60) or None


def to_item(ev: dict[str, Any], mode: str, default_tz: str, user_tz: str = "UTC",
            block: dt.timedelta = dt.timedelta(minutes=30)) -> Item:
    """``default_tz``: the calendar's zone; ``user_tz``: where a time is read when even the
    calendar's zone is unknown here. In ``due`` mode only the start is read: the end of an
    all-day event on the last day synchub syncs is past that range."""
    what = f"event {ev.get('id')}"
    start = read_moment(ev["start"], default_tz, user_tz, what)
    values: dict[str, Any] = {}
    if mode == "span":
        values["span"] = Span(start=start, end=read_moment(ev["end"], default_tz, user_tz, what))
    else:
        values["due"] = start
        values["duration"] = read_duration(ev, start, default_tz, block)
    updated = ev.get("updated")
    return Item(title=ev.get("summary") or "", description=ev.get("description") or None,
                recurrence=exclusions.read_rule(ev.get("recurrence"), start),
                url=ev.get("htmlLink"),
                origin=(ev.get("extendedProperties") or {}).get("private", {}).get(ORIGIN_KEY),
                updated_at=dt.datetime.fromisoformat(updated.replace("Z", "+00:00"))
                if updated else None, **values)


def recurrence_lines(rule: str | None, current: list[str] | None, at: Any = None,
                     series_start: Any = None) -> list[str]:
    """The event's ``recurrence`` with ``rule`` as its first RRULE and its exclusions as
    EXDATE lines (:mod:`adapters.gcal.exclusions`; ``at``: the item's current occurrence,
    ``series_start``: the event's start once written). The canonical item holds one rule;
    the event's RDATE lines (occurrences added in the calendar), EXRULEs and any further
    rules are kept, so writing the rule changes nothing else about the series. No rule: a
    single event again, so nothing is kept."""
    return exclusions.write_lines(rule, current, at, series_start)


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
    if fields & {"due", "span", "duration"}:
        sized = mode == "due" and "duration" in fields
        times = times_for(item, mode, block, user_tz, patch, current, zone, sized)
        if times is not None:
            body["start"], body["end"] = times
            if sized:
                body["extendedProperties"] = {"private": {
                    DURATION_KEY: str(item.duration or "")}}
    if "recurrence" in fields:
        at = zoned(item.span.start if mode == "span" and item.span else item.due, user_tz)
        begin = at if "start" in body else _start_of(current, zone or user_tz)
        body["recurrence"] = recurrence_lines(item.recurrence,
                                              (current or {}).get("recurrence"), at, begin)
    return body
