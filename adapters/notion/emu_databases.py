"""Databases and data sources made and changed in the Notion emulator, as the recorded answers
show them (notion-sdk-py's ``test_databases_*`` and ``test_data_sources_*`` cassettes).

``POST /v1/databases`` makes a database under a page (or in the workspace) with its first data
source (``initial_data_source.properties``; a ``Name`` title when none are given), ``POST
/v1/data_sources`` another data source in a database, ``PATCH /v1/databases/{id}`` changes its
title, description, icon, cover, ``is_inline``, ``is_locked`` or trashes it; the parts of ``PATCH
/v1/data_sources/{id}`` besides its properties (:mod:`adapters.notion.emu_schema`) are here too.
A database's times have milliseconds and an offset (``2026-07-04T09:09:02.278+00:00``), a data
source's are rounded to the minute, as recorded. Under ``/v1/blocks`` a database's id is its
``child_database`` block; deleting it trashes the database. A data source has no templates.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from adapters.emulation import Response
from adapters.notion import emu_blocks, emu_pages, emu_relations, emu_schema
from adapters.notion.emu_errors import NotionError, boolean, not_found, obj, uuid_of
from adapters.notion.emu_values import file_object, title_of

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

WORKSPACE = {"type": "workspace", "workspace": True}
FLAGS = ("archived", "in_trash")


def _bad(message: str) -> NotionError:
    return NotionError(400, "validation_error", f"body failed validation: {message}")


def _user(emu: NotionEmulator) -> dict[str, Any]:
    return {"object": "user", "id": emu.bot}


def _stamp(emu: NotionEmulator) -> str:
    return emu.now().astimezone(dt.UTC).isoformat(timespec="milliseconds")


def new_database(emu: NotionEmulator, title: Any, properties: Any,
                 *, parent: dict[str, Any] | None = None, **extra: Any) -> tuple[str, str]:
    """A database with one data source of ``properties``; ``extra``: its ``description``,
    ``icon``, ``cover``, ``is_inline``. Everything is checked before either is stored.
    Returns (database id, data source id)."""
    db, now = str(uuid.uuid4()), _stamp(emu)
    database = {
        "object": "database", "id": db, "title": emu.rich(title, "body.title"),
        "description": emu.rich(extra.get("description"), "body.description"),
        "parent": parent or WORKSPACE,
        "is_inline": boolean(extra.get("is_inline", False), "body.is_inline"),
        "in_trash": False, "is_locked": False, "created_time": now, "last_edited_time": now,
        "data_sources": [], "icon": file_object(extra.get("icon")),
        "cover": file_object(extra.get("cover")),
        "url": f"https://www.notion.so/{db.replace('-', '')}", "public_url": None,
        "archived": False}
    source = _data_source(emu, database, title, properties)
    emu.databases[db] = database
    return db, _add_source(emu, database, source)


def new_data_source(emu: NotionEmulator, db: str, title: Any, properties: Any,
                    icon: Any = None) -> str:
    """Another data source in the database ``db``."""
    database = emu.databases[db]
    return _add_source(emu, database, _data_source(emu, database, title, properties, icon))


def _data_source(emu: NotionEmulator, database: dict[str, Any], title: Any, properties: Any,
                 icon: Any = None) -> dict[str, Any]:
    """A data source of ``database`` as stored, not stored yet; it needs one title
    property. The synced properties its two-way relations add to other data sources wait in
    ``_others`` until it is stored (:func:`_add_source`)."""
    schema, _ = emu_schema.draft({}, properties)
    if sum(1 for spec in schema.values() if spec["type"] == "title") != 1:
        raise _bad("a data source needs exactly one title property.")
    ds = str(uuid.uuid4())
    others = emu_relations.Settling(emu, ds, {}, schema, database=database["id"]).settle()
    now = emu.minute()
    return {
        "object": "data_source", "id": ds, "cover": None,
        "icon": file_object(icon), "created_time": now, "created_by": _user(emu),
        "last_edited_by": _user(emu), "last_edited_time": now,
        "title": emu.rich(title, "body.title"), "description": [],
        "is_inline": database["is_inline"], "properties": schema,
        "parent": {"type": "database_id", "database_id": database["id"]},
        "database_parent": database["parent"], "url": database["url"], "public_url": None,
        "in_trash": False, "archived": False, "_others": others}


def _add_source(emu: NotionEmulator, database: dict[str, Any], source: dict[str, Any]) -> str:
    others = source.pop("_others", {})
    emu.sources[source["id"]] = source
    database["data_sources"].append({"id": source["id"], "name": title_of(source)})
    for ds, schema in others.items():
        emu_schema.commit(emu, ds, schema)
    return str(source["id"])


def create_database(emu: NotionEmulator, body: dict[str, Any]) -> dict[str, Any]:
    parent = emu_pages.parent_of(emu, body.get("parent"), ("page_id", "workspace"))
    initial = obj(body.get("initial_data_source"), "body.initial_data_source")
    properties = initial.get("properties") or body.get("properties") or {
        "Name": {"type": "title", "title": {}}}
    db, _ = new_database(emu, body.get("title"), properties, parent=parent,
                         **{k: body[k] for k in ("description", "icon", "cover", "is_inline")
                            if k in body})
    emu_blocks.link(emu, parent, db, "child_database")
    return emu.databases[db]


def create_data_source(emu: NotionEmulator, body: dict[str, Any]) -> dict[str, Any]:
    given = body.get("parent")
    if not isinstance(given, dict) or "database_id" not in given:
        raise _bad("body.parent.database_id should be defined, instead was `undefined`.")
    db = uuid_of("body.parent.database_id", str(given["database_id"]))
    if db not in emu.databases:
        raise not_found("database", db)
    ds = new_data_source(emu, db, body.get("title"), body.get("properties"),
                         body.get("icon"))
    return emu.sources[ds]


def _changes(emu: NotionEmulator, body: dict[str, Any], keys: tuple[str, ...]
             ) -> dict[str, Any]:
    """What a database or data source update changes: the keys of ``body`` it may change, as
    stored (all checked; nothing is changed yet)."""
    changes: dict[str, Any] = {}
    for key in keys:
        if key not in body:
            continue
        if key in ("title", "description"):
            changes[key] = emu.rich(body[key], f"body.{key}")
        elif key in ("icon", "cover"):
            changes[key] = file_object(body[key])
        else:
            changes[key] = boolean(body[key], f"body.{key}")
    for flag in FLAGS:
        if flag in body:
            changes["in_trash"] = changes["archived"] = boolean(body[flag], f"body.{flag}")
    return changes


def update_database(emu: NotionEmulator, db: str, body: dict[str, Any]) -> dict[str, Any]:
    database = emu.databases.get(db)
    if database is None:
        raise not_found("database", db)
    if "properties" in body:
        raise _bad("body.properties should be not present: since 2025-09-03 a database's "
                   "properties are its data sources' (PATCH /v1/data_sources/{id}).")
    database.update(_changes(emu, body, ("title", "description", "icon", "cover", "is_inline",
                                         "is_locked")))
    database["last_edited_time"] = _stamp(emu)
    for entry in database["data_sources"]:  # a data source is named after its database
        entry["name"] = title_of(emu.sources[entry["id"]])
    return database


def update_data_source(emu: NotionEmulator, ds: str, body: dict[str, Any]) -> dict[str, Any]:
    """A data source's properties (``emu_schema``), title, description, icon, cover, trash;
    all checked before any changes."""
    source = emu.sources[ds]
    changes = _changes(emu, body, ("title", "description", "icon", "cover"))
    if body.get("properties"):
        emu_schema.update(emu, ds, body["properties"])
    source.update(changes)
    source["last_edited_time"] = emu.minute()
    database = emu.databases.get(source["parent"]["database_id"])
    for entry in (database or {}).get("data_sources", []):
        if entry["id"] == ds:
            entry["name"] = title_of(source)
    return source


def templates(emu: NotionEmulator, ds: str) -> Response:
    """The data source's page templates: none in the emulator. Answered without a
    ``request_id``, as recorded."""
    if ds not in emu.sources:
        raise not_found("data_source", ds)
    return Response.json({"templates": [], "has_more": False, "next_cursor": None})


def trash_database(emu: NotionEmulator, db: str, trashed: bool = True) -> dict[str, Any]:
    """``DELETE /v1/blocks/{id}`` of a database (or an update of its block's flags)."""
    database = emu.databases[db]
    if trashed and database["in_trash"]:
        raise emu_blocks.archived()
    database["in_trash"] = database["archived"] = trashed
    database["last_edited_time"] = _stamp(emu)
    return emu_blocks.database_block(emu, db)
