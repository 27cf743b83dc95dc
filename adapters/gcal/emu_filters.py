"""``events.list``'s query parameters in the Calendar emulator, as Google applies them:
``timeMin``/``timeMax`` (an event overlapping the window; RFC 3339 with an offset, else 400),
``updatedMin`` (edited since; deleted events then come whatever ``showDeleted`` says), ``q``
(every word in the summary, description, location or an attendee's name or address),
``eventTypes``, ``iCalUID``, ``orderBy`` (``startTime`` only with ``singleEvents=true``:
Google's 400 otherwise; ``updated``) and the checks Google makes before listing
(``showDeleted=false`` with a ``syncToken`` is refused: deletions always come with a sync;
``timeMax`` must be after ``timeMin``: Google's 400 ``timeRangeEmpty``). An event whose stored
times cannot be read (planted by a test) matches no time window and sorts last: a listing
never fails on what is stored.

Google's reference: https://developers.google.com/calendar/api/v3/reference/events/list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from adapters.gcal.recurrence import instant, known_zone

EVENT_TYPES = {"default", "birthday", "focusTime", "fromGmail", "outOfOffice",
               "workingLocation"}


class ListError(ValueError):
    def __init__(self, message: str, reason: str = "badRequest",
                 location: str | None = None) -> None:
        super().__init__(message)
        self.message, self.reason, self.location = message, reason, location


def _instant(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ListError("Bad Request") from None
    if value.tzinfo is None:  # Google requires the offset on timeMin/timeMax/updatedMin
        raise ListError("Bad Request")
    return value


def _moment(edge: Any, zone: ZoneInfo) -> dt.datetime | None:
    """An event's start or end as an instant; an all-day date at midnight in ``zone``; a
    time without an offset in its own zone (else ``zone``); None when unreadable."""
    if not isinstance(edge, dict):
        return None
    if "dateTime" in edge:
        at = instant(edge["dateTime"])
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=known_zone(edge.get("timeZone")) or zone)
        return at
    try:
        return dt.datetime.combine(dt.date.fromisoformat(str(edge.get("date"))), dt.time(),
                                   zone)
    except ValueError:
        return None


def _after(e: dict[str, Any], low: dt.datetime, inclusive: bool, zone: ZoneInfo) -> bool:
    end = _moment(e.get("end"), zone)
    return end is not None and (end >= low if inclusive else end > low)


def _before(e: dict[str, Any], high: dt.datetime, zone: ZoneInfo) -> bool:
    start = _moment(e.get("start"), zone)
    return start is not None and start < high


def window(q: dict[str, str]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``timeMin`` and ``timeMax`` as instants (None where not given)."""
    return (_instant(q["timeMin"], "timeMin") if q.get("timeMin") else None,
            _instant(q["timeMax"], "timeMax") if q.get("timeMax") else None)


def check(q: dict[str, str]) -> None:
    """What Google refuses before listing anything."""
    if q.get("syncToken") and q.get("showDeleted") == "false":
        raise ListError("Incompatible parameters: showDeleted=false and syncToken.",
                        "invalid")
    if q.get("orderBy") == "startTime" and q.get("singleEvents") != "true":
        raise ListError("The requested ordering is not available for the particular query.",
                        "invalid")
    if q.get("orderBy") not in (None, "startTime", "updated"):
        raise ListError(f"Invalid value for orderBy: {q['orderBy']}", "invalid")
    wanted = {t for t in (q.get("eventTypes") or "").split(",") if t}
    if wanted - EVENT_TYPES:
        raise ListError(f"Invalid event type: {sorted(wanted - EVENT_TYPES)[0]}", "invalid")
    low, high = window(q)
    if low is not None and high is not None and high <= low:
        raise ListError("The specified time range is empty.", "timeRangeEmpty", "timeMax")


def _words(ev: dict[str, Any]) -> str:
    people = " ".join(f"{a.get('displayName', '')} {a.get('email', '')}"
                      for a in ev.get("attendees") or [])
    return " ".join(str(ev.get(k) or "") for k in ("summary", "description", "location")
                    ).lower() + " " + people.lower()


def _start_key(e: dict[str, Any], zone: ZoneInfo) -> tuple[bool, dt.datetime]:
    start = _moment(e.get("start"), zone)
    return start is None, start or dt.datetime.max.replace(tzinfo=dt.UTC)


Test = Callable[[dict[str, Any]], bool]


def _time_tests(q: dict[str, str], zone: ZoneInfo, inclusive_min: bool) -> list[Test]:
    tests: list[Test] = []
    low, high = window(q)
    if low is not None:
        tests.append(lambda e: _after(e, low, inclusive_min, zone))
    if high is not None:
        tests.append(lambda e: _before(e, high, zone))
    return tests


def _field_tests(q: dict[str, str], since: dt.datetime | None) -> list[Test]:
    tests: list[Test] = []
    if q.get("iCalUID"):
        tests.append(lambda e: e.get("iCalUID") == q["iCalUID"])
    if since is not None:
        tests.append(lambda e: _instant(str(e["updated"]), "updated") >= since)
    words = (q.get("q") or "").lower().split()
    if words:
        tests.append(lambda e: all(w in _words(e) for w in words))
    types = {t for t in (q.get("eventTypes") or "").split(",") if t}
    if types:
        tests.append(lambda e: e.get("eventType", "default") in types)
    return tests


def apply(rows: list[dict[str, Any]], q: dict[str, str], zone: ZoneInfo,
          inclusive_min: bool = False) -> list[dict[str, Any]]:
    """The listing's rows filtered and ordered as the parameters say (a sync listing has
    none of these: :data:`adapters.gcal.emu_listing.FORBIDDEN_WITH_SYNC`). ``rows`` hold the
    deleted events too when ``showDeleted`` or ``updatedMin`` asks for them.
    ``inclusive_min``: an end at ``timeMin`` overlaps (``instances`` reads it so; ``list``
    does not)."""
    since = _instant(q["updatedMin"], "updatedMin") if q.get("updatedMin") else None
    tests = _time_tests(q, zone, inclusive_min) + _field_tests(q, since)

    def keep(e: dict[str, Any]) -> bool:
        if e.get("status") == "cancelled":  # deleted: since updatedMin, else as asked
            if since is not None:
                return _instant(str(e["updated"]), "updated") >= since
            return q.get("showDeleted") == "true"
        return all(t(e) for t in tests)

    out = [e for e in rows if keep(e)]
    if q.get("orderBy") == "startTime":
        out.sort(key=lambda e: _start_key(e, zone))
    elif q.get("orderBy") == "updated":
        out.sort(key=lambda e: str(e["updated"]))
    return out
