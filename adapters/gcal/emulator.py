"""A local Google Calendar API v3 for google-api-python-client, the tests and the demo.

Under ``/calendar/v3/`` (routes in :mod:`.emu_routes`, each body checked against the
discovery document's request schema by :mod:`.emu_checks`): events list (``syncToken``
with ``nextSyncToken`` on the last page; page tokens over a snapshot; ``showDeleted``,
``singleEvents`` expanded from the asked window (:mod:`.recurrence`), the filters of
:mod:`.emu_filters`; a sync token that is foreign or expired is 410 ``fullSyncRequired``:
:mod:`.emu_listing`), get, insert (client-chosen base32hex ids, 409 on a duplicate), patch
(merged like Google's) / update / delete with ``If-Match`` etags (412), edits of single
occurrences (stored as exceptions), ``instances`` (paged), ``move`` (a series with its
exceptions), ``import`` (by iCalUID), ``quickAdd`` (:mod:`.emu_quickadd`), ``events/watch``,
``calendarList/watch`` and ``channels/stop`` with push messages (:mod:`.emu_push`); the
calendar list, new secondary calendars, colours, settings, ACL and free/busy
(:mod:`.emu_account`); the batch endpoint ``/batch/calendar/v3`` and Google's error bodies
(:mod:`.emu_wire`); optional OAuth (:mod:`.emu_oauth`); read-only calendars; injected error
answers per call (403 usage limits, 429, 5xx), so one part of a batch can fail.

The helpers tests call directly (:meth:`GcalEmulator.insert`, ``patch``, ``delete``...: the
"user in the web UI" of the sandbox, or what Google already holds) take the same lock as
requests, and store what they are given without the request checks.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import itertools
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from adapters.emulation import Emulator, Request, Response
from adapters.gcal import emu_account, emu_quickadd, recurrence
from adapters.gcal import emu_checks as checks
from adapters.gcal import emu_listing as listing
from adapters.gcal import emu_wire as wire
from adapters.gcal.emu_oauth import OAuth
from adapters.gcal.emu_push import Channels
from adapters.gcal.emu_routes import GcalRoutes
from adapters.gcal.emu_wire import GError
from adapters.ratewindow import SlidingWindow

ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
Rows = list[dict[str, Any]]
MESSAGES = {"rateLimitExceeded": "Rate Limit Exceeded",
            "userRateLimitExceeded": "User Rate Limit Exceeded", "backendError": "Backend Error",
            "quotaExceeded": "Calendar usage limits exceeded."}
#: the fields only events of that type carry (dropped when one is imported as a default)
TYPE_FIELDS = ("outOfOfficeProperties", "focusTimeProperties", "workingLocationProperties",
               "birthdayProperties")
P = ParamSpec("P")
T = TypeVar("T")


def _locked(fn: Callable[Concatenate[GcalEmulator, P], T]
            ) -> Callable[Concatenate[GcalEmulator, P], T]:
    """A helper that changes or reads state takes the emulator's lock, as every request does:
    tests call them (the "user" in the web UI) while clients list over HTTP."""
    @functools.wraps(fn)
    def run(self: GcalEmulator, *args: P.args, **kwargs: P.kwargs) -> T:
        with self.lock:
            return fn(self, *args, **kwargs)
    return run


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A new dict: ``patch`` merged into ``target`` with Google's patch semantics (nothing
    shared with ``patch``, and ``target``'s nested objects are copied, not changed)."""
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _op(method: str, path: str) -> tuple[str, bool]:
    """Operation name (for fault matching) and whether it writes."""
    if path.startswith("/batch"):
        return "batch", True
    if path.endswith("/events"):
        return ("list", False) if method == "GET" else ("create", True)
    if path.endswith(("/events/import", "/events/quickAdd")):
        return "create", True
    if "/events/" in path and method in ("PATCH", "PUT"):
        return "update", True
    if "/events/" in path and method == "DELETE":
        return "delete", True
    return path, method not in ("GET", "HEAD")


