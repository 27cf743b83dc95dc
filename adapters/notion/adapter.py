"""A Notion database (its data source) as a synchub endpoint.

Which property holds which field is resolved and checked on first use
(:mod:`adapters.notion.schema`); values are converted by :mod:`adapters.notion.props`.

Reading: ``last_edited_time`` has minute precision, so each round queries from one minute
before the last seen time and drops what it has already seen, comparing content (two edits in
one minute share a timestamp). Trashed pages come from a second query with ``in_trash``; with
a scope filter, a third unfiltered query finds pages that changed out of the filter (it may
also name pages that never were in scope; the hub ignores refs it does not know).

Versions: ``last_edited_time`` is too coarse for an etag, so the version is a hash of the
page's properties and, in body mode, its body (see :meth:`NotionAdapter._version`); a stale
``expected_version`` is detected by reading the page first. Body mode costs one more request
for every page read (:mod:`adapters.notion.body`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from typing import Any

from adapters.base import Capabilities, ChangeSet, EndpointContext, Gone, RemoteItem
from adapters.notion import schema
from adapters.notion.body import PAGE, append, paragraphs, read_body, write_body
from adapters.notion.client import SERVICE, NotionClient, budget
from adapters.notion.props import PropertyMap
from adapters.notion.schema import ORIGIN_PROPERTY
from hub.errors import Conflict, NotFound, ValidationRejected
from hub.model import Item

OVERLAP = dt.timedelta(minutes=1)


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class NotionAdapter:
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
        self.emails: dict[str, str] = {}  # user id -> email
        self._caps: Capabilities | None = None

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
        if self._caps is None:
            self._resolve()
        assert self._caps is not None
        return self._caps

    def _resolve(self) -> None:
        self._source_id, props = schema.resolve(self.client, self.ctx, self.database_id,
                                                self.data_source_name)
        self._map = PropertyMap(props, self.ctx, self._users)
        self._caps = Capabilities(
            fields=frozenset(props), read_only=self.read_only,
            request_budget=budget(self.client.requests_per_second),
            timestamp_precision=60.0)  # last_edited_time is rounded down to the minute

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
        return self.map.represent(field, value)

    @staticmethod
    def _version(page: dict[str, Any], body: str | None) -> str:
        """A hash of what synchub reads from the page: its properties and, in body mode, the
        body (an edit there changes no property, and two edits in one minute share a
        ``last_edited_time``, so neither alone tells every edit apart)."""
        blob = json.dumps([page["properties"], body], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def _remote(self, page: dict[str, Any]) -> RemoteItem:
        """In body mode this reads the page's children: one more request per page."""
        body = read_body(self.client, page["id"]) if self.map.body else None
        return RemoteItem(ref=page["id"], item=self.map.to_item(page, body),
                          version=self._version(page, body))

    # -- reading ------------------------------------------------------------------------------

    def _query(self, flt: dict[str, Any] | None, in_trash: bool = False
               ) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        cursor = None
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
            pages += result["results"]
            if not result.get("has_more"):
                return pages
            cursor = result["next_cursor"]

    def changes(self, cursor: str | None) -> ChangeSet:
        before = self.client.requests
        self.capabilities  # noqa: B018 (resolves the schema once)
        state = json.loads(cursor) if cursor else {}
        seen: dict[str, str] = state.get("seen", {})
        since = state.get("since")
        time_filter = None
        if since:
            start = (_ts(since) - OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            time_filter = {"timestamp": "last_edited_time",
                           "last_edited_time": {"on_or_after": start}}
        scoped = {"and": [f for f in (self.filter, time_filter) if f]} if self.filter and \
            time_filter else (self.filter or time_filter)
        live = self._query(scoped)
        items: list[RemoteItem] = []
        gone: dict[str, Gone] = {}
        latest = since
        fresh: dict[str, str] = {}
        for page in live:
            r = self._remote(page)
            fresh[r.ref] = r.version or ""
            latest = max(latest or page["last_edited_time"], page["last_edited_time"])
            if seen.get(r.ref) != r.version:
                items.append(r)
        if since:
            for page in self._query(time_filter, in_trash=True):
                gone[page["id"]] = Gone.DELETED
            if self.filter:
                in_scope = {p["id"] for p in live}
                for page in self._query(time_filter):
                    if page["id"] not in in_scope:
                        gone.setdefault(page["id"], Gone.OUT_OF_SCOPE)
        # Every few rounds, list the ids in scope: a page can leave a filter without being
        # edited (a date-based filter, say), which no timestamp query shows.
        known = set(state.get("known", [])) | {p["id"] for p in live}
        rounds = int(state.get("round", 0)) + 1
        if since and rounds % self.reconcile_every == 0:
            present = {p["id"] for p in self._query(self.filter)}
            for ref in sorted(known - present - set(gone)):
                still_there = self.get(ref) is not None
                gone[ref] = Gone.OUT_OF_SCOPE if still_there else Gone.DELETED
            known = present
        known -= set(gone)
        # Keep only what can still fall inside the next overlap window.
        horizon = (_ts(latest) - OVERLAP) if latest else None
        keep = {ref: v for ref, v in {**seen, **fresh}.items()
                if ref in fresh or horizon is None}
        if horizon is not None:
            keep = {ref: v for ref, v in keep.items()
                    if ref in {p["id"] for p in live if _ts(p["last_edited_time"]) >= horizon}}
        new_cursor = json.dumps({"since": latest or dt.datetime.now(dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:00.000Z"), "seen": keep, "known": sorted(known), "round": rounds})
        return ChangeSet(items=tuple(items), gone=gone, cursor=new_cursor,
                         requests=self.client.requests - before)

    def get(self, ref: str) -> RemoteItem | None:
        self.capabilities  # noqa: B018
        try:
            page = self.client.call(lambda: self.client.sdk.pages.retrieve(page_id=ref))
        except NotFound:
            return None
        if page.get("in_trash") or page.get("archived"):
            return None
        return self._remote(page)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        self.capabilities  # noqa: B018
        found = self._query({"property": ORIGIN_PROPERTY, "rich_text": {"equals": origin}})
        return self._remote(found[0]) if found else None

    # -- writing ------------------------------------------------------------------------------

    def create(self, item: Item, *, origin: str, idempotency_key: str) -> RemoteItem:
        props = self.map.properties(item, self.capabilities.fields)
        props[ORIGIN_PROPERTY] = {"rich_text": [{"type": "text", "text": {"content": origin}}]}
        blocks = paragraphs(item.description) if self.map.body else []
        page = self.client.call(lambda: self.client.sdk.pages.create(
            parent={"type": "data_source_id", "data_source_id": self.source_id},
            properties=props, children=blocks[:PAGE]), write=True)
        append(self.client, page["id"], blocks[PAGE:])
        return self._remote(page)

    def update(self, ref: str, item: Item, *, fields: frozenset[str],
               expected_version: str | None, idempotency_key: str) -> RemoteItem:
        if expected_version is not None:
            current = self.get(ref)
            if current is None:
                raise NotFound(f"page {ref} does not exist (or is in the trash)",
                               service=SERVICE)
            if current.version != expected_version:
                raise Conflict(f"page {ref} changed since it was read", service=SERVICE)
        props = self.map.properties(item, fields & self.capabilities.fields)
        if self.map.body and "description" in fields:
            write_body(self.client, ref, item.description)
        try:
            page = self.client.call(lambda: self.client.sdk.pages.update(
                page_id=ref, properties=props), write=True)
        except ValidationRejected as exc:
            if "archived" in exc.message:  # Notion's answer for a page in the trash
                raise NotFound(f"page {ref} is in the trash", service=SERVICE) from None
            raise
        return self._remote(page)

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
