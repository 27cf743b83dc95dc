"""A Notion database (its data source) as a synchub endpoint.

Which property holds which field is resolved and checked on first use
(:mod:`adapters.notion.schema`); values are converted by :mod:`adapters.notion.props`.
``parent`` is synced where the data source has Notion's Sub-items (a relation to itself):
the parent's page id, read and written like any other property.

Reading: each round lists the pages edited on or after the window start, oldest first, and
drops those it has already seen, comparing versions (``last_edited_time`` has minute precision,
so two edits in one minute share a timestamp). The window then moves on in Notion's clock (the
``Date`` header) less a settle margin, so a quiet round lists nothing old (see
:meth:`NotionAdapter._next_window`). Trashed pages come from a second query with
``in_trash``; with a scope filter, a third unfiltered query, asked first (see
:meth:`NotionAdapter.changes`), finds pages that changed out of the filter (it may also name
pages that never were in scope; the hub ignores refs it does not know). A quiet round is
therefore two requests (three with a scope filter).

Schema: read on first use, through the context's :class:`~adapters.context.DiscoveryCache`
when there is one (a one-shot quiet round is then the two queries alone). A cached schema
proves stale when a listed or read page lacks a property it maps (renamed or deleted in the
app), when the mapping no longer fits it, or when Notion refuses a write for a property: the
entry is dropped, the schema read again (once) and the pages converted, or the write sent,
once more on it, so a rename never waits for the cache's TTL.

Versions: ``last_edited_time`` is too coarse for an etag, so the version is a hash of the
page's properties and, in body mode, its body (see :meth:`NotionAdapter._version`).
``expected_version`` is not checked: Notion has no conditional update (see
:meth:`NotionAdapter.update`); a create or an update is one request, nothing read before or
after it (the answer is the page). Body mode costs one more request for every page read
(:mod:`adapters.notion.body`). A body rewrite takes several requests; while one of ours is
unfinished (a request failed), the page reads with the body it had before, so
neither the retry nor the next round takes our half-done write for a person's edit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import replace
from typing import Any

from adapters.base import (
    Capabilities,
    ChangeSet,
    EndpointContext,
    Gone,
    RemoteItem,
)
from adapters.context import DiscoveryKey, recall
from adapters.notion import richtext, schema
from adapters.notion.body import (
    PAGE,
    append,
    paragraph_blocks,
    paragraphs,
    read_body,
    rewrite,
    text_of,
    written,
)
from adapters.notion.client import SERVICE, NotionClient
from adapters.notion.comments import NotionComments
from adapters.notion.props import PropertyMap
from adapters.notion.schema import ORIGIN_PROPERTY
from adapters.ratewindow import current_urgency
from adapters.reading import convert_each, convert_one
from adapters.toolkit import AdapterBase, WindowCursor
from hub.errors import ConfigError, NotFound, SyncHubError, Transient, ValidationRejected
from hub.model import Item

OVERLAP = dt.timedelta(minutes=1)  # last_edited_time is rounded down to the minute
SETTLE = dt.timedelta(minutes=1)  # how far Notion's query index may lag behind an edit


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _minute(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")


class NotionAdapter(NotionComments, AdapterBase):
    """A data source's pages as items; their comments in :mod:`adapters.notion.comments`."""

    def __init__(self, client: NotionClient, ctx: EndpointContext, *, database_id: str,
                 data_source: str | None = None, filter: dict[str, Any] | None = None,
                 read_only: bool = False, reconcile_every: int = 10) -> None:
        self.client = client
        self.name = ctx.name
        self.ctx = ctx
        self.database_id = database_id
        self.data_source_name = data_source
        self.filter = filter
        self.read_only = read_only
        self.reconcile_every = max(1, reconcile_every)
        self._source_id: str | None = None
        self._map: PropertyMap | None = None
        self._schema_failed = False  # represent() found the schema unreadable (Notion down)
        self.emails: dict[str, str] = {}  # user id -> email
        self._caps: Capabilities | None = None
        #: page id -> its body before a rewrite of ours that has not finished (see update)
        self._unfinished: dict[str, str | None] = {}
        #: page id -> its title/text properties as last read, where they hold mentions,
        #: equations or colours: an update merges into them (richtext.merge)
        self._special: dict[str, dict[str, list[dict[str, Any]]]] = {}
        #: page id -> its body (body mode) as last read or written: an update of other
        #: fields builds its answer without reading the body again
        self._bodies: dict[str, str | None] = {}
        #: properties a version leaves out: the sub-items synced with the parent relation
        self._unversioned: frozenset[str] = frozenset()
        self._schema_cached = False  # the schema in use came from the discovery cache

    # -- schema -------------------------------------------------------------------------------

    @property
    def source_id(self) -> str:
        if self._source_id is None:
            self._resolve()
        assert self._source_id is not None
        return self._source_id

    @property
    def map(self) -> PropertyMap:
        """Which property holds which field (the schema is read on first use)."""
        if self._map is None:
            self._resolve()
        assert self._map is not None
        return self._map

    @property
    def capabilities(self) -> Capabilities:
        """Known without a request, so building the hub (which reads every endpoint's
        capabilities) never fails because Notion is down: until the schema is read (by the
        first listing, read or write, where a failure is this endpoint's error alone) the
        fields are the ones the config maps (:func:`schema.planned_fields`, an upper bound;
        nothing is merged before a listing succeeds), then exactly those the data source
        has. Nothing else depends on the schema."""
        if self._caps is not None:
            return self._caps
        return self._capabilities(schema.planned_fields(self.ctx))

    def _capabilities(self, fields: frozenset[str]) -> Capabilities:
        # No request_budget: the client's pacer already spaces every request of the
        # integration (reads too, and other endpoints on the same token); an executor budget
        # per adapter on top paused the same writes a second time.
        return Capabilities(fields=fields, read_only=self.read_only,
                            timestamp_precision=60.0)  # last_edited_time: to the minute

    def verify(self) -> str:
        """The data source's schema read and checked against the mapping (two requests)."""
        self._resolve()
        fields = ", ".join(f"{f} → {prop!r}" for f, (prop, _) in sorted(self.map.props.items()))
        return f"database {self.database_id}: {fields}"

    def _schema_key(self) -> DiscoveryKey:
        return DiscoveryKey("notion.schema", self.client.base_url, self.client.account,
                            f"{self.database_id}|{self.data_source_name or ''}")

    def _read_schema(self) -> list[Any]:
        return list(schema.read(self.client, self.ctx, self.database_id,
                                self.data_source_name))

    def _resolve(self, fresh: bool = False) -> None:
        """The schema, from the discovery cache unless ``fresh`` (the cached one proved
        stale: dropped and read again) or it lacks what this endpoint needs."""
        key, cache = self._schema_key(), self.ctx.cache
        if fresh and cache is not None:
            cache.forget(key)
        (source_id, props_schema), cached = recall(cache, key, self._read_schema)
        if cached and self.ctx.markers and ORIGIN_PROPERTY not in props_schema:
            (source_id, props_schema), cached = self._fresh_schema()
        try:
            resolved = schema.resolved(source_id, props_schema, self.ctx)
        except ConfigError:
            if not cached:
                raise
            (source_id, props_schema), cached = self._fresh_schema()
            resolved = schema.resolved(source_id, props_schema, self.ctx)
        self._schema_cached = cached
        self._source_id, props = resolved.source_id, resolved.props
        self._unversioned = resolved.unversioned
        self._map = PropertyMap(props, self.ctx, self._users)
        self._caps = self._capabilities(frozenset(props))

    def _fresh_schema(self) -> tuple[list[Any], bool]:
        if self.ctx.cache is not None:
            self.ctx.cache.forget(self._schema_key())
        return recall(self.ctx.cache, self._schema_key(), self._read_schema)

    def _stale(self, pages: list[dict[str, Any]]) -> bool:
        """A cached schema that the pages contradict (a mapped property none of them has
        under its name: renamed or deleted since it was cached) is read again, once; True
        when it was (the pages are then converted on the fresh one)."""
        if not self._schema_cached or not pages:
            return False
        names = {name for name, kind in self.map.props.values() if kind != "body"}
        if all(names <= set(p.get("properties") or {}) for p in pages):
            return False
        self._resolve(fresh=True)
        self._schema_cached = False  # once a process: no loop on a page without a property
        return True

    def _refreshed_for(self, exc: ValidationRejected) -> bool:
        """Notion refused a write for a property (unknown, or of another type) and the
        schema came from the cache: read it again (True: the write is worth one retry)."""
        if not self._schema_cached or not any(
                m in exc.message for m in ("is not a property that exists",
                                           "Could not find property", "is expected to be")):
            return False
        self._resolve(fresh=True)
        self._schema_cached = False
        return True

    def _users(self) -> dict[str, str]:
        if not self.emails:
            cursor = None
            while True:
                kwargs: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
                page = self.client.call(functools.partial(self.client.sdk.users.list, **kwargs))
                for u in page["results"]:
                    email = (u.get("person") or {}).get("email")
                    if email:
                        self.emails[u["id"]] = email.lower()
                if not page.get("has_more"):
                    break
                cursor = page["next_cursor"]
        return self.emails

    # -- conversion ---------------------------------------------------------------------------

    def represent(self, field: str, value: Any) -> Any:
        if self._map is None:
            if self._schema_failed:
                return value
            try:
                self._resolve()
            except SyncHubError:
                # Notion is down and its schema was never read in this process (a fresh
                # `synchub sync`): the planner asks this of every copy, the unreachable one
                # too, which is never written this round. Raising here crashed the whole
                # round, so the other services stopped syncing while Notion was down. One
                # try only: the next listing reads the schema again on its own.
                self._schema_failed = True
                return value
        return self.map.represent(field, value)

    @staticmethod
    def _version(page: dict[str, Any], body: str | None,
                 unversioned: frozenset[str] = frozenset()) -> str:
        """A hash of what synchub reads from the page: its properties and, in body mode, the
        body (an edit there changes no property, and two edits in one minute share a
        ``last_edited_time``, so neither alone tells every edit apart). ``unversioned``: the
        properties left out, the sub-items, which change when a child moves (and with them
        the parent's ``last_edited_time``) while nothing synchub reads has."""
        props = {n: v for n, v in page["properties"].items() if n not in unversioned}
        blob = json.dumps([props, body], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def _body(self, page: dict[str, Any], body: str | bool | None = False) -> str | None:
        """In body mode the page's children (one more request per page) unless ``body`` says
        what they hold (just written), or a rewrite of ours on the page has not finished: the
        body then reads as it was before it (see :meth:`update`)."""
        if body is False:
            if not self.map.body:
                return None
            if page["id"] in self._unfinished:
                return self._unfinished[page["id"]]
            body = read_body(self.client, page["id"])
        assert body is not True
        if self.map.body:
            self._bodies[page["id"]] = body
        return body

    def _convert(self, page: dict[str, Any], body: str | None) -> RemoteItem:
        special = self.map.special(page)
        if special:  # kept for the next update of this page (few pages have any)
            self._special[page["id"]] = special
        else:
            self._special.pop(page["id"], None)
        made = page.get("created_time")
        return RemoteItem(ref=page["id"], item=self.map.to_item(page, body),
                          version=self._version(page, body, self._unversioned),
                          created_at=dt.datetime.fromisoformat(made.replace("Z", "+00:00"))
                          if made else None)

    def _remote(self, page: dict[str, Any], body: str | bool | None = False) -> RemoteItem:
        """One page as read; one no converter accepts is ValidationRejected (get)."""
        text = self._body(page, body)
        return convert_one(page, lambda p: self._convert(p, text), service=SERVICE,
                           what=f"page {page['id']}")

    def _listed(self, page: dict[str, Any]) -> RemoteItem:
        """A listed page: a conversion error is raised for :func:`convert_each` to report;
        a failed request (its body) fails the listing, as any failed request does."""
        return self._convert(page, self._body(page))

    def _title(self, page: dict[str, Any]) -> str:
        name = self.map.props["title"][0]
        return richtext.rich_to_md(page["properties"][name]["title"]) or ""

    # -- reading ------------------------------------------------------------------------------

    def _query(self, flt: dict[str, Any] | None, in_trash: bool = False
               ) -> tuple[list[dict[str, Any]], dt.datetime | None]:
        """Every page matching ``flt``, oldest edit first, and Notion's clock when it answered
        the first request of the listing."""
        pages: list[dict[str, Any]] = []
        cursor = None
        asked_at = None
        while True:
            body: dict[str, Any] = {"page_size": 100,
                                    "sorts": [{"timestamp": "last_edited_time",
                                               "direction": "ascending"}]}
            if flt:
                body["filter"] = flt
            if in_trash:
                body["in_trash"] = True
            if cursor:
                body["start_cursor"] = cursor
            result = self.client.call(functools.partial(
                self.client.sdk.data_sources.query, data_source_id=self.source_id, **body))
            if cursor is None:
                asked_at = self.client.server_time
            pages += result["results"]
            if not result.get("has_more"):
                return pages, asked_at
            cursor = result["next_cursor"]

    @staticmethod
    def read_cursor(cursor: str | None) -> WindowCursor:
        """The stored cursor; its start is where this round's listing starts
        (``on_or_after``, UTC, to the minute; None when no round has seen Notion's clock
        yet). A cursor from before the window moved in Notion's clock has the newest edit
        seen as ``since`` instead, and the listing starts one minute before it."""
        return WindowCursor.from_json(cursor, key="from", legacy={
            "since": lambda since: _minute(_ts(since) - OVERLAP)})

    @staticmethod
    def _next_window(start: str | None, asked_at: dt.datetime | None,
                     live: list[dict[str, Any]]) -> str | None:
        """Where the next round's listing starts.

        Notion's clock when it answered (the ``Date`` header), less :data:`SETTLE` for its
        query index to catch up, rounded down to the minute as ``last_edited_time`` is: an
        edit the listing could not show yet is at most that old, so nothing is skipped, and a
        burst of edits is listed once more at most (not every round while it stays within a
        minute of the newest edit). Notion's clock, not ours: a skewed local clock must not
        skip. Without a ``Date`` header, one minute before the newest edit seen; with nothing
        seen either, where this round started (None: list everything again), never a time
        from our own clock.
        """
        if asked_at is not None:
            mark = _minute(asked_at - SETTLE)
        elif live:
            mark = _minute(max(_ts(p["last_edited_time"]) for p in live) - OVERLAP)
        else:
            return start
        return max(start, mark) if start else mark

    def changes(self, cursor: str | None) -> ChangeSet:
        """Pages edited since the window start (one query, one more page a 100) and, after
        the first round, pages trashed since (one query) and, with a scope filter, pages
        edited out of it (one query, the first): a quiet round is two requests, three with a
        filter, plus the id reconcile every ``reconcile_every`` rounds and, in body mode, one
        per page listed."""
        before = self.client.requests
        self.map  # noqa: B018 (reads the schema once: the endpoint's first request)
        cur = self.read_cursor(cursor)
        start = cur.start
        time_filter = {"timestamp": "last_edited_time",
                       "last_edited_time": {"on_or_after": start}} if start else None
        scoped = {"and": [f for f in (self.filter, time_filter) if f]} if self.filter and \
            time_filter else (self.filter or time_filter)
        # Pages edited out of the filter are asked for *before* the pages in it: a page edited
        # between the two queries, still in scope, is then in the listing (or, edited after
        # it, in the next round's), never only in the unfiltered answer, which would report it
        # out of scope. The next window starts from the earlier query's clock.
        edited: list[dict[str, Any]] = []
        asked_at = None
        if start and self.filter:
            edited, asked_at = self._query(time_filter)
        live, listed_at = self._query(scoped)
        self._stale(live)
        asked_at = min((t for t in (asked_at, listed_at) if t is not None), default=None)
        latest = {p["id"]: p for p in live}  # a page edited while listed comes twice: last wins
        read, unreadable = convert_each(latest.values(), self._listed, ref=lambda p: p["id"],
                                        title=self._title, service=self.name)
        found = {r.ref: r for r in read}
        items = [r for r in found.values() if cur.unseen(r.ref, r.version)]
        gone: dict[str, Gone] = {}
        if start:
            for page in self._query(time_filter, in_trash=True)[0]:
                gone[page["id"]] = Gone.DELETED
            for page in edited:
                if page["id"] not in found:
                    gone.setdefault(page["id"], Gone.OUT_OF_SCOPE)
        # Every few rounds, list the ids in scope: a page can leave a filter without being
        # edited (a date-based filter, say), which no timestamp query shows.
        known = set(cur.known) | set(found) | {u.ref for u in unreadable}
        # ...but not in a round a webhook started (a page a request at 3 a second): it waits
        # for the next full round, the count left where it is so that round does it
        deferred = cur.reconciles(self.reconcile_every) and current_urgency().urgent
        if cur.reconciles(self.reconcile_every) and not deferred:
            present = {p["id"] for p in self._query(self.filter)[0]}
            for ref in sorted(known - present - set(gone)):
                still_there = self.get(ref) is not None
                gone[ref] = Gone.OUT_OF_SCOPE if still_there else Gone.DELETED
            known = present
        known -= set(gone)
        new_start = self._next_window(start, asked_at, live)
        # Remember versions only of what the next listing will show again.
        keep = {p["id"]: found[p["id"]].version or "" for p in live if p["id"] in found and (
            new_start is None or _ts(p["last_edited_time"]) >= _ts(new_start))}
        after = cur.advance(new_start, keep, known)
        if deferred:
            after = replace(after, round=cur.round)
        return ChangeSet(items=tuple(items), gone=gone, cursor=after.to_json(),
                         requests=self.client.requests - before, unreadable=tuple(unreadable))

    def get(self, ref: str) -> RemoteItem | None:
        self.map  # noqa: B018 (the schema, read on first use)
        try:
            page = self.client.call(lambda: self.client.sdk.pages.retrieve(page_id=ref))
        except NotFound:
            return None
        if page.get("in_trash") or page.get("archived"):
            return None
        self._stale([page])
        return self._remote(page)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        if not self.ctx.markers:
            return None  # no marker written (the column may not exist): found by key instead
        self.map  # noqa: B018 (the schema, read on first use)
        found, _ = self._query({"property": ORIGIN_PROPERTY, "rich_text": {"equals": origin}})
        return self._remote(found[0]) if found else None

    # -- writing ------------------------------------------------------------------------------

    def create(self, item: Item, *, origin: str, idempotency_key: str) -> RemoteItem:
        try:
            page, blocks = self._create_page(item, origin)
        except ValidationRejected as exc:  # a 400: nothing was made
            if not self._refreshed_for(exc):
                raise
            page, blocks = self._create_page(item, origin)
        try:
            append(self.client, page["id"], blocks[PAGE:])
        except SyncHubError as exc:
            # The page exists (with its marker): trying the create again would make a second
            # one. "Maybe applied" makes the executor find it by the marker and agree on what
            # landed, so the rest of the body is written next round.
            raise Transient(f"page {page['id']} created, the rest of its body not: {exc}",
                            service=SERVICE, maybe_applied=True) from exc
        return self._remote(page, written(item.description) if self.map.body else None)

    def _create_page(self, item: Item, origin: str
                     ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        props = self.map.properties(item, self.capabilities.fields)
        if self.ctx.markers:  # ``markers: false``: no "synchub origin" value
            props[ORIGIN_PROPERTY] = _marker(origin)
        blocks = paragraphs(item.description) if self.map.body else []
        page = self.client.call(lambda: self.client.sdk.pages.create(
            parent={"type": "data_source_id", "data_source_id": self.source_id},
            properties=props, children=blocks[:PAGE]), write=True)
        return page, blocks

    def update(self, ref: str, item: Item, *, fields: frozenset[str],
               expected_version: str | None, idempotency_key: str,
               origin: str | None = None) -> RemoteItem:
        """One ``PATCH /v1/pages/{id}``, nothing read before or after it: Notion answers the
        page as it now is (every property, as the recorded ``test_pages_update`` shows), and
        the copy is built from that answer.

        ``expected_version`` is not checked. Notion has no conditional update (no ETag, no
        If-Match, no version to send with the PATCH), so the read that used to come first
        cost a request per update and only narrowed the race (a person's edit between that
        read and the PATCH was still overwritten); the hub's merge of each round's listing is
        the check, as for Jira. A page in the trash is still told apart: Notion refuses the
        PATCH (400 "archived"), which is NotFound. The origin marker is written in the same
        request whenever one is given (writing it again is harmless; knowing whether the page
        has it took the read).

        Body mode: a description rewrite lists the paragraphs it replaces (needed to replace
        them); an update of other fields reuses the body as last read (:attr:`_bodies`), so
        it reads nothing either. Were the body edited by a person since, the version returned
        is older than the page's and the next listing reports the page as changed, which is
        the safe side."""

        def send() -> dict[str, Any]:
            props = self.map.properties(item, fields & self.capabilities.fields,
                                        self._special.get(ref))
            if origin is not None and self.ctx.markers:
                props[ORIGIN_PROPERTY] = _marker(origin)  # in the same request as the edit
            return dict(self.client.call(lambda: self.client.sdk.pages.update(
                page_id=ref, properties=props), write=True))
        rewriting = self.map.body and "description" in fields
        body: str | bool | None = written(item.description) if rewriting else \
            self._bodies.get(ref, False)  # False: not known, read it
        try:
            if rewriting:
                # A rewrite takes several requests and changes the version on its first one.
                # Until the whole update has succeeded the page reads with its body as it was
                # before, so no round reads a half-done rewrite as a person's edit (which the
                # conflict policy could pick); a retry finishes it (body.rewrite).
                blocks = paragraph_blocks(self.client, ref)
                self._unfinished.setdefault(ref, text_of(blocks))
                rewrite(self.client, ref, blocks, item.description)
            try:
                page = send()
            except ValidationRejected as exc:  # a 400: nothing was changed
                if not self._refreshed_for(exc):
                    raise
                page = send()
        except ValidationRejected as exc:
            if "archived" in exc.message:  # Notion's answer for a page in the trash
                raise NotFound(f"page {ref} is in the trash", service=SERVICE) from None
            raise
        self._unfinished.pop(ref, None)
        return self._remote(page, body)

    def delete(self, ref: str, *, expected_version: str | None) -> None:
        try:
            self.client.call(lambda: self.client.sdk.pages.update(page_id=ref, in_trash=True),
                             write=True)
        except NotFound:
            return
        except ValidationRejected as exc:
            if "archived" not in exc.message:  # already in the trash: done
                raise

    def close(self) -> None:
        self.client.close()


def _marker(origin: str) -> dict[str, Any]:
    """The origin marker as the value of the ``ORIGIN_PROPERTY`` rich-text property."""
    return {"rich_text": [{"type": "text", "text": {"content": origin}}]}
