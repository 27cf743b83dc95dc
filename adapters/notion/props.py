"""A Notion page's property values <-> a canonical :class:`Item`, for one resolved mapping
(:func:`adapters.notion.schema.resolve`). Values of each type are converted by
:mod:`adapters.notion.convert`; this module knows which property holds which field.

Notion keeps one date per property: ``due`` is its start, ``span`` its start and end when it
has an end (a one-day all-day span is just a date there, so it reads back as no span).
:meth:`PropertyMap.represent` says what a value reads back as where Notion is lossy, so the
planner does not ping-pong a value Notion cannot hold.

``parent`` is a relation of the data source to itself (Notion's Sub-items, "Parent item"):
read as the first page it relates, written as that one page (or none). Adapters speak of a
parent by its page id; the hub turns it into a link and back (:mod:`hub.round.parents`).

``duration`` is a number property of minutes: read rounded to a whole minute, a zero or
negative number (or none) as no duration; written as the number, or emptied.

``sprint`` is a select (an option Notion adds when it lacks it), a text or a multi-select of
one option; ``points`` a number property, a negative number read as no points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from adapters.base import EndpointContext
from adapters.notion import convert, richtext
from adapters.notion.schema import ORIGIN_PROPERTY
from hub.model import Item, Status, StatusKind

#: fields of one plain value: (read, write), each given the property's type and the value
SCALARS: dict[str, tuple[Callable[[str, Any], Any], Callable[[str, Any], Any]]] = {
    "duration": (lambda _, raw: convert.read_minutes(raw), lambda _, minutes: minutes),
    "sprint": (convert.read_sprint, convert.write_sprint),
    "points": (lambda _, raw: convert.read_points(raw),
               lambda _, points: convert.write_points(points)),
}


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class PropertyMap:
    def __init__(self, props: dict[str, tuple[str, str]], ctx: EndpointContext,
                 users: Callable[[], dict[str, str]]) -> None:
        self.props = props  # canonical field -> (property name, property type)
        self.status_map = ctx.value_maps.get("status")
        self.priority_map = ctx.value_maps.get("priority")
        self.timezone = ctx.timezone
        self.users = users  # user id -> e-mail, read once

    @property
    def body(self) -> bool:
        """The description lives in the page body (one more request per page read)."""
        return self.props.get("description", ("", ""))[1] == "body"

    def represent(self, field: str, value: Any) -> Any:
        if field == "title":
            return richtext.normalise(value) or ""
        if field == "description" and value is not None:
            if self.body:  # one paragraph per line
                return "\n".join(richtext.normalise(line) or "" for line in value.split("\n"))
            return richtext.normalise(value)
        if field == "due":
            return convert.represent_moment(value, self.timezone)
        if field == "span" and value is not None:
            return convert.represent_span(value, self.timezone)
        if field == "status" and "status" in self.props:
            kind = self.props["status"][1]
            if kind == "checkbox":  # two states only
                return Status(kind=StatusKind.DONE if value.kind.closed else StatusKind.OPEN)
            if kind == "select" and convert.write_status(kind, value, self.status_map) is None:
                return Status(kind=StatusKind.OPEN)  # no option for it: the select is cleared
        if field == "assignee" and value is not None and value not in self.users().values():
            return None
        return value

    def special(self, page: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """The page's title and text properties whose rich text holds what Markdown cannot
        say (mentions, equations, colours), by property name: what an update keeps."""
        out = {}
        for field in ("title", "description"):
            name, kind = self.props.get(field, ("", ""))
            raw = page.get("properties", {}).get(name, {}).get(kind)
            if kind in ("title", "rich_text") and richtext.special(raw):
                out[name] = raw
        return out

    def to_item(self, page: dict[str, Any], body: str | None = None) -> Item:
        """``body``: the description read from the page body, in body mode."""
        props = page["properties"]
        values: dict[str, Any] = {}
        for field, (name, kind) in self.props.items():
            raw = props.get(name, {}).get(kind)
            if field == "title":
                values["title"] = richtext.rich_to_md(raw) or ""
            elif field == "description":
                values["description"] = body if kind == "body" else richtext.rich_to_md(raw)
            elif field == "status":
                values["status"] = convert.read_status(kind, raw, self.status_map)
            elif field in ("due", "span"):
                due, span = convert.read_date(raw, self.timezone, f"page {page.get('id')}")
                values[field] = due if field == "due" else span
            elif field == "priority":
                values["priority"] = convert.read_priority(kind, raw, self.priority_map)
            elif field == "labels":
                values["labels"] = [o["name"] for o in raw or []]
            elif field == "assignee":
                ids = [p["id"] for p in raw or []]
                values["assignee"] = self.users().get(ids[0]) if ids else None
            elif field == "url":
                values["url"] = raw
            elif field in SCALARS:
                values[field] = SCALARS[field][0](kind, raw)
            elif field == "parent":  # the first page related: the parent's page id
                values["parent"] = raw[0]["id"] if raw else None
        if "url" not in self.props:  # not synced here: the page's own link, for people
            values["url"] = page.get("url")
        origin = richtext.rich_to_md(props.get(ORIGIN_PROPERTY, {}).get("rich_text"))
        return Item(**values, origin=origin, updated_at=_ts(page["last_edited_time"]))

    def properties(self, item: Item, fields: frozenset[str],
                   current: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
        """The ``properties`` of a create or update for ``fields`` (the body is separate).
        ``current``: the rich text the page's title and text properties hold now, where it
        holds what Markdown cannot say (:func:`richtext.merge` keeps it)."""
        out: dict[str, Any] = {}
        now = current or {}
        for field, (name, kind) in self.props.items():
            if field not in fields or kind == "body":
                continue
            if field == "title":
                out[name] = {"title": richtext.merge(now.get(name), item.title)}
            elif field == "description":
                out[name] = {"rich_text": richtext.merge(now.get(name), item.description)}
            elif field == "status":
                value = convert.write_status(kind, item.status, self.status_map)
                if value is not None or kind != "status":  # a status cannot be emptied
                    out[name] = {kind: value}
            elif field in ("due", "span"):
                out[name] = {"date": convert.write_date(item.due, item.span, self.timezone)}
            elif field == "priority":
                out[name] = {kind: convert.write_priority(kind, item.priority,
                                                          self.priority_map)}
            elif field == "labels":
                out[name] = {"multi_select": [{"name": label} for label in item.labels]}
            elif field == "assignee":
                ids = [uid for uid, e in self.users().items() if e == item.assignee]
                out[name] = {"people": [{"id": ids[0]}] if ids else []}
            elif field == "url":
                out[name] = {"url": item.url}
            elif field in SCALARS:  # one value each, or emptied
                out[name] = {kind: SCALARS[field][1](kind, getattr(item, field))}
            elif field == "parent":  # the parent's page id (the executor's), or no parent
                out[name] = {"relation": [{"id": item.parent}] if item.parent else []}
        return out
