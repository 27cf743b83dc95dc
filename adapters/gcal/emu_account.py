"""The signed-in account's side of the Calendar emulator, what a user's everyday tools read
besides events: the calendar list (``calendarList.list``/``get``, each entry with its
colour from Google's palette and the account's access role), new secondary calendars
(``calendars.insert``: an id ``c_<hex>@group.calendar.google.com``, owned by the account),
``colors.get`` (Google's classic palette, the one the API answers: event colours 1-11,
calendar colours 1-24), the user's settings (``settings.list``/``get``, Google's documented
defaults with the primary calendar's zone as ``timezone``), a calendar's access list
(``acl.list``: the owner's rule) and ``freebusy.query``.

Free/busy: the busy intervals of each asked calendar are its timed events (recurring ones
expanded) that are not cancelled and not ``transparent``, within ``timeMin``..``timeMax``,
clipped to that window and merged where they overlap; times in the request's ``timeZone``
(UTC by default). A calendar the account cannot see answers its entry with a ``notFound``
error, as Google does. All-day events do not count: Google creates them ``transparent``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from adapters.gcal import emu_checks as checks
from adapters.gcal import recurrence
from adapters.gcal.emu_push import CALENDAR_LIST
from adapters.gcal.emu_wire import GError

if TYPE_CHECKING:
    from adapters.gcal.emulator import GcalEmulator

FOREGROUND = "#1d1d1d"
#: colors.get as Google answers it (the "classic" palette; the web UI's "modern" one differs)
CALENDAR_COLORS = (
    "#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46", "#42d692", "#16a765",
    "#7bd148", "#b3dc6c", "#fbe983", "#fad165", "#92e1c0", "#9fe1e7", "#9fc6e7", "#4986e7",
    "#9a9cff", "#b99aff", "#c2c2c2", "#cabdbf", "#cca6ac", "#f691b2", "#cd74e6", "#a47ae2")
EVENT_COLORS = ("#a4bdfc", "#7ae7bf", "#dbadff", "#ff887c", "#fbd75b", "#ffb878", "#46d6db",
                "#e1e1e1", "#5484ed", "#51b749", "#dc2127")
PALETTE_UPDATED = "2012-02-14T00:00:00.000Z"
#: Google's documented defaults (developers.google.com/calendar/api/v3/reference/settings);
#: ``timezone`` is the primary calendar's
SETTINGS = {"autoAddHangouts": "false", "dateFieldOrder": "MDY", "defaultEventLength": "60",
            "format24HourTime": "false", "hideInvitations": "false", "hideWeekends": "false",
            "locale": "en", "remindOnRespondedEventsOnly": "false",
            "showDeclinedEvents": "true", "useKeyboardShortcuts": "true", "weekStart": "0"}


def colors() -> dict[str, Any]:
    def table(hexes: tuple[str, ...]) -> dict[str, dict[str, str]]:
        return {str(i): {"background": h, "foreground": FOREGROUND}
                for i, h in enumerate(hexes, 1)}
    return {"kind": "calendar#colors", "updated": PALETTE_UPDATED,
            "calendar": table(CALENDAR_COLORS), "event": table(EVENT_COLORS)}


def entry(emu: GcalEmulator, cal_id: str) -> dict[str, Any]:
    """A calendar as the account's calendar list shows it."""
    cal = emu.calendars.get(cal_id)
    if cal is None:
        raise GError(404, "Not Found", "notFound")
    color = list(emu.calendars).index(cal_id) % 24  # each calendar its own, in order
    out = {**emu._calendar(cal), "kind": "calendar#calendarListEntry",
           "colorId": str(color + 1), "backgroundColor": CALENDAR_COLORS[color],
           "foregroundColor": FOREGROUND, "selected": True, "accessRole": emu.access[cal_id],
           "defaultReminders": []}
    return out | ({"primary": True} if cal_id == "primary" else {})


def calendar_list(emu: GcalEmulator) -> dict[str, Any]:
    return {"kind": "calendar#calendarList", "etag": f'"{len(emu.calendars)}"',
            "items": [entry(emu, c) for c in emu.calendars]}


