"""Publishing a document as a page in a service (a report in Notion): the optional factory
protocol :class:`PagePublisher` and the plain :class:`Block` a document is made of.

A document is a list of blocks (headings, paragraphs, list items, with plain text), not
Markdown, so a service writes it in its own block types without parsing anything, and hub
code never imports a concrete adapter (it narrows a loaded factory with
:func:`page_publisher`, as with :mod:`adapters.sandboxing`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel

BlockKind = Literal["h1", "h2", "h3", "p", "li"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


@runtime_checkable
class PagePublisher(Protocol):
    """Optional on a factory: make a new page titled ``title`` holding ``blocks`` under the
    page ``parent`` (the service's id), with the validated ``connection``; returns the new
    page's address."""

    def publish_page(self, connection: BaseModel, parent: str, title: str,
                     blocks: Sequence[Block]) -> str: ...


def page_publisher(factory: object) -> PagePublisher | None:
    """``factory`` as a :class:`PagePublisher`, or None when its service cannot hold pages."""
    return factory if isinstance(factory, PagePublisher) else None
