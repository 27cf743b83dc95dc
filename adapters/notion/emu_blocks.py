"""The emulator's page content: ``/v1/blocks/{id}/children`` (list, append), as the recorded
real traffic shows them, and pages and databases as the blocks Notion lists them as.

Listing pages by ``page_size`` (<= 100) with the next block's id as ``start_cursor``; an append
takes at most 100 children (each with its own ``children``, two levels deep at most, of the
block types Notion documents) and answers with only the top-level blocks it created; all of
them are checked before any is stored, so a refused append appends nothing. Blocks carry
``parent``, ``created_time``, ``last_edited_time``, ``created_by``, ``last_edited_by``,
``has_children``, ``archived`` and ``in_trash``. A page or database made under a page is listed
there as its ``child_page`` or ``child_database`` block (until trashed or moved away).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion import emu_errors, emu_values
from adapters.notion.emu_errors import NotionError, array, bad, obj, shown

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

MAX_CHILDREN = 100
MAX_DEPTH = 2  # levels of nested children one append may carry
#: the block types Notion documents (developers.notion.com, "Block"); another is a 400
BLOCK_TYPES = frozenset({
    "audio", "bookmark", "breadcrumb", "bulleted_list_item", "callout", "child_database",
    "child_page", "code", "column", "column_list", "divider", "embed", "equation", "file",
    "heading_1", "heading_2", "heading_3", "image", "link_preview", "link_to_page",
    "numbered_list_item", "paragraph", "pdf", "quote", "synced_block", "table",
    "table_of_contents", "table_row", "template", "to_do", "toggle", "video"})


def _error(status: int, code: str, message: str) -> NotionError:
    return NotionError(status, code, message)


def page_size(raw: Any) -> int:
    try:
        size = int(raw) if raw not in (None, "") else 100
    except (TypeError, ValueError):
        raise _error(400, "validation_error", "page_size should be a number.") from None
    if not 1 <= size <= 100:
        raise _error(400, "validation_error",
                     f"page_size should be ≤ `100` and ≥ `1`, instead was `{size}`.")
    return size


def list_children(emu: NotionEmulator, parent: str, start_cursor: str | None,
                  page_size_arg: Any) -> dict[str, Any]:
    """The blocks under ``parent``; a page or database made there is its ``child_page`` or
    ``child_database`` block, in its place, until it is trashed."""
    rows = []
    for block in _siblings(emu, parent):
        if block["type"] in LINKS:
            block = LINKS[block["type"]](emu, block["id"])
            if block["in_trash"]:
                continue
        rows.append(block)
    return paged_by_id(rows, start_cursor, page_size_arg, "block")


def link(emu: NotionEmulator, parent: dict[str, Any], ident: str, kind: str) -> None:
    """A page or database made under a page is listed among its blocks."""
    if parent["type"] == "page_id" and parent["page_id"] in emu.children:
        emu.children[parent["page_id"]].append({"object": "block", "id": ident, "type": kind})


def unlink(emu: NotionEmulator, parent: dict[str, Any], ident: str) -> None:
    siblings = emu.children.get(parent.get("page_id") or "", [])
    siblings[:] = [b for b in siblings if b["id"] != ident]


def paged_by_id(rows: list[dict[str, Any]], start_cursor: str | None, page_size_arg: Any,
                kind: str) -> dict[str, Any]:
    """One page of a list Notion pages with the next object's id as the cursor (blocks,
    comments), in Notion's list envelope (``type`` and an empty object named by it)."""
    size = page_size(page_size_arg)
    start = 0
    if start_cursor:
        ids = [r["id"] for r in rows]
        if start_cursor not in ids:
            raise _error(400, "validation_error", "start_cursor provided is invalid.")
        start = ids.index(start_cursor)
    more = start + size < len(rows)
    return {"object": "list", "results": rows[start:start + size],
            "next_cursor": rows[start + size]["id"] if more else None, "has_more": more,
            "type": kind, kind: {}}


def append_children(emu: NotionEmulator, parent: str, children: Any) -> dict[str, Any]:
    """Append blocks to a page or a block; a child's own ``children`` (inside its type's
    object, as Notion takes them) become blocks under it, up to Notion's two levels of nesting
    in one request. The answer lists only the top-level blocks created, as Notion's does. All
    of them are checked before any is stored: a 400 appends nothing."""
    blocks = _siblings(emu, parent)
    page = emu.pages.get(parent)
    if page is not None and page["in_trash"]:
        raise archived()
    made, below = build(emu, parent, page is not None, children)
    blocks.extend(made)
    emu.children.update(below)
    holder = find(emu, parent)
    if holder is not None:
        holder[1]["has_children"] = True
    if page is not None:
        emu.touch(page)
    return {"object": "list", "results": made, "next_cursor": None, "has_more": False,
            "type": "block", "block": {}}


#: blocks made for a request, not yet stored: the top-level ones, and the children list of
#: every one of them and of the blocks under them (by id)
Built = tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]


