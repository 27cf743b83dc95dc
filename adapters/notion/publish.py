"""A document as a new Notion page under a page (``synchub report`` delivered to Notion):
``POST /v1/pages`` with the parent page, the title and the first 100 blocks (Notion's most
per request), then ``PATCH /v1/blocks/{id}/children`` for the rest, 100 at a time. The
request is the shape notion-sdk-py's recorded traffic shows (``parent: {page_id}``,
``properties: {title: [rich text]}``, ``children``).

Headings are ``heading_1..3``, list items ``bulleted_list_item``, paragraphs ``paragraph``;
each text goes through :func:`adapters.notion.richtext.chunks`, as Notion takes at most 2000
characters a rich-text element. Texts are plain: a title holding ``**`` stays as written."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from adapters.notion import body, richtext
from adapters.notion.client import NotionClient
from adapters.publishing import Block

KINDS = {"h1": "heading_1", "h2": "heading_2", "h3": "heading_3", "p": "paragraph",
         "li": "bulleted_list_item"}


def plain(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": part}} for part in richtext.chunks(text)]


def block(b: Block) -> dict[str, Any]:
    kind = KINDS[b.kind]
    return {"object": "block", "type": kind, kind: {"rich_text": plain(b.text)}}


def publish(client: NotionClient, parent: str, title: str, blocks: Sequence[Block]) -> str:
    """The new page's address (its ``url``)."""
    children = [block(b) for b in blocks]
    page = client.call(functools.partial(
        client.sdk.pages.create, parent={"page_id": parent},
        properties={"title": plain(title)}, children=children[:body.PAGE]), write=True)
    body.append(client, page["id"], children[body.PAGE:])
    return str(page.get("url") or page["id"])
