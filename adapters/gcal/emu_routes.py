"""The Calendar emulator's routes under ``/calendar/v3`` as a route table
(:class:`adapters.emulation.Router`), one handler per API method as the discovery document
names them (``calendar.events.list`` ...). Each handler answers ``(status, result)``; a
request body is read and checked against the method's request schema first
(:mod:`.emu_checks`), and the emulator's state changes through :class:`GcalEmulator`'s own
methods, so a test's helpers and the API change the same way. A path the table does not
know, under any method, is Google's 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Router
from adapters.gcal import emu_account as account
from adapters.gcal import emu_checks as checks
from adapters.gcal.emu_push import CALENDAR_LIST
from adapters.gcal.emu_wire import GError

if TYPE_CHECKING:
    from adapters.gcal.emulator import GcalEmulator

Answer = tuple[int, Any]
EVENT = "/calendars/{calendarId}/events/{eventId}"


def params(req: Request) -> dict[str, str]:
    """The query as one value a name (Google reads the first of a repeated one)."""
    return {k: v[0] for k, v in req.query.items()}


def event_body(req: Request) -> dict[str, Any]:
    """An event a request sends, checked as Google checks it."""
    body = checks.body(checks.parse_body(req.body), "Event")
    checks.zones(body)
    return body


class GcalRoutes:
    def __init__(self, emu: GcalEmulator) -> None:
        self.emu = emu
        self.router = Router()
        r = self.router.add
        r("GET", "/users/me/calendarList", self.calendar_list)
        r("POST", "/users/me/calendarList/watch", self.watch_calendar_list)
        r("GET", "/users/me/calendarList/{calendarId}", self.calendar_list_entry)
        r("GET", "/users/me/settings", self.settings)
        r("GET", "/users/me/settings/{setting}", self.setting)
        r("GET", "/colors", self.colors)
        r("POST", "/freeBusy", self.freebusy)
        r("POST", "/channels/stop", self.stop_channel)
        r("POST", "/calendars", self.insert_calendar)
        r("GET", "/calendars/{calendarId}", self.calendar)
        r("GET", "/calendars/{calendarId}/acl", self.acl)
        r("GET", "/calendars/{calendarId}/events", self.list_events)
        r("POST", "/calendars/{calendarId}/events", self.insert_event)
        r("POST", "/calendars/{calendarId}/events/watch", self.watch_events)
        r("POST", "/calendars/{calendarId}/events/import", self.import_event)
        r("POST", "/calendars/{calendarId}/events/quickAdd", self.quick_add)
        r("GET", EVENT, self.get_event)
        r("PATCH", EVENT, self.patch_event)
        r("PUT", EVENT, self.update_event)
        r("DELETE", EVENT, self.delete_event)
        r("GET", EVENT + "/instances", self.instances)
        r("POST", EVENT + "/move", self.move_event)

    def answer(self, req: Request) -> Answer:
        """The route's answer; Google's 404 for a path it does not have."""
        found = self.router.find(req.method, req.path.removeprefix("/calendar/v3"))
        if isinstance(found, bool):
            raise GError(404, "Not Found", "notFound")
        handler, parts = found
        if "calendarId" in parts:
            parts["calendarId"] = self.emu.cal_id(parts["calendarId"])
        result: Answer = handler(req, parts)
        return result

    # -- calendars -----------------------------------------------------------------------------

    def calendar_list(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, account.calendar_list(self.emu)

    def calendar_list_entry(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, account.entry(self.emu, parts["calendarId"])

    def watch_calendar_list(self, req: Request, parts: dict[str, str]) -> Answer:
        body = checks.body(checks.parse_body(req.body), "Channel")
        return 200, self.emu.push.watch(CALENDAR_LIST, body)

    def insert_calendar(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, account.insert_calendar(self.emu, checks.body(checks.parse_body(req.body),
                                                                  "Calendar"))

    def acl(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, account.acl(self.emu, parts["calendarId"])

    def settings(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, {"kind": "calendar#settings", "etag": '"settings"',
                     "items": list(account.settings(self.emu).values())}

    def setting(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, account.setting(self.emu, parts["setting"])

    def colors(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, account.colors()

    def freebusy(self, req: Request, parts: dict[str, str]) -> Answer:
        body = checks.body(checks.parse_body(req.body), "FreeBusyRequest")
        return 200, account.freebusy(self.emu, body)

    def calendar(self, req: Request, parts: dict[str, str]) -> Answer:
        cal = self.emu.calendars.get(parts["calendarId"])
        if cal is None:
            raise GError(404, "Not Found", "notFound")
        return 200, self.emu._calendar(cal)

    def stop_channel(self, req: Request, parts: dict[str, str]) -> Answer:
        self.emu.push.stop(checks.body(checks.parse_body(req.body), "Channel"))
        return 204, None

    # -- events --------------------------------------------------------------------------------

    def list_events(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, self.emu.list(parts["calendarId"], params(req))

    def insert_event(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, self.emu._public(self.emu.insert(parts["calendarId"], event_body(req)))

    def import_event(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, self.emu._public(self.emu.import_event(parts["calendarId"],
                                                           event_body(req)))

    def quick_add(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, self.emu._public(self.emu.quick_add(parts["calendarId"], req.q("text")))

    def watch_events(self, req: Request, parts: dict[str, str]) -> Answer:
        body = checks.body(checks.parse_body(req.body), "Channel")
        self.emu._events(parts["calendarId"])
        return 200, self.emu.push.watch(parts["calendarId"], body)

    def get_event(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, self.emu._public(self.emu._get(parts["calendarId"], parts["eventId"],
                                                   deleted_ok=True))

    def patch_event(self, req: Request, parts: dict[str, str], replace: bool = False
                    ) -> Answer:
        ev = self.emu.patch(parts["calendarId"], parts["eventId"], event_body(req),
                            req.headers.get("if-match"), replace)
        return 200, self.emu._public(ev)

    def update_event(self, req: Request, parts: dict[str, str]) -> Answer:
        return self.patch_event(req, parts, replace=True)

    def delete_event(self, req: Request, parts: dict[str, str]) -> Answer:
        self.emu.delete(parts["calendarId"], parts["eventId"], req.headers.get("if-match"))
        return 204, None

    def instances(self, req: Request, parts: dict[str, str]) -> Answer:
        return 200, self.emu.instances(parts["calendarId"], parts["eventId"], params(req))

    def move_event(self, req: Request, parts: dict[str, str]) -> Answer:
        moved = self.emu.move(parts["calendarId"], parts["eventId"], req.q("destination"))
        return 200, self.emu._public(moved)
