"""A local Google Calendar API v3 for google-api-python-client, the tests and the demo.

Under ``/calendar/v3/``: ``users/me/calendarList``, ``calendars/{id}``, events list
(``syncToken`` with ``nextSyncToken`` on the last page; page tokens over a snapshot;
``showDeleted``, ``singleEvents`` (:mod:`.recurrence`), ``privateExtendedProperty``; a sync
token that is foreign or expired is 410 ``fullSyncRequired``), get, insert (client-chosen
base32hex ids, 409 on a duplicate), patch (merged like Google's) / update / delete with
``If-Match`` etags (412), edits of single occurrences (stored as exceptions), ``events/watch``
and ``channels/stop`` with push messages (:mod:`.emu_push`); the batch endpoint
``/batch/calendar/v3`` and Google's error bodies (:mod:`.emu_wire`); optional OAuth
(:mod:`.emu_oauth`); read-only calendars; injected error answers per call (403 usage
limits, 429, 5xx), so one part of a batch can fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import json
import re
import uuid
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.emulation import Emulator, Request, Response
from adapters.gcal import emu_filters, recurrence
from adapters.gcal import emu_wire as wire
from adapters.gcal.emu_oauth import OAuth
from adapters.gcal.emu_push import Channels
from adapters.gcal.emu_wire import GError

ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
Rows = list[dict[str, Any]]
MESSAGES = {"userRateLimitExceeded": "User Rate Limit Exceeded", "backendError": "Backend Error",
            "quotaExceeded": "Calendar usage limits exceeded."}
FORBIDDEN_WITH_SYNC = ("timeMin", "timeMax", "updatedMin", "q", "orderBy", "iCalUID",
                       "privateExtendedProperty", "sharedExtendedProperty")


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


def _check_recurrence(body: dict[str, Any]) -> None:
    """Malformed recurrence is a 400, as at Google (rules outside the expanded subset are
    accepted here and refused only when expanded)."""
    for line in body.get("recurrence") or []:
        if not isinstance(line, str) or ":" not in line:
            raise GError(400, "Invalid recurrence rule.", "invalid")
        if line.upper().startswith("RRULE:"):
            try:
                recurrence.parse_rule(line[6:])
            except recurrence.Unsupported:
                pass
            except ValueError:
                raise GError(400, "Invalid recurrence rule.", "invalid") from None


def _zoned_times(ev: dict[str, Any]) -> None:
    """A ``dateTime`` written without an offset is a wall-clock time in its ``timeZone``, as
    Google reads it (and answers it with the offset); without either it is Google's 400."""
    for key in ("start", "end"):
        edge = ev.get(key) or {}
        text = edge.get("dateTime")
        if not text:
            continue
        try:
            at = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
            if at.tzinfo is not None:
                continue
            if not edge.get("timeZone"):
                raise GError(400, f"Missing time zone definition for {key} time.",
                             "required")
            edge["dateTime"] = at.replace(tzinfo=ZoneInfo(edge["timeZone"])).isoformat()
        except (ValueError, KeyError, ZoneInfoNotFoundError):
            continue  # odd data planted by a test (as imported events carry): kept as is


