"""Which Notion property holds which canonical field, checked against the data source's schema.

Each canonical field goes to a property named by the mapping rules (``targets``/``properties``
options) or, failing that, a conventional name (:data:`DEFAULTS`); the title always goes to the
title property. A property of the wrong type, or a status value map naming an option the
property lacks, is a :class:`ConfigError` naming the property and its real type (all problems at
once). Fields without a property are simply not synced here. ``description: body`` keeps the
description in the page body instead of a property (see :mod:`adapters.notion.body`).

``duration`` (whole minutes) goes to the number property named by the mapping rules, else to
the first number property named one of :data:`DURATION` (any case); a property of another
type with one of those names is left alone (a "Minutes" formula is not the duration), so a
data source without such a number property does not sync ``duration``.

``sprint`` goes to the property named by the mapping rules, else to one named :data:`SPRINT`
(any case) that is a select, a text or a multi-select (holding one value); ``points`` to the
number property named by the mapping rules, else the first named one of :data:`POINTS` (any
case). As for the duration, a property of another type by that name (a "Sprint" relation to
a sprints database) is left alone, so such a data source does not sync the field.

``parent`` goes to a relation of the data source to itself, as Notion's *Sub-items* make one
("Parent item", synced with "Sub-item"): the one named by the mapping rules (one-way or
two-way), else one named :data:`PARENT`, else the two-way one whose synced property is named
as Notion names the sub-items. Any other self-relation ("Blocked by", "Related") is not taken
for a parent unless named. A data source with none of them does not sync ``parent`` (nothing
else changes); a named property that is not such a relation is a :class:`ConfigError`. The
synced property (the sub-items) is not read: it is left out of a page's version
(:attr:`Resolved.unversioned`), so a child moved under a page or away from it does not make
that page's version stale.
"""

from __future__ import annotations

from typing import Any, NamedTuple

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
           "assignee": {"people"}, "url": {"url"}, "parent": {"relation"},
           "duration": {"number"}, "sprint": {"select", "rich_text", "multi_select"},
           "points": {"number"}}
#: names the duration's number property is found by without a target, any case. Only the
#: unambiguous one: an "Estimate" is often story points or hours, and taking it for minutes
#: would overwrite it (name it with ``target`` to map it)
DURATION = ("Duration",)
SPRINT = ("Sprint",)
#: the story points' number property, by name. Not "Estimate", which is as often hours or
#: minutes (the duration's case the other way round): name that one with ``target``
POINTS = ("Story points", "Points")
BODY = ("body", "body")  # the description's "property" when it lives in the page body
PARENT = "Parent item"  # Notion's name for the parent side of Sub-items
SUB_ITEMS = ("Sub-item", "Sub-items")  # ... and for the synced side (the children)


class Resolved(NamedTuple):
    source_id: str
    props: dict[str, tuple[str, str]]  # canonical field -> (property name, property type)
    unversioned: frozenset[str]  # properties left out of a page's version (the sub-items)


def resolve(client: NotionClient, ctx: EndpointContext, database_id: str,
            data_source: str | None) -> Resolved:
    """The data source, which property holds which field and what a version leaves out; two
    requests, three when the origin property has to be added."""
    source_id, schema = read(client, ctx, database_id, data_source)
    return resolved(source_id, schema, ctx)


def resolved(source_id: str, schema: dict[str, Any], ctx: EndpointContext) -> Resolved:
    """:func:`resolve` of a schema already read (:func:`read`, or the discovery cache)."""
    props = check(schema, ctx, source_id)
    return Resolved(source_id, props, synced_of(schema, props))


def read(client: NotionClient, ctx: EndpointContext, database_id: str,
         data_source: str | None) -> tuple[str, dict[str, Any]]:
    """The data source's id and its properties (with the origin property, added when it
    is missing): two requests, three with the addition."""
    db = client.call(lambda: client.sdk.databases.retrieve(database_id=database_id))
    sources = db.get("data_sources") or []
    chosen = [s for s in sources if data_source in (None, s["name"], s["id"])]
    if not chosen:
        raise ConfigError(ConfigProblem(
            f"Notion database {database_id} has no data source {data_source!r}; it has: "
            f"{', '.join(s['name'] for s in sources) or 'none'}"))
    source_id = str(chosen[0]["id"])
    schema: dict[str, Any] = client.call(lambda: client.sdk.data_sources.retrieve(
        data_source_id=source_id))["properties"]
    check(schema, ctx, source_id)  # a mapping the schema refuses adds no property
    if ORIGIN_PROPERTY not in schema and ctx.markers:  # ``markers: false``: no column
        add_origin_property(client, source_id)
        schema = {**schema, ORIGIN_PROPERTY: {"name": ORIGIN_PROPERTY, "type": "rich_text",
                                              "rich_text": {}}}
    return source_id, schema