def insert_calendar(emu: GcalEmulator, body: dict[str, Any]) -> dict[str, Any]:
    """``calendars.insert``: a secondary calendar the account owns, in its list at once."""
    if not body.get("summary"):
        raise GError(400, "Missing title.", "required")
    zone = body.get("timeZone") or emu.calendars["primary"]["timeZone"]
    checks.calendar_zone(zone)
    cal_id = f"c_{secrets.token_hex(32)}@group.calendar.google.com"
    emu.add_calendar(cal_id, str(body["summary"]), str(zone), "owner")
    emu.calendars[cal_id].update({k: body[k] for k in ("description", "location")
                                  if body.get(k)} | {"dataOwner": emu.account})
    emu.push.changed(CALENDAR_LIST)
    return emu._calendar(emu.calendars[cal_id])


def settings(emu: GcalEmulator) -> dict[str, dict[str, str]]:
    values = SETTINGS | {"timezone": emu.calendars["primary"]["timeZone"]} | emu.settings
    return {k: {"kind": "calendar#setting", "etag": f'"{zlib.crc32(f"{k}={v}".encode())}"',
                "id": k, "value": v} for k, v in values.items()}


def setting(emu: GcalEmulator, name: str) -> dict[str, str]:
    found = settings(emu).get(name)
    if found is None:
        raise GError(404, "Not Found", "notFound")
    return found


def acl(emu: GcalEmulator, cal_id: str) -> dict[str, Any]:
    """The owner's rule; only an owner may read a calendar's access list (403 otherwise:
    the reason is believed to be ``forbidden``, not verified)."""
    emu._events(cal_id)
    if emu.access.get(cal_id) != "owner":
        raise GError(403, "Forbidden", "forbidden")
    owner = emu.account
    rule = {"kind": "calendar#aclRule", "etag": '"00000000000000000000"',
            "id": f"user:{owner}", "scope": {"type": "user", "value": owner}, "role": "owner"}
    return {"kind": "calendar#acl", "etag": '"00000000000000000000"', "items": [rule]}


def _bound(body: dict[str, Any], name: str) -> dt.datetime:
    if not body.get(name):
        raise GError(400, f"Missing {name} parameter.", "required")
    at = recurrence.instant(body[name])
    if at is None or at.tzinfo is None:
        raise GError(400, f"Invalid value for: {name}", "invalid")
    return at


def _span(ev: dict[str, Any]) -> tuple[dt.datetime, dt.datetime] | None:
    """An event's busy time: timed, opaque and not cancelled (None otherwise)."""
    if ev.get("status") == "cancelled" or ev.get("transparency") == "transparent":
        return None
    start = recurrence.instant((ev.get("start") or {}).get("dateTime"))
    end = recurrence.instant((ev.get("end") or {}).get("dateTime"))
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        return None
    return start, end


def _merged(spans: list[tuple[dt.datetime, dt.datetime]]
            ) -> list[tuple[dt.datetime, dt.datetime]]:
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _busy(emu: GcalEmulator, cal_id: str, low: dt.datetime, high: dt.datetime
          ) -> list[tuple[dt.datetime, dt.datetime]]:
    events = emu.events[cal_id]
    live = [e for e in events.values() if e.get("status") != "cancelled"]
    spans = [span for ev in recurrence.expand_rows(events, live, (low, high))
             if (span := _span(ev)) is not None]
    return _merged([(max(s, low), min(e, high)) for s, e in spans if s < high and e > low])


def _when(at: dt.datetime, zone: dt.tzinfo) -> str:
    if zone is dt.UTC:
        return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return at.astimezone(zone).isoformat()


def freebusy(emu: GcalEmulator, body: dict[str, Any]) -> dict[str, Any]:
    low, high = _bound(body, "timeMin"), _bound(body, "timeMax")
    if high <= low:
        raise GError(400, "The specified time range is empty.", "timeRangeEmpty", "timeMax")
    zone: dt.tzinfo = dt.UTC
    if body.get("timeZone") not in (None, "UTC"):
        zone = recurrence.known_zone(body["timeZone"]) or dt.UTC
    out: dict[str, Any] = {}
    for item in body.get("items") or []:
        asked = str(item.get("id") or "")
        cal_id = emu.cal_id(asked)
        if cal_id not in emu.calendars:
            out[asked] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
            continue
        out[asked] = {"busy": [{"start": _when(s, zone), "end": _when(e, zone)}
                               for s, e in _busy(emu, cal_id, low, high)]}
    return {"kind": "calendar#freeBusy", "timeMin": _when(low, zone),
            "timeMax": _when(high, zone), "calendars": out}
