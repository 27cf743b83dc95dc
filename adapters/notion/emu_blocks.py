"""The emulator's page content: ``/v1/blocks/{id}/children`` (list, append) and
``DELETE /v1/blocks/{id}``, as the recorded real traffic shows them.

Listing pages by ``page_size`` (<= 100) with the next block's id as ``start_cursor``; an append
takes at most 100 children and answers with only the blocks it created; blocks carry
``parent``, ``created_time``, ``last_edited_time``, ``created_by``, ``last_edited_by``,
``has_children``, ``archived`` and ``in_trash``. Deleting a page's id trashes the page and
answers with its ``child_page`` block, as Notion does.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion.emu_values import NotionError

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

MAX_CHILDREN = 100


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
    blocks = _siblings(emu, parent)
    size = page_size(page_size_arg)
    start = 0
    if start_cursor:
        ids = [b["id"] for b in blocks]
        if start_cursor not in ids:
            raise _error(400, "validation_error", "start_cursor provided is invalid.")
        start = ids.index(start_cursor)
    chunk = blocks[start:start + size]
    more = start + size < len(blocks)
    return {"object": "list", "results": chunk,
            "next_cursor": blocks[start + size]["id"] if more else None, "has_more": more,
            "type": "block", "block": {}}


def append_children(emu: NotionEmulator, parent: str, children: list[dict[str, Any]]
                    ) -> dict[str, Any]:
    blocks = _siblings(emu, parent)
    if len(children) > MAX_CHILDREN:
        raise _error(400, "validation_error", "body failed validation: body.children.length "
                     f"should be ≤ `{MAX_CHILDREN}`, instead was `{len(children)}`.")
    page = emu.pages.get(parent)
    if page is not None and page["in_trash"]:
        raise _error(400, "validation_error", "Can't edit block that is archived. You must "
                     "unarchive the block before editing.")
    now = emu.minute()
    made = []
    for child in children:
        kind = child.get("type") or next(k for k in child if k != "object")
        content = child.get(kind) or {}
        made.append({
            "object": "block", "id": str(uuid.uuid4()),
            "parent": {"type": "page_id" if page is not None else "block_id",
                       ("page_id" if page is not None else "block_id"): parent},
            "created_time": now, "last_edited_time": now,
            "created_by": {"object": "user", "id": emu.bot},
            "last_edited_by": {"object": "user", "id": emu.bot},
            "has_children": False, "archived": False, "in_trash": False, "type": kind,
            kind: {**content, "rich_text": emu.rich(content.get("rich_text")),
                   **({"icon": content.get("icon")} if kind == "paragraph" else {}),
                   "color": content.get("color", "default")}})
    blocks.extend(made)
    if page is not None:
        emu.touch(page)
    return {"object": "list", "results": made, "next_cursor": None, "has_more": False,
            "type": "block", "block": {}}


def delete_block(emu: NotionEmulator, block_id: str) -> dict[str, Any]:
    page = emu.pages.get(block_id)
    if page is not None:
        if page["in_trash"]:
            raise _error(400, "validation_error", "Can't edit block that is archived. You "
                         "must unarchive the block before editing.")
        emu.update_page(block_id, {"in_trash": True})
        title = next((p for p in page["properties"].values() if p["type"] == "title"), None)
        return {"object": "block", "id": block_id, "parent": page["parent"],
                "created_time": page["created_time"],
                "last_edited_time": page["last_edited_time"],
                "created_by": page["created_by"], "last_edited_by": page["last_edited_by"],
                "has_children": bool(emu.children.get(block_id)), "in_trash": True,
                "type": "child_page", "child_page": {"title": "".join(
                    t["plain_text"] for t in (title or {}).get("title", []))},
                "archived": True}
    for parent, siblings in emu.children.items():
        for b in siblings:
            if b["id"] == block_id:
                siblings.remove(b)
                if parent in emu.pages:
                    emu.touch(emu.pages[parent])
                return {**b, "in_trash": True, "archived": True,
                        "last_edited_time": emu.minute()}
    raise _error(404, "object_not_found", f"Could not find block with ID: {block_id}. Make "
                 "sure the relevant pages and databases are shared with your integration.")


def _siblings(emu: NotionEmulator, parent: str) -> list[dict[str, Any]]:
    blocks = emu.children.get(parent)
    if blocks is None:
        raise _error(404, "object_not_found", f"Could not find block with ID: {parent}. Make "
                     "sure the relevant pages and databases are shared with your integration.")
    return blocks