def planned_fields(ctx: EndpointContext) -> frozenset[str]:
    """The fields the config maps onto this data source, known without a request: what
    :func:`check` returns at most (a conventional property the data source lacks drops out
    once the schema is read)."""
    targets = dict(DEFAULTS) | dict(ctx.options.get("targets", {})) | dict(
        ctx.options.get("properties", {}))
    fields = {"title", "parent", "duration", "sprint", "points"} | set(targets)
    fields = {f for f in fields if f == "title" or ctx.fields is None or f in ctx.fields}
    if "due" in fields and "span" not in targets:
        fields.add("span")
    return frozenset(fields)


def check(schema: dict[str, Any], ctx: EndpointContext, source_id: str | None = None
          ) -> dict[str, tuple[str, str]]:
    """Which property holds which field; ``source_id``: the data source's own id, which a
    relation holding ``parent`` must point to (None: not checked, nor found without a name)."""
    explicit = dict(ctx.options.get("targets", {}))
    targets = dict(DEFAULTS) | explicit | dict(ctx.options.get("properties", {}))
    title = next(n for n, p in schema.items() if p["type"] == "title")
    props: dict[str, tuple[str, str]] = {"title": (title, "title")}
    problems: list[str] = []
    wanted = ctx.fields
    if wanted is None or "parent" in wanted:
        parent = parent_property(schema, source_id, targets.get("parent"), problems)
        if parent is not None:
            props["parent"] = (parent, "relation")
    for field, names in (("duration", DURATION), ("sprint", SPRINT), ("points", POINTS)):
        if field not in targets and (wanted is None or field in wanted):
            found = by_name(schema, names, ALLOWED[field])
            if found is not None:
                props[field] = found
    for field, prop in targets.items():
        if field in ("title", "parent") or (wanted is not None and field not in wanted):
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


def by_name(schema: dict[str, Any], names: tuple[str, ...], kinds: set[str]
            ) -> tuple[str, str] | None:
    """The first property named one of ``names`` (any case) whose type is one of ``kinds``,
    as (name, type), or None."""
    typed = {n.casefold(): (n, p["type"]) for n, p in schema.items() if p.get("type") in kinds}
    return next((typed[d.casefold()] for d in names if d.casefold() in typed), None)


def _self_relation(spec: dict[str, Any], source_id: str | None) -> bool:
    config = spec.get("relation") or {}
    return spec.get("type") == "relation" and source_id is not None and \
        str(config.get("data_source_id")).replace("-", "") == source_id.replace("-", "")


def parent_property(schema: dict[str, Any], source_id: str | None, named: str | None,
                    problems: list[str]) -> str | None:
    """The property that holds ``parent`` (see the module's docstring), or None; a named one
    that cannot hold it adds to ``problems``."""
    if named is not None:
        spec = schema.get(named)
        if spec is None:
            problems.append(f"property {named!r} (for parent) does not exist in the Notion "
                            "data source")
        elif spec["type"] != "relation":
            problems.append(f"property {named!r} is a {spec['type']} property; parent needs "
                            "one of relation")
        elif source_id is not None and not _self_relation(spec, source_id):
            problems.append(f"property {named!r} relates to another data source; parent "
                            "needs a relation of the data source to itself (turn on "
                            "Sub-items in Notion)")
        else:
            return named
        return None
    own = [n for n, p in schema.items() if _self_relation(p, source_id)]
    if PARENT in own:
        return PARENT
    synced = [n for n in own if (schema[n]["relation"].get("dual_property") or {}).get(
        "synced_property_name") in SUB_ITEMS]
    return synced[0] if len(synced) == 1 else None


def synced_of(schema: dict[str, Any], props: dict[str, tuple[str, str]]) -> frozenset[str]:
    """The property synced with the one holding ``parent`` (the sub-items), if any."""
    name = props.get("parent", ("", ""))[0]
    dual = (schema.get(name, {}).get("relation") or {}).get("dual_property") or {}
    synced = dual.get("synced_property_name")
    return frozenset({synced}) if synced in schema and synced != name else frozenset()


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
