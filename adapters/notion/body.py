"""The description in the page body (``targets: {description: body}``): one paragraph block
per line; headings, lists and other blocks a person added are left alone.

Cost: Notion's page objects carry properties only, so body mode reads each page's children
with at least one more request per page read (one per 100 blocks); a write lists the
paragraphs, appends the new ones, 100 per request (Notion's limit per append; a page is
created with its first 100 in the create itself), then deletes the old ones one request each
(in that order: see :func:`rewrite`). What was just written is not read back
(:func:`written`).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
from typing import Any

from adapters.notion import richtext
from adapters.notion.client import NotionClient, listed
from hub.errors import NotFound

PAGE = 100  # Notion's most blocks per listing and per append


def children(client: NotionClient, page_id: str) -> list[dict[str, Any]]:
    """Every top-level block of the page, following ``next_cursor``."""
    return listed(client.call, client.sdk.blocks.children.list, block_id=page_id)


def paragraphs(text: str | None, current: list[dict[str, Any]] | None = None
               ) -> list[dict[str, Any]]:
    """The paragraph blocks for ``text``, one per line. With ``current`` (the paragraphs there
    now), a line is written from the paragraph it replaces (:func:`richtext.merge`): its
    mentions, equations and colours stay where their text did not change."""
    if not text:
        return []
    lines = text.split("\n")
    old: list[list[dict[str, Any]] | None] = [None] * len(lines)
    have = [b["paragraph"].get("rich_text") or [] for b in current or []]
    before = [_line(b) for b in current or []]
    after = [richtext.normalise(line) or "" for line in lines]
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(b1 - b0):
                old[b0 + k] = have[a0 + k]
        elif tag == "replace" and (a1 - a0) * (b1 - b0) > 400:  # a rewrite: by position
            for k in range(min(a1 - a0, b1 - b0)):
                old[b0 + k] = have[a0 + k]
        elif tag == "replace":  # new lines from the old lines they most resemble
            pairs = sorted(((difflib.SequenceMatcher(None, before[i], after[j]).ratio(), i, j)
                            for i in range(a0, a1) for j in range(b0, b1)), reverse=True)
            used: set[int] = set()
            for ratio, i, j in pairs:
                if ratio >= 0.5 and i not in used and old[j] is None:
                    old[j] = have[i]
                    used.add(i)
    return [{"object": "block", "type": "paragraph",
             "paragraph": {"rich_text": richtext.merge(was, line)}}
            for line, was in zip(lines, old, strict=True)]


def written(text: str | None) -> str | None:
    """What :func:`read_body` reads after :func:`paragraphs` of ``text`` were written, without
    asking (a create or an update then needs no request to read the body back)."""
    return "\n".join(richtext.normalise(line) or "" for line in text.split("\n")) or None \
        if text else None


def paragraph_blocks(client: NotionClient, page_id: str) -> list[dict[str, Any]]:
    """The page's top-level paragraph blocks, in order (the blocks the description is)."""
    return [b for b in children(client, page_id) if b.get("type") == "paragraph"]


def _line(block: dict[str, Any]) -> str:
    return richtext.rich_to_md(block["paragraph"].get("rich_text")) or ""


def text_of(blocks: list[dict[str, Any]]) -> str | None:
    """The description that ``blocks`` (paragraphs) hold: one line each, as Markdown."""
    return "\n".join(_line(b) for b in blocks) or None


def read_body(client: NotionClient, page_id: str) -> str | None:
    """The page's paragraphs, one per line, as Markdown (other blocks are left alone)."""
    return text_of(paragraph_blocks(client, page_id))


def append(client: NotionClient, page_id: str, blocks: list[dict[str, Any]]) -> None:
    for i in range(0, len(blocks), PAGE):
        client.call(functools.partial(client.sdk.blocks.children.append, block_id=page_id,
                                      children=blocks[i:i + PAGE]), write=True)


def rewrite(client: NotionClient, page_id: str, current: list[dict[str, Any]],
            text: str | None) -> None:
    """Make the paragraphs ``current`` (as just listed) read ``text``; headings, lists and
    other blocks a person added stay untouched.

    The new paragraphs are appended *before* the old ones are deleted, so a failure at any
    step leaves the whole old text on the page (until every new paragraph is there) or the
    whole new one (while old ones are deleted), never an empty or cut body. Running it again
    after a failure finishes the job: paragraphs that already end with ``text`` (appended by
    the attempt that failed while deleting) are kept, not appended twice, and only the others
    are deleted.
    """
    want = [richtext.normalise(line) or "" for line in text.split("\n")] if text else []
    have = [_line(b) for b in current]
    kept = len(want) if want and have[-len(want):] == want else 0
    if want and not kept:
        append(client, page_id, paragraphs(text, current))
    for b in current[:len(current) - kept]:
        with contextlib.suppress(NotFound):  # gone already (a lost answer, a person)
            client.call(functools.partial(client.sdk.blocks.delete, block_id=b["id"]),
                        write=True)
