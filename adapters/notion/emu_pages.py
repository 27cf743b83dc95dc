"""Pages under any parent in the Notion emulator: ``POST /v1/pages`` under a data source, a
database of one data source, a page or the workspace (with its content, ``children``),
``PATCH /v1/pages/{id}`` and ``POST /v1/pages/{id}/move``. A create or update is checked whole
(properties by name or id, icon, cover, flags, children) before anything is stored.

A page outside a data source has one property, its title, named and identified ``title``, as
Notion answers it (notion-sdk-py's cassettes make every test page under a page). A move keeps
the page's id, content and title; its other properties become the new parent's (empty), as the
title is all a page under a page has.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks, emu_relations, emu_values
from adapters.notion.emu_errors import NotionError, boolean, not_found, uuid_of
from adapters.notion.emu_values import blank, title_of

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

TITLE_ONLY: dict[str, Any] = {"title": {"id": "title", "name": "title", "description": None,
                                        "type": "title", "title": {}}}
PARENTS = ("data_source_id", "database_id", "page_id", "workspace")
FLAGS = ("in_trash", "archived")


def _bad(message: str) -> NotionError:
    return NotionError(400, "validation_error", f"body failed validation: {message}")


def name_of(emu: NotionEmulator, kind: str, ident: str) -> str | None:
    """What a mention of the user, page or database ``ident`` shows."""
    if kind == "user":
        return (emu.users.get(ident) or {}).get("name")
    found = emu.pages.get(ident) if kind == "page" else emu.databases.get(ident)
    return title_of(found) if found is not None else None


def schema_of(emu: NotionEmulator, parent: dict[str, Any]) -> dict[str, Any]:
    """The properties pages under ``parent`` have: a data source's, else a title."""
    if parent["type"] == "data_source_id":
        schema: dict[str, Any] = emu.sources[parent["data_source_id"]]["properties"]
        return schema
    return TITLE_ONLY


def _source_parent(emu: NotionEmulator, ds: str) -> dict[str, Any]:
    if ds not in emu.sources:
        raise not_found("data_source", ds)
    return {"type": "data_source_id", "data_source_id": ds,
            "database_id": emu.sources[ds]["parent"]["database_id"]}


def parent_of(emu: NotionEmulator, given: Any, allowed: tuple[str, ...] = PARENTS
              ) -> dict[str, Any]:
    """A request's ``parent`` as Notion stores a page's; it must exist and not be in the
    trash. A database stands for its data source when it has only one (as 2025-09-03 takes)."""
    kind = next((k for k in allowed if isinstance(given, dict) and k in given), None)
    if kind is None:
        raise _bad(f"body.parent should have one of {', '.join(allowed)}, instead was "
                   f"`{given}`.")
    assert isinstance(given, dict)
    if kind == "workspace":
        if given["workspace"] is not True:
            raise _bad("body.parent.workspace should be `true`.")
        return {"type": "workspace", "workspace": True}
    ident = uuid_of(f"body.parent.{kind}", str(given[kind]))
    if kind == "data_source_id":
        return _source_parent(emu, ident)
    if kind == "database_id":
        database = emu.databases.get(ident)
        if database is None:
            raise not_found("database", ident)
        if len(database["data_sources"]) != 1:
            raise _bad(f"database {ident} has {len(database['data_sources'])} data sources: "
                       "name one as parent.data_source_id.")
        return _source_parent(emu, database["data_sources"][0]["id"])
    page = emu.pages.get(ident)
    if page is None:
        raise not_found("page", ident)
    if page["in_trash"]:
        raise emu_blocks.archived()
    return {"type": "page_id", "page_id": ident}


