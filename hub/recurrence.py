"""Occurrences of a recurring item: what "one occurrence done" moves it to. Pure.

The canonical item holds its rule (RFC 5545 RRULE text) and its *current* occurrence (its
``due``, or its span's start). Completing that occurrence moves the item to the rule's next
occurrence after it, computed with python-dateutil's ``rrule`` in the item's wall-clock time
(a 9:00 task stays at 9:00 across a DST change). A ``COUNT`` counts what is left: the rolled
item's rule has one occurrence fewer, so ``COUNT=3`` ends after the third completion; an
``UNTIL`` ends the series when no occurrence is left before it. ``None`` from :func:`roll`:
no occurrence is left, the item is done for good.

A series endpoint (a calendar, whose event *is* the series from its first occurrence, its
``DTSTART``) holds a rolled item as it was: :func:`continues` tells whether a copy's rule and
start still describe the canonical rule and occurrence (the canonical occurrence is one of
the copy's, and what is left of the copy's series from there is the canonical series), so a
roll never moves the series' start and past occurrences stay on the calendar.

Exclusions: the canonical rule's ``EXDATE=`` part (see :func:`hub.model.normalise_rrule`)
takes occurrences out of the series, as RFC 5545's EXDATE does: a date takes out every
occurrence on that day, a date-time the one at that wall-clock time. ``COUNT`` counts them
still (RFC 5545 counts the rule's occurrences before exclusions), so a roll past an excluded
occurrence lowers ``COUNT`` by every occurrence it passed, and the rolled rule keeps only
the exclusions still ahead.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from typing import Any, NamedTuple, cast

from dateutil import rrule as _rrule

from hub.model import DateOnly, FloatingDateTime, Span, ZonedDateTime, normalise_rrule

Moment = DateOnly | FloatingDateTime | ZonedDateTime
#: occurrences compared when telling whether two series are the same from a point on
COMPARE = 24
_COUNT_RE = re.compile(r"(^|;)COUNT=(\d+)")
_EXDATE_RE = re.compile(r"(^|;)EXDATE=([^;]*)")


class Rolled(NamedTuple):
    """The item after its current occurrence was done."""

    at: Moment  # the next occurrence
    rule: str  # the rule from there (``COUNT`` lowered by the occurrences done)


def wall(m: Moment) -> dt.datetime:
    """``m`` as the naive wall-clock time its rule repeats in."""
    if isinstance(m, DateOnly):
        return dt.datetime.combine(m.date, dt.time())
    if isinstance(m, ZonedDateTime):
        return m.local().replace(tzinfo=None)
    return m.at


def moment_like(m: Moment, at: dt.datetime) -> Moment:
    """Wall-clock ``at`` as a moment of ``m``'s kind (and zone)."""
    if isinstance(m, DateOnly):
        return DateOnly(date=at.date())
    if isinstance(m, ZonedDateTime):
        from zoneinfo import ZoneInfo

        return ZonedDateTime(at=at.replace(tzinfo=ZoneInfo(m.tz)).astimezone(dt.UTC), tz=m.tz)
    return FloatingDateTime(at=at)


def _naive_until(rule: str, start: Moment) -> str:
    """dateutil refuses an aware ``UNTIL`` with a naive start: a UTC ``UNTIL`` is turned into
    the start's wall-clock time first (a date ``UNTIL`` takes in its whole day)."""
    m = re.search(r"UNTIL=(\d{8})(T(\d{6})Z?)?", rule)
    if m is None:
        return rule
    day = dt.datetime.strptime(m.group(1), "%Y%m%d")
    if m.group(3) is None:
        until = day.replace(hour=23, minute=59, second=59)
    else:
        until = dt.datetime.strptime(m.group(1) + m.group(3), "%Y%m%d%H%M%S")
        if m.group(0).endswith("Z") and isinstance(start, ZonedDateTime):
            until = until.replace(tzinfo=dt.UTC).astimezone(
                start.local().tzinfo).replace(tzinfo=None)
    return rule.replace(m.group(0), "UNTIL=" + until.strftime("%Y%m%dT%H%M%S"))


_INTERVAL_RE = re.compile(r"(^|;)INTERVAL=(\d+)")