def _op(method: str, path: str) -> tuple[str, bool]:
    """Operation name (for fault matching) and whether it writes."""
    if path.startswith("/batch"):
        return "batch", True
    if path.endswith("/events"):
        return ("list", False) if method == "GET" else ("create", True)
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
        self.add_calendar("primary", "Work calendar")

    # -- direct state --------------------------------------------------------------------------

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

    def expire_tokens(self) -> None:
        """Every sync token issued so far is now too old (the server's choice, any time)."""
        self.min_valid_token = self._last_seq = next(self._seq)

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

    def insert(self, cal: str, body: dict[str, Any]) -> dict[str, Any]:
        events = self._events(cal)
        self._writable(cal)
        eid = body.get("id") or uuid.uuid4().hex
        if not ID_RE.match(eid):
            raise GError(400, "Invalid resource id value.", "invalid")
        if eid in events:
            raise GError(409, "The requested identifier already exists.", "duplicate")
        for key in ("start", "end"):
            if not body.get(key) or not (body[key].get("date") or body[key].get("dateTime")):
                raise GError(400, "Missing end time." if key == "end" else "Missing start time.",
                             "required")
        _check_recurrence(body)
        if body.get("recurrence") and "dateTime" in body["start"] and \
                not body["start"].get("timeZone"):
            raise GError(400, "Missing time zone definition for start time.", "required")
        ev = {"kind": "calendar#event", "id": eid, "status": "confirmed",
              "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
              "created": _now(), "iCalUID": f"{eid}@google.com",
              **_merge({}, {k: v for k, v in body.items() if k != "id"})}
        _zoned_times(ev)
        self._stamp(ev, cal)
        events[eid] = ev
        return ev

    def _events(self, cal: str) -> dict[str, dict[str, Any]]:
        if cal not in self.events:
            raise GError(404, "Not Found", "notFound")
        return self.events[cal]

    def _instance(self, cal: str, eid: str) -> dict[str, Any] | None:
        """An instance of a recurring event by its id (``<series>_<start>``), as computed."""
        series_id, sep, _ = eid.rpartition("_")
        series = self._events(cal).get(series_id) if sep else None
        if series is None or not series.get("recurrence"):
            return None
        return next((i for i in recurrence.instances(series, {}) if i["id"] == eid), None)

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

    def patch(self, cal: str, eid: str, body: dict[str, Any], if_match: str | None,
              replace: bool = False) -> dict[str, Any]:
        """PATCH merges like Google: a nested object is merged field by field, an array is
        replaced whole, and ``null`` clears a field. PUT (``replace``) replaces the event."""
        _check_recurrence(body)
        ev = self._editable(cal, eid, if_match)
        if replace:
            for key in [k for k in ev if k not in ("kind", "id", "htmlLink", "created",
                                                   "iCalUID", "etag", "_seq", "sequence")]:
                ev.pop(key)
            ev["status"] = "confirmed"
        merged = _merge(ev, {k: v for k, v in body.items() if k != "id"})
        for key in ("start", "end"):
            if not (merged.get(key) or {}).get("date") and \
                    not (merged.get(key) or {}).get("dateTime"):
                raise GError(400, f"Missing {key} time.", "required")
        _zoned_times(merged)
        ev.clear()
        ev.update(merged)
        self._stamp(ev, cal)
        return ev

    def delete(self, cal: str, eid: str, if_match: str | None = None) -> None:
        ev = self._editable(cal, eid, if_match)
        ev["status"] = "cancelled"
        self._stamp(ev, cal)

    # -- listing -------------------------------------------------------------------------------

    def list(self, cal: str, q: dict[str, str]) -> dict[str, Any]:
        """One page. The first page takes a snapshot (the rows in order, and the sequence
        number the sync token will carry); later pages read the snapshot by their page token,
        so an edit between pages neither skips nor repeats an event, and an event edited after
        the snapshot comes again with the next sync token."""
        try:
            size = min(int(q.get("maxResults") or 250), 2500)
        except ValueError:
            size = 0
        if size < 1:
            raise GError(400, f"Invalid value '{q.get('maxResults')}'. Values must be within "
                         "the range: [1, 2500]", "invalid")
        page = q.get("pageToken")
        if page:
            if page not in self._pages:
                raise GError(400, "Invalid page token value.", "invalid")
            rows, mark, start = self._pages[page]
        else:
            rows, mark, start = self._rows(cal, q), self._last_seq, 0
        chunk = rows[start:start + size]
        out: dict[str, Any] = {"kind": "calendar#events", "summary": self.calendars[cal][
            "summary"], "timeZone": q.get("timeZone") or self.calendars[cal]["timeZone"],
            "updated": _now(),
            "accessRole": self.access[cal], "items": [self._public(e) for e in chunk]}
        if start + size < len(rows):
            token = "p" + uuid.uuid4().hex
            self._pages[token] = (rows, mark, start + size)
            while len(self._pages) > 1000:  # old listings' tokens expire
                del self._pages[next(iter(self._pages))]
            out["nextPageToken"] = token
        else:
            out["nextSyncToken"] = f"st{mark}"
        return out

    def _rows(self, cal: str, q: dict[str, str]) -> Rows:
        events = self._events(cal)
        try:
            emu_filters.check(q)
        except emu_filters.ListError as exc:
            raise GError(400, exc.message, exc.reason) from None
        token = q.get("syncToken")
        if token:
            bad = [p for p in FORBIDDEN_WITH_SYNC if p in q]
            if bad:
                raise GError(400, f"The parameter {bad[0]} cannot be combined with syncToken.",
                             "invalid")
            m = re.fullmatch(r"st(\d+)", token)
            if m is None or int(m.group(1)) < self.min_valid_token or \
                    int(m.group(1)) > self._last_seq:  # not one of ours, or too old
                raise GError(410, "Sync token is no longer valid, a full sync is required.",
                             "fullSyncRequired")
            rows = [e for e in events.values() if e["_seq"] > int(m.group(1))]
        else:  # deleted events are left to emu_filters (updatedMin brings them too)
            show_deleted = q.get("showDeleted") == "true" or bool(q.get("updatedMin"))
            rows = [e for e in events.values() if show_deleted or e["status"] != "cancelled"]
            prop = q.get("privateExtendedProperty")
            if prop:
                key, _, value = prop.partition("=")
                rows = [e for e in rows if e.get("extendedProperties", {}).get(
                    "private", {}).get(key) == value]
        rows.sort(key=lambda e: e["_seq"])
        if q.get("singleEvents") == "true":
            try:
                rows = recurrence.expand_rows(events, rows)
            except recurrence.Unsupported as exc:
                raise GError(501, f"emulator: {exc}", "notImplemented") from None
        if token:
            return rows
        try:
            return emu_filters.apply(rows, q, ZoneInfo(self.calendars[cal]["timeZone"]))
        except emu_filters.ListError as exc:
            raise GError(400, exc.message, exc.reason) from None

    @staticmethod
    def _public(ev: dict[str, Any]) -> dict[str, Any]:
        if ev["status"] == "cancelled":  # a deleted event says little more than that
            return {"kind": "calendar#event", "etag": ev["etag"], "id": ev["id"],
                    "status": "cancelled"}
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
        if self.quota_faults and (fault := self._quota_fault(method, path)) is not None:
            return fault
        try:
            body = json.loads(raw) if raw.strip() else {}
            status, result = self._route(method, path.removeprefix("/calendar/v3"), q, headers,
                                         body)
        except GError as exc:
            return exc.status, {"message": exc.message, "reason": exc.reason}, {}
        except ValueError:
            return 400, {"message": "Parse Error", "reason": "parseError"}, {}
        return status, result, wire.etag_header(result)

    def _series_call(self, cal: str, eid: str, what: str, m: str, q: dict[str, str]
                     ) -> tuple[int, Any]:
        """``GET events/{id}/instances`` (a recurring event's instances, one page) and
        ``POST events/{id}/move?destination=`` (the event to another calendar, same id)."""
        if what == "instances" and m == "GET":
            series = self._get(cal, eid)
            if not series.get("recurrence"):
                return 200, {"kind": "calendar#events", "items": [self._public(series)]}
            exceptions = {e["id"]: e for e in self._events(cal).values()
                          if e.get("recurringEventId") == eid}
            rows = emu_filters.apply(recurrence.instances(series, exceptions), q,
                                     ZoneInfo(self.calendars[cal]["timeZone"]))
            return 200, {"kind": "calendar#events", "timeZone": self.calendars[cal][
                "timeZone"], "items": [self._public(i) for i in rows]}
        if what == "move" and m == "POST":
            dest = q.get("destination") or ""
            dest = "primary" if dest == self.account else dest
            if dest not in self.calendars:
                raise GError(404, "Not Found", "notFound")
            self._writable(dest)
            ev = self._editable(cal, eid, None)
            moved = copy.deepcopy(ev)
            self.delete(cal, eid)
            self.events[dest][eid] = moved
            self._stamp(moved, dest)
            return 200, self._public(moved)
        raise GError(404, "Not Found")

    def _route(self, m: str, path: str, q: dict[str, str], headers: dict[str, str],
               body: dict[str, Any]) -> tuple[int, Any]:
        parts = [unquote(p) for p in path.split("/") if p]
        if parts == ["users", "me", "calendarList"]:
            return 200, {"kind": "calendar#calendarList", "items": [
                {"kind": "calendar#calendarListEntry", **self._calendar(c),
                 "accessRole": self.access[c["id"]]} | (
                    {"primary": True} if c["id"] == "primary" else {})
                for c in self.calendars.values()]}
        if parts == ["channels", "stop"] and m == "POST":
            self.push.stop(body)
            return 204, None
        if parts[:1] != ["calendars"] or len(parts) < 2:
            raise GError(404, "Not Found")
        cal = "primary" if parts[1] == self.account else parts[1]
        if len(parts) == 2:
            if cal not in self.calendars:
                raise GError(404, "Not Found")
            return 200, self._calendar(self.calendars[cal])
        if parts[2:] == ["events"]:
            if m == "GET":
                return 200, self.list(cal, q)
            if m == "POST":
                return 200, self._public(self.insert(cal, body))
        if parts[2:] == ["events", "watch"] and m == "POST":
            self._events(cal)
            return 200, self.push.watch(cal, body)
        if len(parts) == 5 and parts[2] == "events" and parts[4] in ("instances", "move"):
            return self._series_call(cal, parts[3], parts[4], m, q)
        if len(parts) == 4 and parts[2] == "events":
            eid = parts[3]
            if_match = headers.get("if-match")
            if m == "GET":
                return 200, self._public(self._get(cal, eid, deleted_ok=True))
            if m in ("PATCH", "PUT"):
                return 200, self._public(self.patch(cal, eid, body, if_match, m == "PUT"))
            if m == "DELETE":
                self.delete(cal, eid, if_match)
                return 204, None
        raise GError(404, "Not Found")
