"""Which Notion property holds which canonical field, checked against the data source's schema.

Each canonical field goes to a property named by the mapping rules (``targets``/``properties``
options) or, failing that, a conventional name (:data:`DEFAULTS`); the title always goes to the
title property. A property of the wrong type, or a status value map naming an option the
property lacks, is a :class:`ConfigError` naming the property and its real type (all problems at
once). Fields without a property are simply not synced here. ``description: body`` keeps the
description in the page body instead of a property (see :mod:`adapters.notion.body`).
"""

from __future__ import annotations

from typing import Any

from adapters.base import EndpointContext
from adapters.notion.client import SERVICE, NotionClient
from hub.errors import AuthError, ConfigError, ConfigProblem

ORIGIN_PROPERTY = "synchub origin"
DEFAULTS = {"status": "Status", "due": "Due", "priority": "Priority", "labels": "Tags",
            "assignee": "Assignee", "description": "Description", "url": "URL"}
#: canonical field -> the Notion property types that can hold it
ALLOWED = {"title": {"title"}, "description": {"rich_text"},
           "status": {"status", "select", "checkbox"}, "due": {"date"}, "span": {"date"},
           "priority": {"number", "select"}, "labels": {"multi_select"},
           "assignee": {"people"}, "url": {"url"}}
BODY = ("body", "body")  # the description's "property" when it lives in the page body


def resolve(client: NotionClient, ctx: EndpointContext, database_id: str,
            data_source: str | None) -> tuple[str, dict[str, tuple[str, str]]]:
    """(data source id, canonical field -> (property name, property type)); two requests,
    three when the origin property has to be added."""
    db = client.call(lambda: client.sdk.databases.retrieve(database_id=database_id))
    sources = db.get("data_sources") or []
    chosen = [s for s in sources if data_source in (None, s["name"], s["id"])]
    if not chosen:
        raise ConfigError(ConfigProblem(
            f"Notion database {database_id} has no data source {data_source!r}; it has: "
            f"{', '.join(s['name'] for s in sources) or 'none'}"))
    source_id = str(chosen[0]["id"])
    schema = client.call(lambda: client.sdk.data_sources.retrieve(
        data_source_id=source_id))["properties"]
    props = check(schema, ctx)
    if ORIGIN_PROPERTY not in schema:
        add_origin_property(client, source_id)
    return source_id, props


def planned_fields(ctx: EndpointContext) -> frozenset[str]:
    """The fields the config maps onto this data source, known without a request: what
    :func:`check` returns at most (a conventional property the data source lacks drops out
    once the schema is read)."""
    targets = dict(DEFAULTS) | dict(ctx.options.get("targets", {})) | dict(
        ctx.options.get("properties", {}))
    fields = {"title"} | {f for f in targets if ctx.fields is None or f in ctx.fields}
    if "due" in fields and "span" not in targets:
        fields.add("span")
    return frozenset(fields)


def check(schema: dict[str, Any], ctx: EndpointContext) -> dict[str, tuple[str, str]]:
    explicit = dict(ctx.options.get("targets", {}))
    targets = dict(DEFAULTS) | explicit | dict(ctx.options.get("properties", {}))
    title = next(n for n, p in schema.items() if p["type"] == "title")
    props: dict[str, tuple[str, str]] = {"title": (title, "title")}
    problems = []
    wanted = ctx.fields
    for field, prop in targets.items():
        if field == "title" or (wanted is not None and field not in wanted):
            continue
        if field == "description" and prop == "body":
            props["description"] = BODY
            continue
        if prop not in schema:
            if field in explicit:
                problems.append(f"property {prop!r} (for {field}) does not exist in the "
                                "Notion data source")
            continue
        kind = schema[prop]["type"]
        if kind not in ALLOWED.get(field, set()):
            problems.append(f"property {prop!r} is a {kind} property; {field} needs one of "
                            f"{', '.join(sorted(ALLOWED.get(field, set())))}")
            continue
        props[field] = (prop, kind)
        status_map = ctx.value_maps.get("status")
        if field == "status" and kind in ("status", "select") and status_map:
            options = {o["name"] for o in schema[prop][kind].get("options", [])}
            missing = sorted(set(status_map.to_remote.values()) - options)
            if missing:
                problems.append(f"status is mapped onto the {kind} property {prop!r}, which "
                                f"lacks the option(s) {', '.join(map(repr, missing))}")
    if "due" in props and "span" not in targets:
        props["span"] = props["due"]
    if problems:
        raise ConfigError([ConfigProblem(f"Notion endpoint {ctx.name!r}: {p}")
                           for p in problems])
    return props


def add_origin_property(client: NotionClient, source_id: str) -> None:
    try:
        client.call(lambda: client.sdk.data_sources.update(
            data_source_id=source_id, properties={ORIGIN_PROPERTY: {"rich_text": {}}}),
            write=True)
    except AuthError as exc:
        raise AuthError(
            f"synchub needs a Text property named {ORIGIN_PROPERTY!r} in the Notion "
            "database to recognise its own copies, and the integration may not add it: "
            f"add it by hand, or give the integration edit access ({exc.message})",
            service=SERVICE) from None
