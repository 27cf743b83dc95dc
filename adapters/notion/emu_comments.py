"""Comments in the Notion emulator: ``POST /v1/comments`` (on a page, or a reply in an
existing discussion), ``GET /v1/comments?block_id=`` (a page of at most 100, the next
comment's id as ``start_cursor``), ``GET``, ``PATCH`` (its ``rich_text``) and ``DELETE
/v1/comments/{id}`` (answered with the comment, gone from then on), in the shape the recorded
traffic shows (notion-sdk-py's ``test_comments_*`` cassettes): ``parent``, ``discussion_id``,
times, ``created_by``, ``rich_text`` and ``display_name`` (the integration's name).

As Notion documents them, an integration edits and deletes only the comments it made (any
other is its 404); as reported against the real API (notion-cli's comment delete), deleting
the first comment of a discussion deletes the discussion.
Listing the comments of an id that is no page or block is the 404 it is for any block; a page
in the trash keeps its comments and lists them (as it keeps and lists its blocks; Notion
documents neither way). A comment changes nothing about its page, not its
``last_edited_time`` (Notion documents no such change, and gives comments webhook events of
their own). A ``markdown`` body, which Notion takes instead of ``rich_text``, is not
emulated. A person's comments (:func:`by_person`, :func:`person_edit`,
:func:`person_delete`) are made as in Notion's app: by a user, under their name."""

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


def create(emu: NotionEmulator, body: dict[str, Any], author: str | None = None
           ) -> dict[str, Any]:
    """A new comment; ``author``: the user who makes it (None: the integration, over the
    API; a person's comment shows their name)."""
    if not body.get("rich_text"):
        raise _bad("body.rich_text should be defined, instead was `undefined`.")
    parent, discussion = _parent(emu, body)
    now = emu.minute()
    who = author or emu.bot
    shown = {"type": "user" if author else "integration",
             "resolved_name": emu.users[who]["name"]}
    comment = {"object": "comment", "id": str(uuid.uuid4()), "parent": parent,
               "discussion_id": discussion, "created_time": now, "last_edited_time": now,
               "created_by": {"object": "user", "id": who},
               "rich_text": emu.rich(body["rich_text"], "body.rich_text"),
               "display_name": shown}
    emu.comments.append(comment)
    return comment


def by_person(emu: NotionEmulator, page_id: str, rich_text: list[dict[str, Any]], user: str
              ) -> dict[str, Any]:
    """A person comments on a page in Notion's app (a new discussion)."""
    return create(emu, {"parent": {"page_id": page_id}, "rich_text": rich_text}, author=user)


def listing(emu: NotionEmulator, block_id: str | None, start_cursor: str | None,
            page_size: Any) -> dict[str, Any]:
    if not block_id:
        raise NotionError(400, "validation_error", "query failed validation: "
                          "query.block_id should be defined, instead was `undefined`.")
    block_id = uuid_of("query.block_id", block_id)
    if not (block_id in emu.pages or block_id in emu.children
            or block_id in emu.trashed_blocks):
        raise emu_blocks.not_found(block_id)
    rows = [c for c in emu.comments if block_id in c["parent"].values()]
    return emu_blocks.paged_by_id(rows, start_cursor, page_size, "comment")


def retrieve(emu: NotionEmulator, comment_id: str) -> dict[str, Any]:
    found = next((c for c in emu.comments if c["id"] == comment_id), None)
    if found is None:
        raise NotionError(404, "object_not_found",
                          f"Could not find comment with ID: {comment_id}.")
    return found


def _own(emu: NotionEmulator, comment_id: str) -> dict[str, Any]:
    """A comment the integration made: another's is a 404, as Notion documents ("a connection
    can only update comments that it created")."""
    comment = retrieve(emu, comment_id)
    if comment["created_by"]["id"] != emu.bot:
        raise NotionError(404, "object_not_found",
                          f"Could not find comment with ID: {comment_id}.")
    return comment


def update(emu: NotionEmulator, comment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    comment = _own(emu, comment_id)
    if not body.get("rich_text"):
        raise _bad("body.rich_text should be defined, instead was `undefined`.")
    return _edited(emu, comment, body["rich_text"])


def _edited(emu: NotionEmulator, comment: dict[str, Any], rich_text: Any) -> dict[str, Any]:
    comment["rich_text"] = emu.rich(rich_text, "body.rich_text")
    comment["last_edited_time"] = emu.minute()
    return comment


def delete(emu: NotionEmulator, comment_id: str) -> dict[str, Any]:
    """A comment deleted; the first of its discussion takes the discussion with it."""
    return _deleted(emu, _own(emu, comment_id))


def _deleted(emu: NotionEmulator, comment: dict[str, Any]) -> dict[str, Any]:
    thread = [c for c in emu.comments if c["discussion_id"] == comment["discussion_id"]]
    gone = thread if thread and thread[0] is comment else [comment]
    emu.comments[:] = [c for c in emu.comments if all(c is not g for g in gone)]
    return comment


def person_edit(emu: NotionEmulator, comment_id: str, rich_text: list[dict[str, Any]]
                ) -> dict[str, Any]:
    """A person edits a comment in Notion's app (who may is the app's concern, not checked)."""
    return _edited(emu, retrieve(emu, comment_id), rich_text)


def person_delete(emu: NotionEmulator, comment_id: str) -> None:
    _deleted(emu, retrieve(emu, comment_id))