def new_page(emu: NotionEmulator, parent: dict[str, Any], properties: Any, *,
             icon: Any = None, cover: Any = None, page_id: str | None = None,
             children: Any = None) -> dict[str, Any]:
    """A page under ``parent`` as Notion stores it (a data source, a page, the workspace):
    every property of its schema, empty unless given, and its content (``children``). All of
    it is checked before anything is stored: a 400 makes no page."""
    pid = page_id or str(uuid.uuid4())
    schema = schema_of(emu, parent)
    given, draft = emu_values.values(schema, properties, emu.users)
    emu_relations.check(emu, schema, given, pid, parent.get("data_source_id"))
    page: dict[str, Any] = {
        "object": "page", "id": pid, "created_time": emu.minute(),
        "created_by": {"object": "user", "id": emu.bot},
        "last_edited_by": {"object": "user", "id": emu.bot},
        "cover": emu_values.file_object(cover), "icon": emu_values.file_object(icon),
        "parent": parent, "in_trash": False, "archived": False, "is_archived": False,
        "is_locked": False,
        "properties": {name: blank(spec) for name, spec in schema.items()},
        "url": f"https://www.notion.so/{pid.replace('-', '')}", "public_url": None}
    page["properties"].update(given)
    blocks, below = emu_blocks.build(emu, pid, True, children)
    emu_values.commit_options(schema, draft)
    emu.touch(page)
    emu.pages[pid] = page
    emu.children[pid] = blocks
    emu.children.update(below)
    emu_relations.sync(emu, page, schema, {})
    return page


def update(emu: NotionEmulator, pid: str, body: dict[str, Any]) -> dict[str, Any]:
    """``PATCH /v1/pages/{id}``: properties, icon, cover, trash (or restore), all checked
    before any changes (Notion applies a request whole or not at all)."""
    page = emu.pages.get(pid)
    if page is None:
        raise NotionError(404, "object_not_found", f"Could not find page with ID: {pid}.")
    flags = [boolean(body[f], f"body.{f}") for f in FLAGS if f in body]
    if page["in_trash"] and not (flags and not all(flags)):
        raise emu_blocks.archived()
    schema = schema_of(emu, page["parent"])
    given, draft = emu_values.values(schema, body.get("properties"), emu.users)
    emu_relations.check(emu, schema, given, pid, page["parent"].get("data_source_id"))
    files: dict[str, Any] = {key: emu_values.file_object(body[key]) for key in ("icon", "cover")
                             if key in body}
    emu_values.commit_options(schema, draft)
    before = {name: dict(v) for name, v in page["properties"].items()}
    page["properties"].update(given)
    emu_relations.sync(emu, page, schema, before)
    page.update(files)
    if flags:
        page["in_trash"] = page["archived"] = flags[-1]
    emu.touch(page)
    return page


def create(emu: NotionEmulator, body: dict[str, Any]) -> dict[str, Any]:
    parent = parent_of(emu, body.get("parent"))
    page = new_page(emu, parent, body.get("properties"), icon=body.get("icon"),
                    cover=body.get("cover"), children=body.get("children"))
    emu_blocks.link(emu, parent, page["id"], "child_page")
    return page


def move(emu: NotionEmulator, page_id: str, body: dict[str, Any]) -> dict[str, Any]:
    page = emu.pages.get(page_id)
    if page is None:
        raise not_found("page", page_id)
    if page["in_trash"]:
        raise emu_blocks.archived()
    parent = parent_of(emu, body.get("parent"), ("page_id", "data_source_id"))
    above: dict[str, Any] | None = parent
    while above is not None and above["type"] == "page_id":
        if above["page_id"] == page_id:
            raise _bad("a page cannot be moved under itself or one of its own pages.")
        above = (emu.pages.get(above["page_id"]) or {}).get("parent")
    title = next((v for v in page["properties"].values() if v["type"] == "title"), None)
    schema = schema_of(emu, parent)
    values: dict[str, Any] = {}
    for name, spec in schema.items():
        values[name] = blank(spec)
        if spec["type"] == "title" and title is not None:
            values[name]["title"] = title["title"]
    emu_blocks.unlink(emu, page["parent"], page_id)
    emu_blocks.link(emu, parent, page_id, "child_page")
    gone = {n: {**v, "relation": []} for n, v in page["properties"].items()
            if v["type"] == "relation"}  # its relations end: the synced sides follow
    emu_relations.sync(emu, {**page, "properties": gone}, schema_of(emu, page["parent"]),
                       page["properties"])
    page["parent"], page["properties"] = parent, values
    emu.touch(page)
    return page