def build(emu: NotionEmulator, parent: str, on_page: bool, children: Any, depth: int = 0,
          where: str = "body.children") -> Built:
    """The blocks ``children`` (a request's) make under ``parent``, checked as Notion checks
    them (at most 100 a level, two levels deep, known types, objects where objects go), and
    stored nowhere yet."""
    children = array(children, where)
    if len(children) > MAX_CHILDREN:
        raise bad(f"{where}.length should be ≤ `{MAX_CHILDREN}`, instead was "
                  f"`{len(children)}`.")
    if depth > MAX_DEPTH:
        raise bad(f"children may be nested at most {MAX_DEPTH} levels deep in one request.")
    now = emu.minute()
    made: list[dict[str, Any]] = []
    below: dict[str, list[dict[str, Any]]] = {}
    for i, child in enumerate(children):
        here = f"{where}[{i}]"
        kind, content = _typed(obj(child, here, optional=False), here)
        nested = content.pop("children", None)
        bid = str(uuid.uuid4())
        where_ = "page_id" if on_page else "block_id"
        block = {
            "object": "block", "id": bid, "parent": {"type": where_, where_: parent},
            "created_time": now, "last_edited_time": now,
            "created_by": {"object": "user", "id": emu.bot},
            "last_edited_by": {"object": "user", "id": emu.bot},
            "has_children": bool(nested), "archived": False, "in_trash": False, "type": kind,
            kind: content_of(emu, kind, content, f"{here}.{kind}")}
        kids, deeper = build(emu, bid, False, nested, depth + 1, f"{here}.{kind}.children") \
            if nested else ([], {})
        below.update(deeper)
        below[bid] = kids
        made.append(block)
    return made, below


def _typed(child: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    """A child's type and (a copy of) its type object; an unknown type is Notion's 400."""
    kind = child.get("type") or next((k for k in child if k in BLOCK_TYPES), None)
    if not isinstance(kind, str) or kind not in BLOCK_TYPES:
        named = kind if isinstance(kind, str) else next((k for k in child if k != "object"),
                                                        None)
        if named is None:
            raise bad(f"{where} should be a block (paragraph, to_do...), instead was "
                      f"`{shown(child)}`.")
        raise bad(f"{where}.{named} should be not present, instead was "
                  f"`{shown(child.get(named))}`.")
    return kind, dict(obj(child.get(kind), f"{where}.{kind}"))


def content_of(emu: NotionEmulator, kind: str, content: dict[str, Any], where: str
               ) -> dict[str, Any]:
    """A block's type object as Notion answers it: rich text filled in, a colour always, a
    paragraph's ``icon`` (null unless set)."""
    return {**content, "rich_text": emu.rich(content.get("rich_text"), f"{where}.rich_text"),
            **({"icon": content.get("icon")} if kind == "paragraph" else {}),
            "color": content.get("color", "default")}


def find(emu: NotionEmulator, block_id: str) -> tuple[str, dict[str, Any]] | None:
    """The block's parent id and the block, wherever it is."""
    for parent, siblings in emu.children.items():
        for b in siblings:
            if b["id"] == block_id:
                return parent, b
    return None


def page_block(emu: NotionEmulator, page_id: str) -> dict[str, Any]:
    """A page as the ``child_page`` block Notion answers for its id under ``/v1/blocks``."""
    page = emu.pages[page_id]
    return {"object": "block", "id": page_id, "parent": page["parent"],
            "created_time": page["created_time"], "last_edited_time": page["last_edited_time"],
            "created_by": page["created_by"], "last_edited_by": page["last_edited_by"],
            "has_children": bool(emu.children.get(page_id)), "in_trash": page["in_trash"],
            "type": "child_page", "child_page": {"title": emu_values.title_of(page)},
            "archived": page["in_trash"]}


def _minute(stamp: str) -> str:
    when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:00.000Z")


def database_block(emu: NotionEmulator, db: str) -> dict[str, Any]:
    """A database as the ``child_database`` block Notion answers for its id."""
    database = emu.databases[db]
    return {"object": "block", "id": db, "parent": database["parent"],
            "created_time": _minute(database["created_time"]),
            "last_edited_time": _minute(database["last_edited_time"]),
            "created_by": {"object": "user", "id": emu.bot},
            "last_edited_by": {"object": "user", "id": emu.bot}, "has_children": False,
            "in_trash": database["in_trash"], "type": "child_database",
            "child_database": {"title": emu_values.title_of(database)},
            "archived": database["in_trash"]}


LINKS = {"child_page": page_block, "child_database": database_block}


def archived() -> NotionError:
    return _error(400, "validation_error", "Can't edit block that is archived. You must "
                  "unarchive the block before editing.")


def not_found(block_id: str) -> NotionError:
    return emu_errors.not_found("block", block_id)


def _siblings(emu: NotionEmulator, parent: str) -> list[dict[str, Any]]:
    blocks = emu.children.get(parent)
    if blocks is None:
        raise not_found(parent)
    return blocks
