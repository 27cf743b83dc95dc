"""Markdown read with a maintained CommonMark parser (markdown-it-py), into a small tree the
services' rich-text converters share: Jira's Atlassian documents (:mod:`adapters.jira.adf`)
and Notion's rich text (:mod:`adapters.notion.richtext`) each map it to their own form.

The dialect is CommonMark plus GFM strikethrough (``~~x~~``): ``*``/``-``/``+`` bullets,
``1.``/``1)`` numbered lists (with their start), nesting by indentation, ``> quotes``,
fenced and indented code, headings (ATX and setext), thematic breaks, hard breaks, backslash
escapes and entities, links with balanced parentheses (``[x](http://e.com/a_(b))``) and
titles. HTML is not interpreted: it is kept as the text the user typed, which lets a converter
carry what Markdown cannot say in an HTML comment of its own (``<!--adf:{...}-->``).

Blocks are dicts with a ``kind``: ``paragraph`` and ``heading`` (``level``) hold ``spans``;
``bullet_list`` and ``ordered_list`` (``start``) hold ``items``, each a list of blocks;
``quote`` holds ``blocks``; ``code`` holds ``text`` and ``lang``; ``rule``; ``html`` holds the
block's raw ``text``. A :class:`Span` is a run of text with its marks, a hard break, or an
inline piece of HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

#: the marks a span can carry besides a link
MARKS = ("code", "strong", "em", "strike")


@dataclass(frozen=True)
class Span:
    text: str
    marks: frozenset[str] = frozenset()
    link: str | None = None
    title: str | None = None  # the link's title
    kind: str = "text"  # text, break (a hard line break), html (inline HTML, as typed)


@cache
def _parser() -> MarkdownIt:
    # No link reference definitions: "[note]: text" typed in a task is text, not a
    # definition that would vanish from the document.
    md = MarkdownIt("commonmark").enable("strikethrough").disable("reference")
    # Links as typed: no percent-encoding (a renderer's concern, and a change of the user's
    # text), and no scheme refused (a javascript: link is the user's data too; nothing here
    # renders HTML).
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda link: link  # type: ignore[method-assign]
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def parse(md: str) -> list[dict[str, Any]]:
    """The Markdown's blocks."""
    blocks, _ = _blocks(_parser().parse(md), 0, None)
    return blocks


def parse_inline(md: str) -> list[Span]:
    """Markdown read as one run of inline text (a title, a Notion rich-text value, the text
    of an HTML block that a converter reads as a paragraph)."""
    tokens = _parser().parseInline(md)
    return spans(tokens[0].children or []) if tokens else []


_CLOSE = {"bullet_list_open": "bullet_list_close", "ordered_list_open": "ordered_list_close",
          "blockquote_open": "blockquote_close", "list_item_open": "list_item_close"}


def _blocks(tokens: list[Token], i: int, until: str | None) -> tuple[list[dict[str, Any]], int]:
    out: list[dict[str, Any]] = []
    while i < len(tokens):
        t = tokens[i]
        if t.type == until:
            return out, i + 1
        if t.type in ("paragraph_open", "heading_open"):
            block: dict[str, Any] = {"kind": "paragraph" if t.tag == "p" else "heading",
                                     "spans": spans(tokens[i + 1].children or [])}
            if t.tag != "p":
                block["level"] = int(t.tag[1])
            out.append(block)
            i += 3
        elif t.type in ("bullet_list_open", "ordered_list_open"):
            items, i = _items(tokens, i + 1, _CLOSE[t.type])
            block = {"kind": t.type.removesuffix("_open"), "items": items}
            if t.type == "ordered_list_open":
                block["start"] = int(t.attrs.get("start", 1) or 1)
            out.append(block)
        elif t.type == "blockquote_open":
            inner, i = _blocks(tokens, i + 1, "blockquote_close")
            out.append({"kind": "quote", "blocks": inner})
        elif t.type in ("fence", "code_block"):
            out.append({"kind": "code", "text": t.content.removesuffix("\n"),
                        "lang": t.info.strip() if t.type == "fence" else ""})
            i += 1
        elif t.type == "hr":
            out.append({"kind": "rule"})
            i += 1
        else:  # html_block
            out.append({"kind": "html", "text": t.content.rstrip("\n")})
            i += 1
    return out, i


def _items(tokens: list[Token], i: int, until: str) -> tuple[list[list[dict[str, Any]]], int]:
    items: list[list[dict[str, Any]]] = []
    while tokens[i].type != until:
        inner, i = _blocks(tokens, i + 1, "list_item_close")  # tokens[i] is list_item_open
        items.append(inner)
    return items, i + 1


def spans(children: list[Token]) -> list[Span]:
    """An inline token stream as spans; neighbours with the same marks are joined (an escaped
    character, an entity or a soft line break continues its text)."""
    out: list[Span] = []
    marks: list[str] = []
    links: list[tuple[str, str | None]] = []

    def emit(text: str, extra: frozenset[str] = frozenset(), kind: str = "text") -> None:
        link, title = links[-1] if links else (None, None)
        span = Span(text, frozenset(marks) | extra, link, title, kind)
        last = out[-1] if out else None
        if (kind == "text" and last is not None and last.kind == "text"
                and (last.marks, last.link, last.title) == (span.marks, link, title)):
            out[-1] = Span(last.text + text, last.marks, link, title)
        elif text or kind == "break":
            out.append(span)

    for t in children:
        kind = t.type
        if kind in ("text", "text_special"):
            emit(t.content)
        elif kind == "softbreak":
            emit("\n")
        elif kind == "hardbreak":
            emit("", kind="break")
        elif kind == "code_inline":
            emit(t.content, frozenset({"code"}))
        elif kind == "html_inline":
            emit(t.content, kind="html")
        elif kind in ("strong_open", "em_open", "s_open"):
            marks.append({"strong_open": "strong", "em_open": "em", "s_open": "strike"}[kind])
        elif kind in ("strong_close", "em_close", "s_close"):
            marks.pop()
        elif kind == "link_open":
            title = t.attrs.get("title")
            links.append((str(t.attrs.get("href", "")), str(title) if title else None))
        elif kind == "link_close":
            links.pop()
        elif kind == "image":  # no image in these services' text: its alt text, linked
            links.append((str(t.attrs.get("src", "")), None))
            for child in spans(t.children or []):
                emit(child.text, child.marks)
            links.pop()
    return out


#: spaces Markdown strips at a line's edges, and the entities that keep them
EDGE = {" ": "&#32;", "\t": "&#9;", "\u00a0": "&nbsp;"}


def edge_entities(text: str, *, at_start: bool, at_end: bool) -> str:
    """``text`` with the spaces at its lines' edges as entities (CommonMark strips them
    where a line starts or ends; an entity reads back as the character). ``at_start`` and
    ``at_end``: whether the text's own start and end are a line's."""
    def entities(m: re.Match[str]) -> str:
        return "".join(EDGE[c] for c in m.group(0))
    text = re.sub(r"(?<=\n)[ \t\u00a0]+|[ \t\u00a0]+(?=\n)", entities, text)
    if at_start:
        text = re.sub(r"^[ \t\u00a0]+", entities, text)
    if at_end:
        text = re.sub(r"[ \t\u00a0]+$", entities, text)
    return text
