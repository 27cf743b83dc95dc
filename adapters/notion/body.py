"""The description in the page body (``targets: {description: body}``): one paragraph block
per line; headings, lists and other blocks a person added are left alone.

Cost: Notion's page objects carry properties only, so body mode reads each page's children
with at least one more request per page read (one per 100 blocks); a write deletes the old
paragraphs one request each and appends the new ones, 100 per request (Notion's limit per
append; a page is created with its first 100 in the create itself). What was just written is
not read back (:func:`written`).
"""

from __future__ import annotations

import functools
from typing import Any

from adapters.notion import richtext
from adapters.notion.client import NotionClient

PAGE = 100  # Notion's most blocks per listing and per append


def children(client: NotionClient, page_id: str) -> list[dict[str, Any]]:
    """Every top-level block of the page, following ``next_cursor``."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        kwargs: dict[str, Any] = {"block_id": page_id, "page_size": PAGE}
        if cursor:
            kwargs["start_cursor"] = cursor
        result = client.call(functools.partial(client.sdk.blocks.children.list, **kwargs))
        out += result["results"]
        if not result.get("has_more") or not result.get("next_cursor"):
            return out
        cursor = result["next_cursor"]


def paragraphs(text: str | None) -> list[dict[str, Any]]:
    return [{"object": "block", "type": "paragraph",
             "paragraph": {"rich_text": richtext.md_to_rich(line)}}
            for line in (text or "").split("\n")] if text else []


def written(text: str | None) -> str | None:
    """What :func:`read_body` reads after :func:`paragraphs` of ``text`` were written, without
    asking (a create or an update then needs no request to read the body back)."""
    return "\n".join(richtext.normalise(line) or "" for line in text.split("\n")) or None \
        if text else None


def read_body(client: NotionClient, page_id: str) -> str | None:
    """The page's paragraphs, one per line, as Markdown (other blocks are left alone)."""
    lines = [richtext.rich_to_md(b[b["type"]].get("rich_text")) or ""
             for b in children(client, page_id) if b.get("type") == "paragraph"]
    return "\n".join(lines) or None


def append(client: NotionClient, page_id: str, blocks: list[dict[str, Any]]) -> None:
    for i in range(0, len(blocks), PAGE):
        client.call(functools.partial(client.sdk.blocks.children.append, block_id=page_id,
                                      children=blocks[i:i + PAGE]), write=True)


def write_body(client: NotionClient, page_id: str, text: str | None) -> None:
    """Replace the page's paragraphs with ``text`` (one paragraph per line); headings,
    lists and other blocks a person added stay untouched."""
    for b in children(client, page_id):
        if b.get("type") == "paragraph":
            client.call(functools.partial(client.sdk.blocks.delete, block_id=b["id"]),
                        write=True)
    append(client, page_id, paragraphs(text))
