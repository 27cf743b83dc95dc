"""What a Notion integration reaches (:class:`adapters.registry.Discovering`): the data
sources shared with it (``POST /v1/search`` filtered to data sources, 100 a page, each with
its properties), so nothing more is read for the one chosen. ``propose`` points the preset's
endpoint at the data source's database and maps each field onto the property that can hold
it: the conventional name first (Status, Due, Priority, Tags, Assignee, Description), else
the only property of the right type; a status property's options by their Notion group
(To-do / In progress / Complete), a select's by their names. A field with no property is
left out (Notion endpoints sync what the database has), never pointed at a missing one."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from adapters.notion.client import NotionClient
from adapters.notion.schema import ALLOWED, DEFAULTS, ORIGIN_PROPERTY
from adapters.registry import Discovery, Target
from adapters.toolkit.discovery import kind_of, pick, plain, priority_rule, status_rule
from hub.words import counted

PAGE = 100  # search's page_size maximum
#: names people give each field's property, best first; a field absent here (priority,
#: description) is mapped by name only, never onto just any number or text property
NAMES = {"status": ("Status", "State", "Stage"),
         "due": ("Due", "Due date", "Deadline", "Date", "When"),
         "priority": ("Priority", "Prio", "Importance"),
         "labels": ("Tags", "Labels", "Tag", "Label"),
         "assignee": ("Assignee", "Owner", "Assigned to", "Person", "People"),
         "description": ("Description", "Notes", "Details", "Summary"),
         "url": ("URL", "Link", "Issue link")}
BY_NAME_ONLY = {"priority", "description", "url"}


def _plain(rich: list[dict[str, Any]] | None) -> str:
    return "".join(str(t.get("plain_text") or "") for t in rich or [])


def discover(connection: Any) -> Discovery:
    client = NotionClient(connection.token.get_secret_value(), connection.base_url,
                          connection.requests_per_second)
    try:
        me = client.call(lambda: client.sdk.users.me())
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {"filter": {"property": "object", "value": "data_source"},
                                    "page_size": PAGE}
            if cursor:
                body["start_cursor"] = cursor
            page = client.call(functools.partial(client.sdk.search, **body))
            found += page.get("results") or []
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                break
    finally:
        client.close()
    per_db: dict[str, int] = {}
    for ds in found:
        db = str((ds.get("parent") or {}).get("database_id") or "")
        per_db[db] = per_db.get(db, 0) + 1
    targets = []
    for ds in found:
        db = str((ds.get("parent") or {}).get("database_id") or "")
        props = {name: p for name, p in (ds.get("properties") or {}).items()
                 if name != ORIGIN_PROPERTY}
        targets.append(Target(str(ds["id"]), _plain(ds.get("title")) or "(untitled)",
                              counted(len(props), "property", "properties"), {
                                  "database_id": db, "shares_database": per_db[db] > 1,
                                  "properties": props},
                              aliases=(db, db.replace("-", "")) if per_db[db] == 1 else ()))
    return Discovery(who=f"integration {me.get('name')!r}", kind="data source",
                     targets=tuple(targets))


def describe(connection: Any, target: Target) -> Target:
    """Nothing to read: the search answer carried the properties."""
    return target


def _status_kinds(prop: dict[str, Any]) -> list[tuple[str, str]]:
    kind = prop["type"]
    config = prop.get(kind) or {}
    options = [o for o in config.get("options") or []]
    if kind == "status":
        group = {oid: g["name"] for g in config.get("groups") or []
                 for oid in g.get("option_ids") or []}
        return [(o["name"], kind_of(o["name"], group.get(o["id"]))) for o in options]
    return [(o["name"], kind_of(o["name"])) for o in options]


def _choose(props: Mapping[str, dict[str, Any]], field: str, named: str | None
            ) -> str | None:
    """The property for ``field``: the one the preset names if it fits, else by name, else
    the only candidate of a type that can hold it."""
    fits = [n for n, p in props.items() if p.get("type") in ALLOWED[field]]
    if named in fits:
        return named
    by_name = pick(fits, NAMES.get(field, ()))
    if by_name is not None and by_name.lower() in {n.lower() for n in NAMES.get(field, ())}:
        return by_name
    if field in BY_NAME_ONLY or len(fits) != 1:
        return None
    return fits[0]


def propose(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    out = plain(endpoint)
    facts = target.facts
    scope = out.setdefault("scope", {})
    scope["database_id"] = facts["database_id"]
    if facts.get("shares_database"):
        scope["data_source"] = target.id
    else:
        scope.pop("data_source", None)
    props: Mapping[str, dict[str, Any]] = facts.get("properties") or {}
    fields = out.setdefault("fields", {})
    title = next((n for n, p in props.items() if p.get("type") == "title"), None)
    if title:
        fields["title"] = {**(fields.get("title") or {}), "target": title}
    mapped = {"title"}
    for field in NAMES:
        rule = dict(fields.get(field) or {})
        if rule.get("target") == "body":
            mapped.add(field)
            continue
        chosen = _choose(props, field, rule.get("target"))
        if chosen is None:
            fields.pop(field, None)
            continue
        mapped.add(field)
        if chosen != DEFAULTS.get(field) or "target" in rule:
            rule["target"] = chosen
        kind = props[chosen]["type"]
        if field == "status" and kind in ("status", "select"):
            rule = status_rule(_status_kinds(props[chosen]), rule)
        elif field == "status":  # a checkbox: done or not, nothing to map
            rule.pop("map", None)
            rule.pop("write", None)
        elif field == "priority" and kind == "select":
            names = [o["name"] for o in (props[chosen].get("select") or {}).get("options", [])]
            rule = priority_rule(names, rule)
        if rule:
            fields[field] = rule
        else:
            fields.pop(field, None)
    # A field left unmapped whose conventional name is a property of another type would be
    # refused by the schema check: say which fields sync instead.
    if any(f not in mapped and DEFAULTS[f] in props for f in NAMES):
        only = [f for f in ("title", *NAMES) if f in mapped]
        if "due" in mapped:
            only.append("span")
        old_only = out.get("only")
        out["only"] = [f for f in only if not old_only or f in old_only]
    return out