class GcalEmulator(Emulator):
    service = "gcal"

    def __init__(self) -> None:
        super().__init__()
        self.calendars: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, dict[str, Any]]] = {}  # calendar -> id -> event
        self.push = Channels(now=self.now)  # watch channels and their messages
        #: injected error answers, per call (a batch's parts one by one):
        #: [operation, reason, how many more, status]
        self.quota_faults: list[list[Any]] = []
        self._seq = itertools.count(1)
        self._last_seq = 0  # the latest sequence number handed out (sync tokens carry it)
        #: page token -> (the listing's rows, its sync mark, the next page's offset)
        self._pages: dict[str, tuple[Rows, int, int]] = {}
        self.min_valid_token = 0  # tokens below this answer 410 (expire_tokens())
        self.access: dict[str, str] = {}  # calendar -> the user's accessRole
        self.oauth = OAuth()  # off until require_oauth()
        #: the signed-in account: its own calendar is kept under "primary" here, and Google
        #: names it by this address in every answer (calendarList, calendars.get('primary'))
        self.account = "me@example.com"
        #: the user's settings where they differ from Google's defaults (emu_account.SETTINGS)
        self.settings: dict[str, str] = {}
        #: the per-user quota (:meth:`set_quota`): off until asked for
        self.quota: SlidingWindow | None = None
        self.quota_calls = 0  # the calls the quota counted (admitted or refused)
        self.quota_refused = 0  # of them, the ones answered 403 rateLimitExceeded
        self.add_calendar("primary", "Work calendar")
        self.routes = GcalRoutes(self)

    def set_quota(self, per_minute: int | None = 600) -> None:
        """Enforce Google's per-user quota: at most ``per_minute`` calls in any sliding
        minute (the Calendar "Usage limits" guide: 600 per minute per user by default,
        "calculated per minute using a sliding window"). Every call counts, each call inside
        a batch request too (the batch guide: a batch of n requests is n against the quota;
        the envelope itself is not a call). A call over it is answered as the errors guide
        shows, 403 ``usageLimits`` / ``rateLimitExceeded`` "Rate Limit Exceeded", without a
        Retry-After (Google sends none); inside a batch, that part alone. ``None``: off (the
        default, for unit tests). The window runs on the emulator's clock
        (:attr:`clock_offset` moves it on)."""
        self.quota = None if per_minute is None else SlidingWindow(
            per_minute, 60.0, lambda: time.monotonic() + self.clock_offset.total_seconds())
    # -- direct state --------------------------------------------------------------------------

    @_locked
    def add_calendar(self, cal_id: str, summary: str, tz: str = "Europe/Berlin",
                     access_role: str = "owner") -> None:
        """``access_role`` ``reader`` makes a calendar shared read-only: writes are 403."""
        self.calendars[cal_id] = {"kind": "calendar#calendar", "id": cal_id, "summary": summary,
                                  "timeZone": tz, "etag": '"1"'}
        self.access[cal_id] = access_role
        self.events[cal_id] = {}

    def _calendar(self, cal: dict[str, Any]) -> dict[str, Any]:
        """A calendar as Google answers it: the primary one under the account's address."""
        return cal | {"id": self.account} if cal["id"] == "primary" else dict(cal)

    def cal_id(self, name: str) -> str:
        """The calendar a request names: the account's address is its primary calendar."""
        return "primary" if name == self.account else name

    def require_oauth(self, access_token: str, refresh_token: str) -> None:
        """From now on API calls need ``Authorization: Bearer <token>``; ``POST /token``
        trades the refresh token for new access tokens."""
        self.oauth.require(access_token, refresh_token)

    def expire_access(self) -> None:
        """Access tokens stop working (401); refreshing still works."""
        self.oauth.expire_access()

    def revoke(self) -> None:
        """The user removed the app's access: 401, and refreshing answers invalid_grant."""
        self.oauth.revoke()

    def _writable(self, cal: str) -> None:
        if self.access.get(cal) not in ("owner", "writer"):
            raise GError(403, "You need to have writer access to this calendar.",
                         "requiredAccessLevel")

    @_locked
    def expire_tokens(self) -> None:
        """Every sync token issued so far is now too old (the server's choice, any time)."""
        self.min_valid_token = self._last_seq = next(self._seq)

    @_locked
    def purge_deleted(self) -> None:
        """Forget deleted events entirely, as Google does some weeks after a delete: a full
        listing with ``showDeleted`` then no longer shows them at all."""
        for events in self.events.values():
            for eid in [k for k, e in events.items() if e["status"] == "cancelled"]:
                del events[eid]

    def _stamp(self, ev: dict[str, Any], cal: str) -> None:
        """A new version of ``ev`` (sequence, etag, updated); channels on ``cal`` hear of it."""
        ev["_seq"] = self._last_seq = next(self._seq)
        ev["updated"] = _now()
        ev["sequence"] = ev.get("sequence", -1) + 1
        ev["etag"] = '"' + hashlib.sha1(f"{ev['id']}{ev['_seq']}".encode()).hexdigest()[:16] + '"'
        self.push.changed(cal)

    @_locked
    def insert(self, cal: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new event, as the user makes one in the web UI or a test plants what Google
        holds: stored as given (a ``timeZone`` this host does not know included; the
        request path checks the body first, :mod:`.emu_checks`)."""
        events = self._events(cal)
        self._writable(cal)
        eid = body.get("id") or uuid.uuid4().hex
        if not isinstance(eid, str) or not ID_RE.match(eid):
            raise GError(400, "Invalid resource id value.", "invalid")
        if eid in events:
            raise GError(409, "The requested identifier already exists.", "duplicate")
        checks.times(body)
        checks.recurrence_lines(body)
        ev = {"kind": "calendar#event", "id": eid, "status": "confirmed",
              "htmlLink": f"https://www.google.com/calendar/event?eid={self._eid(cal, eid)}",
              "created": _now(), "iCalUID": f"{eid}@google.com",
              **_merge({}, {k: v for k, v in body.items() if k != "id"})}
        checks.zoned_times(ev)
        self._stamp(ev, cal)
        events[eid] = ev
        return ev

    def _eid(self, cal: str, eid: str) -> str:
        """The ``eid`` of Google's event links: base64 (URL-safe, unpadded) of "event-id
        calendar-id", the calendar named by its real id (the account's e-mail for its own)."""
        owner = self.account if cal == "primary" else cal
        return base64.urlsafe_b64encode(f"{eid} {owner}".encode()).decode().rstrip("=")

    def _events(self, cal: str) -> dict[str, dict[str, Any]]:
        if cal not in self.events:
            raise GError(404, "Not Found", "notFound")
        return self.events[cal]

    def _exceptions(self, cal: str, series_id: str) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in self._events(cal).values()
                if e.get("recurringEventId") == series_id}

    def _instance(self, cal: str, eid: str) -> dict[str, Any] | None:
        """An instance of a recurring event by its id (``<series>_<start>``), as computed
        around the start its id names."""
        series_id, sep, suffix = eid.rpartition("_")
        series = self._events(cal).get(series_id) if sep else None
        at = recurrence.stamp_time(suffix)
        if series is None or not series.get("recurrence") or at is None:
            return None
        try:
            found = recurrence.instances(series, {}, (at, at))
        except (ValueError, TypeError, KeyError, OverflowError):
            return None
        return next((i for i in found if i["id"] == eid), None)

    def _get(self, cal: str, eid: str, *, deleted_ok: bool = False) -> dict[str, Any]:
        """An event, or an instance of a recurring one by its id."""
        ev = self._events(cal).get(eid) or self._instance(cal, eid)
        if ev is None:
            raise GError(404, "Not Found", "notFound")
        if ev["status"] == "cancelled" and not deleted_ok:
            raise GError(410, "Resource has been deleted", "deleted")
        return ev

    def _editable(self, cal: str, eid: str, if_match: str | None) -> dict[str, Any]:
        """The stored event to change. Editing or deleting one occurrence stores it as an
        exception of its series first, as Google does."""
        ev = self._get(cal, eid)
        self._writable(cal)
        if if_match and if_match != ev["etag"]:
            raise GError(412, "Precondition Failed", "conditionNotMet")
        events = self._events(cal)
        if eid not in events:
            ev = events[eid] = copy.deepcopy(ev) | {
                "iCalUID": f"{ev['recurringEventId']}@google.com"}
        return ev

    @_locked
    def patch(self, cal: str, eid: str, body: dict[str, Any], if_match: str | None,
              replace: bool = False) -> dict[str, Any]:
        """PATCH merges like Google: a nested object is merged field by field, an array is
        replaced whole, and ``null`` clears a field. PUT (``replace``) replaces the event."""
        checks.recurrence_lines(body)
        ev = self._editable(cal, eid, if_match)
        if replace:
            for key in [k for k in ev if k not in ("kind", "id", "htmlLink", "created",
                                                   "iCalUID", "etag", "_seq", "sequence",
                                                   "recurringEventId", "originalStartTime")]:
                ev.pop(key)
            ev["status"] = "confirmed"
        merged = _merge(ev, {k: v for k, v in body.items() if k != "id"})
        checks.times(merged, recurring_zone=False)
        checks.zoned_times(merged)
        ev.clear()
        ev.update(merged)
        self._stamp(ev, cal)
        return ev

    @_locked
    def delete(self, cal: str, eid: str, if_match: str | None = None) -> None:
        ev = self._editable(cal, eid, if_match)
        ev["status"] = "cancelled"
        self._stamp(ev, cal)

    @_locked
    def move(self, cal: str, eid: str, destination: str | None) -> dict[str, Any]:
        """``events.move``: the event, with its edited and cancelled instances (stored
        exceptions), to another calendar under the same ids; gone from the source."""
        if not destination:
            raise GError(400, "Required parameter: destination", "required", "destination")
        dest = self.cal_id(destination)
        ev = self._get(cal, eid)
        if dest not in self.calendars:
            raise GError(404, "Not Found", "notFound")
        self._writable(cal)
        self._writable(dest)
        if ev.get("recurringEventId"):
            # Google refuses to move one instance of a series (only the whole series moves);
            # the reason is believed to be this one, not verified against the live API
            raise GError(400, "Cannot change the organizer of an instance.",
                         "cannotChangeOrganizerOfInstance")
        if ev.get("eventType", "default") != "default":
            # "only default events can be moved" (the API's reference); the wording and
            # reason of Google's answer are not verified
            raise GError(400, f"Events of type {ev['eventType']} cannot be moved.", "invalid")
        if dest == cal:
            return ev
        family = [eid, *self._exceptions(cal, eid)]
        if any(i in self.events[dest] for i in family):
            raise GError(409, "The requested identifier already exists.", "duplicate")
        for i in family:
            moved = self.events[dest][i] = copy.deepcopy(self.events[cal][i])
            self.events[cal][i]["status"] = "cancelled"
            self._stamp(self.events[cal][i], cal)
            self._stamp(moved, dest)
        return self.events[dest][eid]

    @_locked
    def import_event(self, cal: str, body: dict[str, Any]) -> dict[str, Any]:
        """``events.import``: a private copy of an event known by its ``iCalUID`` (kept as
        given). Importing the same iCalUID again updates that copy instead of adding one.
        A non-default event becomes a default one (the API's documented behaviour)."""
        uid = body.get("iCalUID")
        if not uid:
            raise GError(400, "Missing iCalUID.", "required")
        body = {k: v for k, v in body.items() if k not in TYPE_FIELDS}
        body["eventType"] = "default"
        events = self._events(cal)
        same = next((e for e in events.values() if e.get("iCalUID") == uid and
                     not e.get("recurringEventId")), None)
        if same is None:
            return self.insert(cal, body)
        self._writable(cal)
        if same["status"] == "cancelled":
            same["status"] = "confirmed"
        return self.patch(cal, same["id"], {k: v for k, v in body.items() if k != "id"},
                          None, replace=True)

    @_locked
    def quick_add(self, cal: str, text: str | None) -> dict[str, Any]:
        """``events.quickAdd``: an event made from a line of text (:mod:`.emu_quickadd`)."""
        if not text:
            raise GError(400, "Required parameter: text", "required", "text")
        zone = self._zone(cal)
        minutes = int(emu_account.settings(self)["defaultEventLength"]["value"])
        body = emu_quickadd.event(text, self.now().astimezone(zone).date(), zone.key, minutes)
        return self.insert(cal, body)

    # -- listing -------------------------------------------------------------------------------

    def _head(self, cal: str, q: dict[str, str]) -> dict[str, Any]:
        return {"kind": "calendar#events", "summary": self.calendars[cal]["summary"],
                "timeZone": q.get("timeZone") or self.calendars[cal]["timeZone"],
                "updated": _now(), "accessRole": self.access[cal]}

    @_locked
    def list(self, cal: str, q: dict[str, str]) -> dict[str, Any]:
        """``events.list``: one page (:func:`.emu_listing.page`)."""
        self._events(cal)
        return listing.page(self, q, lambda: listing.rows(self, cal, q), self._head(cal, q))

    @_locked
    def instances(self, cal: str, eid: str, q: dict[str, str]) -> dict[str, Any]:
        """``events.instances``: a recurring event's instances in the window, paged; the
        cancelled ones with ``showDeleted``; ``originalStart`` picks one."""
        series = self._get(cal, eid)
        listing.check(q)
        return listing.page(self, q, lambda: listing.instance_rows(self, cal, series, q),
                            self._head(cal, q), sync=False)

    def _zone(self, cal: str) -> ZoneInfo:
        return recurrence.known_zone(self.calendars[cal]["timeZone"]) or ZoneInfo("UTC")

    @staticmethod
    def _public(ev: dict[str, Any]) -> dict[str, Any]:
        if ev["status"] == "cancelled":  # a deleted event says little more than that
            return {"kind": "calendar#event", "etag": ev["etag"], "id": ev["id"],
                    "status": "cancelled"} | {k: ev[k] for k in (
                        "recurringEventId", "originalStartTime") if k in ev}
        return {k: v for k, v in ev.items() if not k.startswith("_")}

    # -- HTTP ----------------------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None = None) -> Response:
        return wire.error_response(status, message, code)

    def op_name(self, req: Request) -> tuple[str, bool]:
        return _op(req.method, req.path)

    def inject_quota_error(self, op: str = "*", count: int = 1,
                           reason: str = "rateLimitExceeded") -> None:
        """The next ``count`` calls of ``op`` ("*", "read", "write" or a name such as
        "create") answer Google's 403 with a usage-limit ``reason`` and no Retry-After (in a
        batch: the parts, one by one)."""
        self.quota_faults.append([op, reason, count, 403])

    def inject_error(self, op: str = "*", status: int = 500, count: int = 1) -> None:
        """Like :meth:`inject_quota_error` with another status (429, 500, 503) and Google's
        reason for it. The base class's faults answer a whole HTTP request; these hit one
        call, so one part of a batch can fail while the others pass."""
        self.quota_faults.append([op, wire.REASONS.get(status, ("backendError", ""))[0],
                                  count, status])

    def _quota_fault(self, method: str, path: str) -> tuple[int, Any, dict[str, str]] | None:
        name, is_write = _op(method, path)
        for fault in self.quota_faults:
            op, reason, _, status = fault
            if op in ("*", name) or op == ("write" if is_write else "read"):
                fault[2] -= 1
                if fault[2] <= 0:
                    self.quota_faults.remove(fault)
                return status, {"message": MESSAGES.get(reason, "Rate Limit Exceeded"),
                                "reason": reason}, {}
        return None

    def _admitted(self) -> bool:
        """One call against the quota (:meth:`set_quota`): whether it has room."""
        with self.lock:
            assert self.quota is not None
            self.quota_calls += 1
            if self.quota.admit():
                return True
            self.quota_refused += 1
            return False

    def stop(self) -> None:
        super().stop()
        self.push.close()

    def handle(self, req: Request) -> Response:
        if req.path == "/token" and req.method == "POST":
            return self.oauth.token(req)
        if req.path == "/o/oauth2/auth" and req.method == "GET":
            return self.oauth.authorize(req)
        if (refused := self.oauth.refused(req)) is not None:
            return refused
        if req.path == "/batch/calendar/v3":
            return wire.batch(req, self._call)
        return wire.answer(*self._call(req.method, req.path, {
            k: v[0] for k, v in req.query.items()}, req.headers, req.body))

    def _call(self, method: str, path: str, q: dict[str, str], headers: dict[str, str],
              raw: bytes) -> tuple[int, Any, dict[str, str]]:
        """One API call (a whole request, or one part of a batch) through the route table
        (:mod:`.emu_routes`): (status, result or error, extra headers)."""
        if self.quota_faults and (fault := self._quota_fault(method, path)) is not None:
            return fault
        if self.quota is not None and not self._admitted():
            return 403, {"message": MESSAGES["rateLimitExceeded"],
                         "reason": "rateLimitExceeded"}, {}
        req = Request(method, path, {k: [v] for k, v in q.items()}, headers, raw)
        try:
            status, result = self.routes.answer(req)
        except GError as exc:
            return exc.status, exc.result(), {}
        return status, result, wire.etag_header(result)
