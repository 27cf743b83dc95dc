"""``events.quickAdd``'s text, read by the Calendar emulator as a small, honest subset of
what Google's parser understands (Google's own handles far more, in many languages; this
reads English only):

* a day: ``today``, ``tomorrow``, a weekday (``friday``, ``on fri``: the next such day,
  today included; ``next friday``: after today), a month and day (``June 3``, ``3 June``,
  ``Jun 3rd``: this year, or next year once it has passed), ``2026-06-03`` and ``6/3``
  (month/day, as Google reads it for an English account);
* a time: ``9am``, ``9:30 pm``, ``12pm``, ``noon``, ``midnight``, ``14:00``, with or without
  ``at``; a span: ``10am-11am``, ``10-11am``, ``from 10am to 11:30am``, ``14:00-15:00``;
* a place: ``at <words>`` once the day and time are taken out (to the end of the text).

What is left is the summary. A time without an end lasts the account's default event
length (60 minutes); a span that ends before it starts ends the next day. Without a time
the event is an all-day one; without a day it is today. Days and times are the calendar's
wall-clock (its zone).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
DAYS = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
MONTH = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
DAY_NUM = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
WEEKDAY = r"(?P<next>next\s+)?(?P<wd>mon|tue|wed|thu|fri|sat|sun)[a-z]*"
CLOCK = r"(?P<{p}h>\d{{1,2}})(?::(?P<{p}m>\d{{2}}))?\s*(?P<{p}ap>am|pm|a\.m\.|p\.m\.)?"
WORD_TIMES = {"noon": dt.time(12), "midnight": dt.time(0)}
DAY_PATTERNS = (
    r"(?P<iso>\d{4}-\d{2}-\d{2})", r"(?P<us>\d{1,2})/(?P<usd>\d{1,2})",
    MONTH + r"\s+" + DAY_NUM, DAY_NUM + r"\s+(?:of\s+)?" + MONTH,
    r"(?P<rel>today|tomorrow|tonight)", WEEKDAY)


@dataclass
class Parsed:
    summary: str
    day: dt.date
    start: dt.time | None = None
    end: dt.time | None = None
    location: str | None = None


def _clock(h: str, m: str | None, ap: str | None) -> dt.time | None:
    hour, minute = int(h), int(m or 0)
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap.startswith("p") else 0)
    return dt.time(hour, minute) if hour < 24 and minute < 60 else None


def _cut(text: str, m: re.Match[str]) -> str:
    return f"{text[:m.start()]} {text[m.end():]}"


def _span(text: str) -> tuple[str, dt.time, dt.time] | None:
    one, two = CLOCK.format(p="a"), CLOCK.format(p="b")
    for m in re.finditer(rf"\b(?:from\s+)?{one}\s*(?:-|\u2013|to|until)\s*{two}\b", text, re.I):
        if not (m["aap"] or m["bap"] or m["am"] or m["bm"]):
            continue  # two bare numbers are no span ("2026-06-03", "3-4 people")
        end = _clock(m["bh"], m["bm"], m["bap"])
        start = _clock(m["ah"], m["am"], m["aap"] or m["bap"])
        if start and end and start > end and not m["aap"] and m["bap"]:
            start = _clock(m["ah"], m["am"], "am")  # 11-1pm: from 11 in the morning
        if start and end:
            return _cut(text, m), start, end
    return None


def _times(text: str) -> tuple[str, dt.time | None, dt.time | None]:
    """The span or time in ``text``, and the text without it."""
    span = _span(text)
    if span is not None:
        return span
    for word, at in WORD_TIMES.items():
        m = re.search(rf"\b(?:at\s+)?{word}\b", text, re.I)
        if m:
            return _cut(text, m), at, None
    for m in re.finditer(rf"\b(?:at\s+)?{CLOCK.format(p='a')}(?=\s|$|[,.;])", text, re.I):
        when = _clock(m["ah"], m["am"], m["aap"]) if m["aap"] or m["am"] else None
        if when is not None:  # a bare number is no time ("3 people")
            return _cut(text, m), when, None
    return text, None, None


def _day_of(m: re.Match[str], today: dt.date) -> dt.date | None:
    found = m.groupdict()
    if found.get("iso"):
        return dt.date.fromisoformat(found["iso"])
    if found.get("rel"):
        return today + dt.timedelta(days=1 if found["rel"].lower() == "tomorrow" else 0)
    if found.get("wd"):
        ahead = (DAYS[found["wd"].lower()] - today.weekday()) % 7
        return today + dt.timedelta(days=ahead or (7 if found.get("next") else 0))
    month = MONTHS[found["mon"].lower()] if found.get("mon") else int(found["us"])
    day = int(found["day"] if found.get("day") else found["usd"])
    when = dt.date(today.year, month, day)
    return when if when >= today else when.replace(year=today.year + 1)


def _day(text: str, today: dt.date) -> tuple[str, dt.date]:
    for pattern in DAY_PATTERNS:
        m = re.search(rf"\b(?:on\s+)?{pattern}\b", text, re.I)
        if m is None:
            continue
        try:
            found = _day_of(m, today)
        except ValueError:  # no such date (2/30): left in the summary
            continue
        if found is not None:
            return _cut(text, m), found
    return text, today


def parse(text: str, today: dt.date) -> Parsed:
    rest, start, end = _times(text)
    rest, day = _day(rest, today)
    location = None
    place = re.search(r"\bat\s+(?P<place>\S.*)$", rest, re.I)
    if place:
        location = re.sub(r"\s+", " ", place["place"]).strip(" ,.;")
        rest = rest[:place.start()]
    summary = re.sub(r"\s+", " ", rest).strip(" ,.;-")
    summary = re.sub(r"\s+\b(?:on|at|from)$", "", summary, flags=re.I)
    return Parsed(summary or text.strip(), day, start, end, location or None)


def event(text: str, today: dt.date, zone: str, minutes: int = 60) -> dict[str, object]:
    """The event body for ``text`` (see the module's description)."""
    got = parse(text, today)
    body: dict[str, object] = {"summary": got.summary}
    if got.location:
        body["location"] = got.location
    if got.start is None:
        body["start"] = {"date": got.day.isoformat()}
        body["end"] = {"date": (got.day + dt.timedelta(days=1)).isoformat()}
        return body
    start = dt.datetime.combine(got.day, got.start)
    end = dt.datetime.combine(got.day, got.end) if got.end else \
        start + dt.timedelta(minutes=minutes)
    if end <= start:
        end += dt.timedelta(days=1)
    body["start"] = {"dateTime": start.isoformat(), "timeZone": zone}
    body["end"] = {"dateTime": end.isoformat(), "timeZone": zone}
    return body
