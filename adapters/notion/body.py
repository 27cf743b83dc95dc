"""The description in the page body (``targets: {description: body}``): one paragraph block
per line; headings, lists and other blocks a person added are left alone."""

from __future__ import annotations

import functools

from adapters.notion import convert
from adapters.notion.client import NotionClient


def read_body(client: NotionClient, page_id: str) -> str | None:
    """The page's paragraphs, one per line, as Markdown (other blocks are left alone)."""
    result = client.call(lambda: client.sdk.blocks.children.list(block_id=page_id))
    lines = [convert.rich_to_md(b[b["type"]].get("rich_text")) or ""
             for b in result["results"] if b.get("type") == "paragraph"]
    return "\n".join(lines) or None


def write_body(client: NotionClient, page_id: str, text: str | None) -> None:
    """Replace the page's paragraphs with ``text`` (one paragraph per line); headings,
    lists and other blocks a person added stay untouched."""
    result = client.call(lambda: client.sdk.blocks.children.list(block_id=page_id))
    for b in result["results"]:
        if b.get("type") == "paragraph":
            client.call(functools.partial(client.sdk.blocks.delete, block_id=b["id"]),
                        write=True)
    children = [{"object": "block", "type": "paragraph",
                 "paragraph": {"rich_text": convert.md_to_rich(line)}}
                for line in (text or "").split("\n") if text]
    if children:
        client.call(lambda: client.sdk.blocks.children.append(
            block_id=page_id, children=children), write=True)
