"""A Notion database (its data source) as a synchub endpoint.

Mapping: each canonical field goes to a property named by the mapping rules (``target``) or,
failing that, a conventional name (``Status``, ``Due``, ``Priority``, ``Tags``, ``Assignee``,
``Description``); the title always goes to the title property. On first use the data
source's schema is read and every mapping checked: a property of the wrong type, or a status
value map naming an option the property lacks, is a :class:`ConfigError` naming the property
and its real type. Fields without a property are simply not synced here.

Notion keeps one date per property: ``due`` is its start, ``span`` its start and end when it
has an end (a one-day all-day span is just a date there, so it reads back as no span).

Reading: ``last_edited_time`` has minute precision, so each round queries from one minute
before the last seen time and drops what it has already seen, comparing content (two edits in
one minute share a timestamp). Trashed pages come from a second query with ``in_trash``; with
a scope filter, a third unfiltered query finds pages that changed out of the filter (it may
also name pages that never were in scope; the hub ignores refs it does not know).

Versions: ``last_edited_time`` is too coarse for an etag, so the version is a hash of the
page's properties; a stale ``expected_version`` is detected by reading the page first.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from typing import Any

from adapters.base import Capabilities, ChangeSet, EndpointContext, Gone, RemoteItem, RequestBudget
from adapters.notion import convert
from adapters.notion.client import SERVICE, NotionClient
from hub.errors import (
    AuthError,
    ConfigError,
    ConfigProblem,
    Conflict,
    NotFound,
    ValidationRejected,
)
from hub.model import Item

ORIGIN_PROPERTY = "synchub origin"
DEFAULTS = {"status": "Status", "due": "Due", "priority": "Priority", "labels": "Tags",
            "assignee": "Assignee", "description": "Description"}
ALLOWED = {"title": {"title"}, "description": {"rich_text"},
           "status": {"status", "select", "checkbox"}, "due": {"date"}, "span": {"date"},
           "priority": {"number", "select"}, "labels": {"multi_select"},
           "assignee": {"people"}}
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
        self.status_map = ctx.value_maps.get("status")
        self.priority_map = ctx.value_maps.get("priority")
        self._source_id: str | None = None
        self.props: dict[str, tuple[str, str]] = {}  # canonical field -> (property, type)
        self.emails: dict[str, str] = {}  # user id -> email
        self._caps: Capabilities | None = None
        self.body = False  # description lives in the page body, not a property

    # -- schema -------------------------------------------------------------------------------

    @property
    def source_id(self) -> str:
        if self._source_id is None:
            self._resolve()
        assert self._source_id is not None
        return self._source_id

    @property
    def capabilities(self) -> Capabilities:
        if self._caps is None:
            self._resolve()
        assert self._caps is not None
        return self._caps

    def _resolve(self) -> None:
        db = self.client.call(lambda: self.client.sdk.databases.retrieve(
            database_id=self.database_id))
        sources = db.get("data_sources") or []
        chosen = [s for s in sources if self.data_source_name in (None, s["name"], s["id"])]
        if not chosen:
            raise ConfigError(ConfigProblem(
                f"Notion database {self.database_id} has no data source "
                f"{self.data_source_name!r}; it has: "
                f"{', '.join(s['name'] for s in sources) or 'none'}"))
        self._source_id = chosen[0]["id"]
        schema = self.client.call(lambda: self.client.sdk.data_sources.retrieve(
            data_source_id=self.source_id))["properties"]
        targets = dict(DEFAULTS) | dict(self.ctx.options.get("targets", {})) | dict(
            self.ctx.options.get("properties", {}))
        title = next(n for n, p in schema.items() if p["type"] == "title")
        self.props = {"title": (title, "title")}
        problems = []
        wanted = self.ctx.fields
        self.body = targets.get("description") == "body"
        for field, prop in targets.items():
            if field == "title" or (wanted is not None and field not in wanted):
                continue
            if field == "description" and self.body:
                self.props["description"] = ("body", "body")
                continue
            if prop not in schema:
                if field in self.ctx.options.get("targets", {}):
                    problems.append(f"property {prop!r} (for {field}) does not exist in the "
                                    "Notion data source")
                continue
            kind = schema[prop]["type"]
            if kind not in ALLOWED.get(field, set()):
                problems.append(f"property {prop!r} is a {kind} property; {field} needs one of "
                                f"{', '.join(sorted(ALLOWED.get(field, set())))}")
                continue
            self.props[field] = (prop, kind)
            if field == "status" and kind in ("status", "select") and self.status_map:
                options = {o["name"] for o in schema[prop][kind].get("options", [])}
                missing = sorted(set(self.status_map.to_remote.values()) - options)
                if missing:
                    problems.append(f"status is mapped onto the {kind} property {prop!r}, which "
                                    f"lacks the option(s) {', '.join(map(repr, missing))}")
        if "due" in self.props and "span" not in targets:
            self.props["span"] = self.props["due"]
        if problems:
            raise ConfigError([ConfigProblem(f"Notion endpoint {self.name!r}: {p}")
                               for p in problems])
        if ORIGIN_PROPERTY not in schema:
            self._add_origin_property()
        self._caps = Capabilities(
            fields=frozenset(self.props), read_only=self.read_only,
            request_budget=RequestBudget(requests=3, per_seconds=1.0),
            timestamp_precision=60.0)  # last_edited_time is rounded down to the minute

    def _add_origin_property(self) -> None:
        try:
            self.client.call(lambda: self.client.sdk.data_sources.update(
                data_source_id=self.source_id,
                properties={ORIGIN_PROPERTY: {"rich_text": {}}}), write=True)
        except AuthError as exc:
            raise AuthError(
                f"synchub needs a Text property named {ORIGIN_PROPERTY!r} in the Notion "
                "database to recognise its own copies, and the integration may not add it: "
                f"add it by hand, or give the integration edit access ({exc.message})",
                service=SERVICE) from None

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
        if field in ("due",):
            return convert.represent_moment(value, self.ctx.timezone)
        if field == "span" and value is not None:
            return convert.represent_span(value, self.ctx.timezone)
        if field == "assignee" and value is not None and value not in self._users().values():
            return None
        return value

    def _to_item(self, page: dict[str, Any]) -> Item:
        props = page["properties"]
        values: dict[str, Any] = {}
        for field, (name, kind) in self.props.items():
            raw = props.get(name, {}).get(kind)
            if field == "title":
                values["title"] = convert.rich_to_md(raw) or ""
            elif field == "description" and kind == "body":
                values["description"] = self._read_body(page["id"])
            elif field == "description":
                values["description"] = convert.rich_to_md(raw)
            elif field == "status":
                values["status"] = convert.read_status(kind, raw, self.status_map)
            elif field in ("due", "span"):
                due, span = convert.read_date(raw)
                values["due" if field == "due" else "span"] = due if field == "due" else span
            elif field == "priority":
                values["priority"] = convert.read_priority(kind, raw, self.priority_map)
            elif field == "labels":
                values["labels"] = [o["name"] for o in raw or []]
            elif field == "assignee":
                ids = [p["id"] for p in raw or []]
                values["assignee"] = self._users().get(ids[0]) if ids else None
        origin = convert.rich_to_md(props.get(ORIGIN_PROPERTY, {}).get("rich_text"))
        return Item(**values, url=page.get("url"), origin=origin,
                    updated_at=_ts(page["last_edited_time"]))

    def _version(self, page: dict[str, Any]) -> str:
        blob = json.dumps(page["properties"], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def _remote(self, page: dict[str, Any]) -> RemoteItem:
        return RemoteItem(ref=page["id"], item=self._to_item(page), version=self._version(page))

    def _properties(self, item: Item, fields: frozenset[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, (name, kind) in self.props.items():
            if field not in fields:
                continue
            if field == "title":
                out[name] = {"title": convert.md_to_rich(item.title)}
            elif field == "description" and kind == "body":
                continue  # written as blocks, see _write_body
            elif field == "description":
                out[name] = {"rich_text": convert.md_to_rich(item.description)}
            elif field == "status":
                value = convert.write_status(kind, item.status, self.status_map)
                if value is not None or kind != "status":
                    out[name] = {kind: value}
            elif field in ("due", "span"):
                out[name] = {"date": convert.write_date(item.due, item.span, self.ctx.timezone)}
            elif field == "priority":
                out[name] = {kind: convert.write_priority(kind, item.priority,
                                                          self.priority_map)}
            elif field == "labels":
                out[name] = {"multi_select": [{"name": label} for label in item.labels]}
            elif field == "assignee":
                ids = [uid for uid, e in self._users().items() if e == item.assignee]
                out[name] = {"people": [{"id": ids[0]}] if ids else []}
        return out

    # -- page body ----------------------------------------------------------------------------

    def _read_body(self, page_id: str) -> str | None:
        """The page's paragraphs, one per line, as Markdown (other blocks are left alone)."""
        result = self.client.call(lambda: self.client.sdk.blocks.children.list(
            block_id=page_id))
        lines = [convert.rich_to_md(b[b["type"]].get("rich_text")) or ""
                 for b in result["results"] if b.get("type") == "paragraph"]
        return "\n".join(lines) or None

    def _write_body(self, page_id: str, text: str | None) -> None:
        """Replace the page's paragraphs with ``text`` (one paragraph per line); headings,
        lists and other blocks a person added stay untouched."""
        result = self.client.call(lambda: self.client.sdk.blocks.children.list(
            block_id=page_id))
        for b in result["results"]:
            if b.get("type") == "paragraph":
                self.client.call(functools.partial(self.client.sdk.blocks.delete,
                                                   block_id=b["id"]), write=True)
        children = [{"object": "block", "type": "paragraph",
                     "paragraph": {"rich_text": convert.md_to_rich(line)}}
                    for line in (text or "").split("\n") if text]
        if children:
            self.client.call(lambda: self.client.sdk.blocks.children.append(
                block_id=page_id, children=children), write=True)

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
        props = self._properties(item, self.capabilities.fields)
        props[ORIGIN_PROPERTY] = {"rich_text": convert.md_to_rich(origin)}
        page = self.client.call(lambda: self.client.sdk.pages.create(
            parent={"type": "data_source_id", "data_source_id": self.source_id},
            properties=props), write=True)
        if self.body and item.description:
            self._write_body(page["id"], item.description)
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
        props = self._properties(item, fields & self.capabilities.fields)
        if self.body and "description" in fields:
            self._write_body(ref, item.description)
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
