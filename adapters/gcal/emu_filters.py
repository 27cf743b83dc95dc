"""``events.list``'s query parameters in the Calendar emulator, as Google applies them:
``timeMin``/``timeMax`` (an event overlapping the window; RFC 3339 with an offset, else 400),
``updatedMin`` (edited since; deleted events then come whatever ``showDeleted`` says), ``q``
(every word in the summary, description, location or an attendee's name or address),
``eventTypes``, ``orderBy`` (``startTime`` only with ``singleEvents=true``: Google's 400
otherwise; ``updated``) and the checks Google makes before listing
(``showDeleted=false`` with a ``syncToken`` is refused: deletions always come with a sync).

Google's reference: https://developers.google.com/calendar/api/v3/reference/events/list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

EVENT_TYPES = {"default", "birthday", "focusTime", "fromGmail", "outOfOffice",
               "workingLocation"}


class ListError(ValueError):
    def __init__(self, message: str, reason: str = "badRequest") -> None:
        super().__init__(message)
        self.message, self.reason = message, reason


def _instant(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ListError("Bad Request") from None
    if value.tzinfo is None:  # Google requires the offset on timeMin/timeMax/updatedMin
        raise ListError("Bad Request")
    return value


def _moment(edge: dict[str, Any], zone: ZoneInfo) -> dt.datetime:
    """An event's start or end as an instant; an all-day date at midnight in ``zone``."""
    if "dateTime" in edge:
        return dt.datetime.fromisoformat(str(edge["dateTime"]).replace("Z", "+00:00"))
    day = dt.date.fromisoformat(str(edge["date"]))
    return dt.datetime.combine(day, dt.time(), zone)


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


def _words(ev: dict[str, Any]) -> str:
    people = " ".join(f"{a.get('displayName', '')} {a.get('email', '')}"
                      for a in ev.get("attendees") or [])
    return " ".join(str(ev.get(k) or "") for k in ("summary", "description", "location")
                    ).lower() + " " + people.lower()


def apply(rows: list[dict[str, Any]], q: dict[str, str], zone: ZoneInfo
          ) -> list[dict[str, Any]]:
    """The listing's rows filtered and ordered as the parameters say (a sync listing has
    none of these: :data:`adapters.gcal.emulator.FORBIDDEN_WITH_SYNC`). ``rows`` hold the
    deleted events too when ``showDeleted`` or ``updatedMin`` asks for them."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    since = _instant(q["updatedMin"], "updatedMin") if q.get("updatedMin") else None
    if q.get("timeMin"):
        low = _instant(q["timeMin"], "timeMin")
        tests.append(lambda e: "end" in e and _moment(e["end"], zone) > low)
    if q.get("timeMax"):
        high = _instant(q["timeMax"], "timeMax")
        tests.append(lambda e: "start" in e and _moment(e["start"], zone) < high)
    if since is not None:
        tests.append(lambda e: _instant(str(e["updated"]), "updated") >= since)
    words = (q.get("q") or "").lower().split()
    if words:
        tests.append(lambda e: all(w in _words(e) for w in words))
    types = {t for t in (q.get("eventTypes") or "").split(",") if t}
    if types:
        tests.append(lambda e: e.get("eventType", "default") in types)

    def keep(e: dict[str, Any]) -> bool:
        if e.get("status") == "cancelled":  # deleted: since updatedMin, else as asked
            if since is not None:
                return _instant(str(e["updated"]), "updated") >= since
            return q.get("showDeleted") == "true"
        return all(t(e) for t in tests)

    out = [e for e in rows if keep(e)]
    if q.get("orderBy") == "startTime":
        out.sort(key=lambda e: _moment(e["start"], zone))
    elif q.get("orderBy") == "updated":
        out.sort(key=lambda e: str(e["updated"]))
    return out