def split_exdates(rule: str) -> tuple[str, tuple[str, ...]]:
    """The rule without its ``EXDATE=`` part, and that part's values."""
    m = _EXDATE_RE.search(rule)
    if m is None:
        return rule, ()
    rest = (rule[:m.start()] + rule[m.end():]).strip(";").replace(";;", ";")
    return rest, tuple(v for v in m.group(2).split(",") if v)


def with_exdates(rule: str, values: Iterable[str]) -> str:
    """``rule`` (without exclusions) with those exclusions, in canonical form."""
    kept = sorted(set(values))
    return normalise_rrule(f"{rule};EXDATE={','.join(kept)}") if kept else rule


def exdate_text(at: dt.datetime | dt.date) -> str:
    """An exclusion's value as the canonical rule writes it (the inverse of reading one)."""
    return f"{at:%Y%m%dT%H%M%S}" if isinstance(at, dt.datetime) else f"{at:%Y%m%d}"


def _excluded(value: str) -> dt.datetime | dt.date:
    if "T" in value:
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
    return dt.datetime.strptime(value, "%Y%m%d").date()


def _plain(rule: str, start: Moment) -> Any:
    m = _INTERVAL_RE.search(rule)
    if m is not None and int(m.group(2)) < 1:
        raise ValueError("an RRULE's INTERVAL must be at least 1")
    text = _naive_until(rule, start)
    return from_start(_rrule.rrulestr(text, dtstart=wall(start), cache=False), wall(start),
                      count(text))


def series(rule: str, start: Moment) -> Any:
    """The rule's occurrences from ``start`` (wall-clock, naive), as dateutil reads them,
    ``start`` always the first (:func:`from_start`), without its exclusions. An
    ``INTERVAL`` below 1 is refused (RFC 5545 wants a positive one; dateutil would walk such
    a rule for ever)."""
    plain, values = split_exdates(rule)
    raw = _plain(plain, start)
    if not values:
        return raw
    out = _rrule.rruleset(cache=False)
    out.rrule(raw)
    dated = isinstance(start, DateOnly)
    for value in values:
        at = _excluded(value)
        if isinstance(at, dt.datetime) and not dated:
            out.exdate(at)
            continue
        day = at.date() if isinstance(at, dt.datetime) else at
        # a date (or any value on a dated item) takes out the whole day's occurrences
        for hit in raw.between(dt.datetime.combine(day, dt.time()),
                               dt.datetime.combine(day, dt.time.max), inc=True):
            out.exdate(hit)
    return out


def count(rule: str) -> int | None:
    """The rule's ``COUNT``, None without one."""
    m = _COUNT_RE.search(rule)
    return int(m.group(2)) if m else None


def from_start(r: Any, start: dt.datetime, total: int | None) -> Any:
    """RFC 5545: "the DTSTART property value always counts as the first occurrence", also
    when it does not match the rule (a weekly-on-Monday series starting on a Wednesday).
    dateutil leaves such a start out and counts ``COUNT`` without it, which would show one
    occurrence more than a calendar does and miss the first; here the start is added and
    counted. ``total``: the rule's ``COUNT``."""
    if r.after(start, inc=True) == start:
        return r
    out = _rrule.rruleset(cache=False)
    out.rdate(start)
    if total is None:
        out.rrule(r)
    elif total > 1:
        out.rrule(r.replace(count=total - 1))
    return out


def upcoming(rule: str, start: Moment, n: int = COMPARE) -> list[dt.datetime]:
    """The first ``n`` occurrences of the rule from ``start``."""
    return list(itertools.islice(iter(series(rule, start)), n))


