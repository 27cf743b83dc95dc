"""One Google calendar as a synchub endpoint.

Reading is incremental with ``syncToken`` (one request per quiet round). A 410 means the
token is dead: the adapter lists everything again, deleted events included, and compares it
with the ids in scope that the cursor keeps, so what was deleted or left the tag scope
meanwhile is still reported (every cancelled event, known or not; a failed page reports
nothing); the event ids are the same, and copies carry the origin marker, so the hub re-links
instead of duplicating. Cancelled events are deletes. Changed single occurrences of a
recurring series (``recurringEventId``) are left alone, with a logged reason: writing them
back as a series edit would corrupt the series.

Creates use an event id derived from the idempotency key plus a private extended property
as origin marker: a retried or crashed create meets 409 and the existing event is used.
Updates are patches that send ``If-Match`` with the etag; a 412 is a Conflict, never an
overwrite. Google merges a patch's nested objects, so start/end carry explicit nulls for the
other kind (all-day vs timed). A patch that depends on the event as it is (a moved due keeps
the event's own length; a new rule keeps its EXDATE/RDATE lines) reads it first unless this
adapter saw it at the expected version; if that read fails, the patch is not sent and the op
fails with the read's error (retried later), since If-Match cannot catch it. Writes of a
round go in batch requests to the configured endpoint (``new_batch_http_request`` would use
the public one).

Google's per-user quota counts queries: each listing page, each read, each call inside a
batch. The adapter's budget is ``per_request``: every request it sends is paced by the hub
as it goes out (:meth:`GcalClient.call`, :mod:`adapters.pacing`), so a listing of many pages
or a batch of patches with the reads it depends on never runs ahead of the quota.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Sequence
from typing import Any

from googleapiclient.http import BatchHttpRequest

from adapters.base import (
    Capabilities,
    ChangeSet,
    EndpointContext,
    Gone,
    RemoteItem,
    RequestBudget,
    Unreadable,
    WriteKind,
    WriteOp,
    WriteResult,
)
from adapters.gcal import convert
from adapters.gcal.batch import Executable, Raised, mapped
from adapters.gcal.client import SERVICE, GcalClient
from adapters.gcal.client import Gone as GoneError
from adapters.reading import convert_each, convert_one
from adapters.toolkit import AdapterBase, BatchWrites
from hub.errors import Conflict, NotFound, RateLimited, SyncHubError, Transient

log = logging.getLogger("synchub.gcal")
#: Google's documented maxima: 1,000 calls in one batch request (the Calendar batch guide;
#: googleapiclient refuses more, ``MAX_BATCH_LIMIT``) and 2,500 events a page
#: (``events.list`` ``maxResults``; above it Google clamps)
BATCH_MAX = 1000
PAGE = 2500
#: Google's default per-user quota: 600 queries a minute, a sliding window, every call inside
#: a batch counted (the Calendar "Usage limits" guide). ``quota_per_minute`` in the endpoint's
#: options models a raised quota.
QUOTA_PER_MINUTE = 600


def batch_size(quota_per_minute: int) -> int:
    """Calls per batch request: the per-minute quota less a little room, at most Google's 1,000.

    A batch of n calls spends n of the quota at once (Google counts each call), so it cannot
    be larger than what the sliding minute lets out at once: the quota itself. One batch a
    minute as large as that, less room for the round's single calls (its listing, a read, a
    marker lookup: 10 at 600 a minute) so that they never push the next batch into the next
    minute, sends the fewest requests and reaches the quota's own pace (2,000 inserts at 600
    a minute: 4 batch requests of 590 and 3 minutes; half-quota batches of 300 take 7 requests
    for the same minutes)."""
    room = max(quota_per_minute // 60, min(10, quota_per_minute // 2))
    return max(1, min(BATCH_MAX, quota_per_minute - room))


class GcalAdapter(BatchWrites, AdapterBase):
    def __init__(self, client: GcalClient, ctx: EndpointContext, *, calendar_id: str,
                 tag: str | None = None, read_only: bool = False) -> None:
        self.client = client
        self.name = ctx.name
        self.ctx = ctx
        self.calendar = calendar_id
        self.tag = tag
        self.mode = str(ctx.options.get("mode", "due"))
        self.block = dt.timedelta(minutes=int(ctx.options.get("block_minutes", 30)))
        when = "span" if self.mode == "span" else "due"
        fields = {"title", "description", when, "recurrence"} | (
            {"duration"} if when == "due" else set())
        if ctx.fields is not None:
            fields &= set(ctx.fields)
        quota = int(ctx.options.get("quota_per_minute", QUOTA_PER_MINUTE))
        self.batch = batch_size(quota)
        self.capabilities = Capabilities(
            fields=frozenset(fields), read_only=read_only, batch_size=self.batch,
            request_budget=RequestBudget(requests=quota, per_seconds=60, batch_calls=True,
                                         per_request=True),
            idempotent_create=True, create_requires_any=frozenset({when}), series=True)
        self.tz = ctx.timezone
        self.events = client.service.events()
        #: ref -> the event's etag, start, end and recurrence as last read: an update that
        #: writes the rule keeps the event's EXDATE/RDATE lines, and a moved due keeps the
        #: event's own length. Missing or stale entries are fetched before the write.
        self._seen: dict[str, dict[str, Any]] = {}
        #: the calendar's own zone (from listings, else calendars.get): times without a
        #: timeZone are in it, not in the user's zone
        self.calendar_tz: str | None = None
        self._writing = False  # reading back a write's answer (see _zone)

    def verify(self) -> str:
        """The calendar exists and this account may read it: one request."""
        cal = self.client.call(lambda: self.client.service.calendars().get(
            calendarId=self.calendar))
        self.calendar_tz = self.calendar_tz or cal.get("timeZone")
        return f"calendar {cal.get('summary') or self.calendar!r} ({cal.get('timeZone')})"

    def represent(self, field: str, value: Any) -> Any:
        if field == "due":
            return convert.zoned(value, self.tz)
        if field == "span" and value is not None:
            return type(value)(start=convert.zoned(value.start, self.tz),
                               end=convert.zoned(value.end, self.tz))
        return super().represent(field, value)

    def _in_scope(self, ev: dict[str, Any]) -> bool:
        if not self.tag:
            return True
        private = (ev.get("extendedProperties") or {}).get("private", {})
        return private.get("synchubTag") == self.tag

    def _zone(self, ev: dict[str, Any] | None = None) -> str:
        """The calendar's zone, read once when an event needs it (a time with no zone)."""
        needed = ev is None or any("dateTime" in (ev.get(k) or {}) and not ev[k].get("timeZone")
                                   for k in ("start", "end"))
        if needed and self.calendar_tz is None:
            try:
                cal = self.client.call(lambda: self.client.service.calendars().get(
                    calendarId=self.calendar))
            except SyncHubError:
                if ev is None or "etag" not in ev or not self._writing:
                    raise
                # the write has landed: report it rather than fail it for want of the zone
                log.warning("calendar %s: its time zone could not be read; event %s is read "
                            "in %s this time", self.calendar, ev.get("id"), self.tz)
                return self.tz
            self.calendar_tz = cal.get("timeZone") or self.tz
        return self.calendar_tz or self.tz

    def _convert(self, ev: dict[str, Any]) -> RemoteItem:
        item = convert.to_item(ev, self.mode, self._zone(ev), self.tz, self.block)
        self._remember(ev)
        return RemoteItem(ref=ev["id"], item=item, version=ev.get("etag"))

    def _remote(self, ev: dict[str, Any]) -> RemoteItem:
        """One event as read; one no converter accepts is ValidationRejected (get)."""
        return convert_one(ev, self._convert, service=SERVICE, what=f"event {ev.get('id')}")

    def _remotes(self, events: list[dict[str, Any]]
                 ) -> tuple[list[RemoteItem], list[Unreadable]]:
        """Listed events one by one: an odd one is reported, the others go on (P14)."""
        return convert_each(events, self._convert, ref=lambda ev: ev["id"],
                            title=lambda ev: ev.get("summary") or "", service=self.name)

    # -- reading ------------------------------------------------------------------------------

    def _list(self, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
        items: list[dict[str, Any]] = []
        page = None
        while True:
            result = self.client.call(functools.partial(
                self.events.list, calendarId=self.calendar, pageToken=page, maxResults=PAGE,
                **params))
            items += result.get("items", [])
            self.calendar_tz = result.get("timeZone") or self.calendar_tz
            page = result.get("nextPageToken")
            if not page:
                return items, result.get("nextSyncToken")

    def changes(self, cursor: str | None) -> ChangeSet:
        """Incremental with the sync token; after a 410 a full listing *with* deleted events.

        The cursor also keeps the ids of the events in scope (``k``): Google purges deleted
        events after a while, so an event deleted while the token was dead may be missing from
        the resync altogether, and only the known ids tell it apart from "never seen". Absence
        only counts in a complete listing: any failed page raises before anything is reported.
        Every cancelled event of the resync is reported, known or not: one this endpoint
        created since its last listing is not in ``k`` yet (the hub ignores refs it does not
        know). A cursor from before ``k`` learns it with one listing of the ids in scope.
        """
        before = self.client.requests
        state = json.loads(cursor) if cursor else {}
        token = state.get("t")
        known: set[str] | None = set(state["k"]) if "k" in state else None
        resync = False
        try:
            events, new_token = self._list(syncToken=token) if token else self._list()
        except GoneError as exc:
            if exc.reason != "fullSyncRequired":
                raise
            log.info("calendar %s: sync token expired; listing everything again, deleted events "
                     "included (copies are re-linked by their ids and origin markers, never "
                     "duplicated)", self.calendar)
            events, new_token = self._list(showDeleted=True)
            resync = True
        listed: list[dict[str, Any]] = []
        gone: dict[str, Gone] = {}
        for ev in events:
            if ev.get("recurringEventId"):
                log.info("calendar %s: a single occurrence of a recurring event (%s) changed; "
                         "left alone so the series is not rewritten", self.calendar, ev["id"])
                continue
            if ev.get("status") == "cancelled":
                gone[ev["id"]] = Gone.DELETED
            elif self._in_scope(ev):
                listed.append(ev)
            else:
                gone[ev["id"]] = Gone.OUT_OF_SCOPE
        items, unreadable = self._remotes(listed)
        # an unreadable event is in scope too: its deletion must still be told after a 410
        seen = {r.ref for r in items} | {u.ref for u in unreadable}
        if token is None or resync:  # a complete listing: it alone says what is in scope
            if resync and known is not None:  # out of scope: only ours, not every other event
                gone = {ref: why for ref, why in gone.items()
                        if why is Gone.DELETED or ref in known}
                gone |= {ref: Gone.DELETED for ref in known - seen - set(gone)}
            elif not resync:
                gone = {}  # the first listing: nothing was known, nothing can be gone
            known = seen
        elif known is not None:
            known = (known | seen) - set(gone)
        else:
            known = self._in_scope_ids()
        out: dict[str, Any] = {"t": new_token}
        if known is not None:
            out["k"] = sorted(known)
        return ChangeSet(items=tuple(items), gone=gone, cursor=json.dumps(out),
                         requests=self.client.requests - before, unreadable=tuple(unreadable))

    def _in_scope_ids(self) -> set[str] | None:
        """The ids in scope now, for a cursor from before ``k``: without them a later 410 could
        not report an event deleted and purged meanwhile. Taken after the incremental listing
        (what changes in between is in the next one). If it fails, the next round tries again."""
        log.info("calendar %s: the cursor predates the known ids; listing the ids in scope "
                 "once", self.calendar)
        try:
            events, _ = self._list()
        except (RateLimited, Transient) as exc:
            log.warning("calendar %s: listing the ids in scope failed (%s); tried again next "
                        "round", self.calendar, exc)
            return None
        return {ev["id"] for ev in events if not ev.get("recurringEventId")
                and ev.get("status") != "cancelled" and self._in_scope(ev)}

    def get(self, ref: str) -> RemoteItem | None:
        try:
            ev = self.client.call(lambda: self.events.get(calendarId=self.calendar,
                                                          eventId=ref))
        except NotFound:
            return None
        if ev.get("status") == "cancelled":
            return None
        return self._remote(ev)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        events, _ = self._list(privateExtendedProperty=f"{convert.ORIGIN_KEY}={origin}")
        live = [e for e in events if e.get("status") != "cancelled"]
        return self._remote(live[0]) if live else None

    # -- writing ------------------------------------------------------------------------------

    def _remember(self, ev: dict[str, Any]) -> None:
        self._seen[ev["id"]] = {k: ev.get(k) for k in ("etag", "start", "end", "recurrence")}

    def _needs_current(self, op: WriteOp) -> bool:
        """Whether the patch depends on the event as it is (its other recurrence lines, or
        its length when the due moves)."""
        if op.kind is not WriteKind.UPDATE or op.item is None:
            return False
        moved = self.mode == "due" and "due" in op.fields and op.item.due is not None
        return moved or ("recurrence" in op.fields and op.item.recurrence is not None)

    def _prefetch(self, ops: Sequence[WriteOp]) -> dict[str, SyncHubError]:
        """Read the events the patches depend on and that were not read at the version the
        write expects, in batches (one request for a round's worth). Each read is a query
        against Google's quota: the hub paces the read batch as its own request before the
        patches (:mod:`adapters.pacing`), so a burst of writes and their reads stays under it.
        Returns the reads that failed, by ref: such a patch is not sent (see
        :meth:`_current`)."""
        refs = sorted({op.ref for op in ops if op.ref and self._needs_current(op) and (
            op.ref not in self._seen or (op.expected_version and op.expected_version !=
                                         self._seen[op.ref]["etag"]))})
        failed: dict[str, SyncHubError] = {}

        def done(request_id: str, response: Any, exception: Exception | None) -> None:
            if exception is not None:
                failed[refs[int(request_id)]] = mapped(self.client, exception)
            elif response.get("status") != "cancelled":
                self._remember(response)

        for start in range(0, len(refs), self.batch):
            chunk = refs[start:start + self.batch]
            batch = BatchHttpRequest(callback=done, batch_uri=self.client.batch_uri)
            for i, ref in enumerate(chunk, start):
                batch.add(self.events.get(calendarId=self.calendar, eventId=ref),
                          request_id=str(i))
            try:
                self.client.call(functools.partial(Executable, batch, len(chunk)))
            except SyncHubError as exc:  # the whole batch failed: every read in it did
                failed |= {ref: exc for ref in chunk}
        return failed

    def _current(self, op: WriteOp, failed: dict[str, SyncHubError]) -> dict[str, Any] | None:
        """The event as it is, for a patch that depends on it. Without it the patch would
        write the rule alone (the EXDATE/RDATE lines lost) or the default length, and
        If-Match would not stop it (the event is at the expected version): so a failed read
        fails the op with the read's error (RateLimited, Transient: retried later)."""
        if not self._needs_current(op):
            return None
        seen = self._seen.get(op.ref or "")
        if seen is not None and (not op.expected_version or
                                 seen["etag"] == op.expected_version):
            return seen
        if (err := failed.get(op.ref or "")) is not None:
            raise err
        # read at another version (If-Match answers 412) or deleted (the patch answers 410)
        return seen

    def _request(self, op: WriteOp, current: dict[str, Any] | None = None) -> Any:
        if op.kind is WriteKind.DELETE:
            return self.events.delete(calendarId=self.calendar, eventId=op.ref)
        assert op.item is not None
        if op.kind is WriteKind.CREATE:
            body = convert.to_body(op.item, self.capabilities.fields, self.mode, self.block,
                                   self.tz)
            private = body.get("extendedProperties", {}).get("private", {}) | {
                convert.ORIGIN_KEY: op.origin or ""}
            if self.tag:
                private["synchubTag"] = self.tag
            body |= {"id": convert.event_id(op.idempotency_key),
                     "extendedProperties": {"private": private}}
            return self.events.insert(calendarId=self.calendar, body=body)
        body = convert.to_body(op.item, op.fields & self.capabilities.fields, self.mode,
                               self.block, self.tz, patch=True, current=current,
                               zone=self.calendar_tz)
        if op.origin is not None:
            # Patch merges private extended properties key by key: the marker is added and
            # the event's other properties are kept (a copy matched at first sync).
            body["extendedProperties"] = {"private": body.get("extendedProperties", {}).get(
                "private", {}) | {convert.ORIGIN_KEY: op.origin}}
        req = self.events.patch(calendarId=self.calendar, eventId=op.ref, body=body)
        if op.expected_version:
            req.headers["If-Match"] = op.expected_version
        return req

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        answers: dict[str, tuple[Any, Exception | None]] = {}

        def done(request_id: str, response: Any, exception: Exception | None) -> None:
            answers[request_id] = (response, exception)

        failed = self._prefetch(ops)
        for start in range(0, len(ops), self.batch):
            batch = BatchHttpRequest(callback=done, batch_uri=self.client.batch_uri)
            sent = 0
            for i, op in enumerate(ops[start:start + self.batch], start):
                try:
                    current = self._current(op, failed)
                except SyncHubError as exc:
                    answers[str(i)] = (None, Raised(exc))
                    continue
                batch.add(self._request(op, current), request_id=str(i))
                sent += 1
            if sent:
                self.client.call(functools.partial(Executable, batch, sent), write=True)
        return [self._result(op, *answers[str(i)]) for i, op in enumerate(ops)]

    def _result(self, op: WriteOp, response: Any, exc: Exception | None) -> WriteResult:
        if exc is None:
            if op.kind is WriteKind.DELETE:
                return WriteResult(op)
            self._writing = True
            try:
                return WriteResult(op, self._remote(response))
            finally:
                self._writing = False
        err = mapped(self.client, exc)
        if op.kind is WriteKind.DELETE and isinstance(err, NotFound):
            return WriteResult(op)  # already gone: done
        if op.kind is WriteKind.CREATE and isinstance(err, Conflict):
            existing = self.get(convert.event_id(op.idempotency_key))  # our retried create
            if existing is not None:
                return WriteResult(op, existing)
        return WriteResult(op, error=err)

    def write_one(self, op: WriteOp) -> RemoteItem | None:
        """One write as one plain request, not a batch of one (create, update and delete are
        :class:`BatchWrites`'): answered and mapped as a batch part would be. A patch of a
        deleted event (410) is NotFound; a delete of one already gone is done."""
        try:
            return self._write_one(op)
        except NotFound as exc:
            if op.kind is WriteKind.DELETE:
                return None
            if op.kind is WriteKind.UPDATE and isinstance(exc, GoneError):
                raise NotFound(f"event {op.ref} was deleted", service=SERVICE) from None
            raise

    def _write_one(self, op: WriteOp) -> RemoteItem | None:
        failed = self._prefetch([op])
        try:
            current = self._current(op, failed)
            response = self.client.call(lambda: self._request(op, current), write=True)
        except SyncHubError as exc:
            result = self._result(op, None, Raised(exc))
        else:
            result = self._result(op, response, None)
        if result.error is not None:
            raise result.error
        return result.remote
