"""Comments in the Notion emulator: ``POST /v1/comments`` (on a page, or a reply in an
existing discussion), ``GET /v1/comments?block_id=`` (a page of at most 100, the next
comment's id as ``start_cursor``), ``GET``, ``PATCH`` (its ``rich_text``) and ``DELETE
/v1/comments/{id}`` (answered with the comment, gone from then on), in the shape the recorded
traffic shows (notion-sdk-py's ``test_comments_*`` cassettes): ``parent``, ``discussion_id``,
times, ``created_by``, ``rich_text`` and ``display_name`` (the integration's name)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks
from adapters.notion.emu_errors import NotionError, obj, uuid_of

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator


def _bad(message: str) -> NotionError:
    return NotionError(400, "validation_error", f"body failed validation: {message}")


def _parent(emu: NotionEmulator, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Where the comment goes and its discussion: a new one on a page, or the one named."""
    discussion = body.get("discussion_id")
    if discussion:
        first = next((c for c in emu.comments if c["discussion_id"] == discussion), None)
        if first is None:
            raise NotionError(404, "object_not_found",
                              f"Could not find discussion with ID: {discussion}.")
        return first["parent"], str(discussion)
    page_id = obj(body.get("parent"), "body.parent").get("page_id")
    if not isinstance(page_id, str):
        raise _bad("body.parent.page_id or body.discussion_id should be defined.")
    pid = uuid_of("body.parent.page_id", page_id)
    page = emu.pages.get(pid)
    if page is None:
        raise emu_blocks.not_found(pid)
    if page["in_trash"]:
        raise _bad("the page is archived; unarchive it before commenting.")
    return {"type": "page_id", "page_id": pid}, str(uuid.uuid4())


def create(emu: NotionEmulator, body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("rich_text"):
        raise _bad("body.rich_text should be defined, instead was `undefined`.")
    parent, discussion = _parent(emu, body)
    now = emu.minute()
    bot = emu.users[emu.bot]
    comment = {"object": "comment", "id": str(uuid.uuid4()), "parent": parent,
               "discussion_id": discussion, "created_time": now, "last_edited_time": now,
               "created_by": {"object": "user", "id": emu.bot},
               "rich_text": emu.rich(body["rich_text"], "body.rich_text"),
               "display_name": {"type": "integration", "resolved_name": bot["name"]}}
    emu.comments.append(comment)
    return comment


def listing(emu: NotionEmulator, block_id: str | None, start_cursor: str | None,
            page_size: Any) -> dict[str, Any]:
    if not block_id:
        raise NotionError(400, "validation_error", "query failed validation: "
                          "query.block_id should be defined, instead was `undefined`.")
    block_id = uuid_of("query.block_id", block_id)
    rows = [c for c in emu.comments if block_id in c["parent"].values()]
    return emu_blocks.paged_by_id(rows, start_cursor, page_size, "comment")


def retrieve(emu: NotionEmulator, comment_id: str) -> dict[str, Any]:
    found = next((c for c in emu.comments if c["id"] == comment_id), None)
    if found is None:
        raise NotionError(404, "object_not_found",
                          f"Could not find comment with ID: {comment_id}.")
    return found


def update(emu: NotionEmulator, comment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    comment = retrieve(emu, comment_id)
    if not body.get("rich_text"):
        raise _bad("body.rich_text should be defined, instead was `undefined`.")
    comment["rich_text"] = emu.rich(body["rich_text"], "body.rich_text")
    comment["last_edited_time"] = emu.minute()
    return comment


def delete(emu: NotionEmulator, comment_id: str) -> dict[str, Any]:
    comment = retrieve(emu, comment_id)
    emu.comments.remove(comment)
    return comment