def roll(rule: str, current: Moment) -> Rolled | None:
    """The next occurrence after ``current`` and the rule from there; ``None`` when none is
    left (``COUNT`` exhausted, ``UNTIL`` passed)."""
    s = series(rule, current)
    here = wall(current)
    # a date's occurrence is its whole day: a rule repeating within a day (BYHOUR, HOURLY)
    # moves a dated item to the next day it occurs on, never to the same date again
    past = dt.datetime.combine(current.date, dt.time.max) if isinstance(current, DateOnly) \
        else here
    after = cast("dt.datetime | None", s.after(past, inc=False))
    if after is None:
        return None
    plain, values = split_exdates(rule)
    m = _COUNT_RE.search(plain)
    if m is not None:
        # the current occurrence is the series' first (from_start); COUNT counts the
        # excluded occurrences passed on the way too (RFC 5545)
        passed = sum(1 for _ in itertools.takewhile(lambda at: at < after,
                                                    iter(_plain(plain, current))))
        plain = _COUNT_RE.sub(f"{m.group(1)}COUNT={int(m.group(2)) - passed}", plain, count=1)
    ahead = [v for v in values if _ahead(_excluded(v), after)]
    return Rolled(moment_like(current, after), with_exdates(plain, ahead))


def ended(rule: str, at: Moment) -> str:
    """``rule`` with no occurrence after ``at`` (its ``COUNT`` or ``UNTIL`` replaced by an
    ``UNTIL`` at ``at``: a date for a dated item, the UTC instant for a zoned one, a
    wall-clock time for a floating one), keeping the exclusions up to there: the series as
    it was, ended at that occurrence."""
    plain, values = split_exdates(rule)
    parts = [p for p in plain.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
    if isinstance(at, DateOnly):
        until = f"{at.date:%Y%m%d}"
    elif isinstance(at, ZonedDateTime):
        until = f"{at.at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    else:
        until = f"{at.at:%Y%m%dT%H%M%S}"
    here = wall(at)
    kept = [v for v in values if not _ahead(_excluded(v), here)]
    return with_exdates(normalise_rrule(";".join([*parts, f"UNTIL={until}"])), kept)


def shift_exdates(rule: str, old: Moment, new: Moment) -> str | None:
    """The rule's exclusions moved with its series, when the item's current occurrence was
    moved off the series (a 9:00 meeting made a 10:00 one, a Monday task moved to the
    Tuesday): an exclusion at 9:00 would exclude nothing any more and the occurrence taken
    out would come back. None when there is nothing to move: no exclusions, or ``new`` is
    one of the series' own occurrences (the item moved on to a later one, as Todoist's
    checkbox does: the series did not move)."""
    plain, values = split_exdates(rule)
    if not values:
        return None
    here = wall(new)
    hit = series(plain, old).after(here - dt.timedelta(microseconds=1), inc=True)
    if hit is not None and (hit == here or (isinstance(new, DateOnly)
                                            and hit.date() == here.date())):
        return None
    delta = here - wall(old)
    days = dt.timedelta(days=here.date().toordinal() - wall(old).date().toordinal())
    moved = [exdate_text(at + (delta if isinstance(at, dt.datetime) else days))
             for at in map(_excluded, values)]
    return with_exdates(plain, moved)


def _ahead(at: dt.datetime | dt.date, than: dt.datetime) -> bool:
    if isinstance(at, dt.datetime):
        return at > than
    return at > than.date()


def shift_span(span: Span, to: Moment) -> Span:
    """``span`` moved to start at ``to``, its length kept."""
    delta = wall(to) - wall(span.start)
    end = span.end
    return Span(start=to, end=moment_like(end, wall(end) + delta))


def continues(rule: str | None, start: Moment | None, wanted_rule: str | None,
              wanted_at: Moment | None) -> bool:
    """Whether a series (``rule`` from ``start``) holds the canonical recurring item
    (``wanted_rule`` at its current occurrence ``wanted_at``): ``wanted_at`` is one of its
    occurrences and its occurrences from there are the canonical rule's."""
    if rule is None or start is None or wanted_at is None or wanted_rule is None:
        return False
    if type(start) is not type(wanted_at) or wall(wanted_at) < wall(start):
        return False
    try:
        mine = series(rule, start)
        here = wall(wanted_at)
        if mine.after(here, inc=True) != here:
            return False
        tail = list(itertools.islice(mine.xafter(here, count=COMPARE, inc=True), COMPARE))
        return tail == upcoming(wanted_rule, wanted_at)
    except (ValueError, TypeError, OverflowError):
        return False


def readable(rule: str, start: Moment) -> bool:
    """Whether dateutil reads the rule from that start."""
    try:
        upcoming(rule, start, 1)
    except (ValueError, TypeError, OverflowError):
        return False
    return True
