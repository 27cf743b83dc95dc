"""Markdown <-> Notion rich text (title, rich_text properties and paragraph blocks).

Marks: ``**bold**``, ``*italic*`` (or ``_italic_``), ```code``` and ``[text](url)``, nested as
in Markdown (``[**x**](u)``, ``**`x`**``). Bold and italic together are written ``**_x_**`` (as
the Jira adapter writes them): ``***x***`` is read as bold italic too, but as the output it
would be wrapped once per mark and read back wrong. Other annotations (underline, colour) are
not carried.

Notion holds at most 2,000 characters per rich text element, counted in UTF-16 code units (the
API is JavaScript). Long text is split into several elements, each keeping its run's
annotations and link, and a split never cuts a character in two; reading joins neighbouring
elements of the same style before adding marks, so a split run reads back as one.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

CHUNK = 2000  # UTF-16 code units per element
INLINE = re.compile(r"\*\*\*(?P<bi>[^*\s](?:[^*]*?[^*\s])?)\*\*\*(?!\*)"
                    r"|\*\*(?P<b>.+?)\*\*"
                    r"|(?<![*\w])\*(?P<i>[^*\s][^*]*?)\*(?![*\w])"
                    r"|(?<![_\w])_(?P<u>[^_\s][^_]*?)_(?![_\w])"
                    r"|`(?P<c>[^`]+)`"
                    r"|\[(?P<lt>[^\]]+)\]\((?P<lu>[^)\s]+)\)")
Style = tuple[frozenset[str], str | None]  # (marks among bold/italic/code, link url)
#: nesting orders tried when writing Markdown, outermost first (links outermost preferred)
ORDERS = [("link", "bold", "italic"), ("link", "italic", "bold"), ("bold", "link", "italic"),
          ("italic", "link", "bold"), ("bold", "italic", "link"), ("italic", "bold", "link")]


def _runs(text: str, marks: frozenset[str] = frozenset(), link: str | None = None
          ) -> list[tuple[str, Style]]:
    out: list[tuple[str, Style]] = []
    pos = 0
    for m in INLINE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], (marks, link)))
        if m.group("bi") is not None:
            out += _runs(m.group("bi"), marks | {"bold", "italic"}, link)
        elif m.group("b") is not None:
            out += _runs(m.group("b"), marks | {"bold"}, link)
        elif m.group("i") is not None or m.group("u") is not None:
            out += _runs(m.group("i") or m.group("u"), marks | {"italic"}, link)
        elif m.group("c") is not None:
            out.append((m.group("c"), (marks | {"code"}, link)))
        else:
            out += _runs(m.group("lt"), marks, m.group("lu"))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], (marks, link)))
    return out


def _merged(runs: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    out: list[tuple[str, Style]] = []
    for text, style in runs:
        if not text:
            continue
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        else:
            out.append((text, style))
    return out


def chunks(text: str, limit: int = CHUNK) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 code units, never splitting a
    character (one outside the Basic Multilingual Plane counts two)."""
    out: list[str] = []
    start = units = 0
    for i, ch in enumerate(text):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > limit:
            out.append(text[start:i])
            start, units = i, 0
        units += width
    out.append(text[start:])
    return [c for c in out if c]


def md_to_rich(text: str | None) -> list[dict[str, Any]]:
    if not text:
        return []
    out = []
    for content, (marks, url) in _merged(_runs(text)):
        for piece in chunks(content):
            part: dict[str, Any] = {"type": "text", "text": {
                "content": piece, "link": {"url": url} if url else None}}
            if marks:
                part["annotations"] = {m: True for m in sorted(marks)}
            out.append(part)
    return out


def _style(part: dict[str, Any]) -> Style:
    ann = part.get("annotations") or {}
    link = (part.get("text") or {}).get("link") or (
        {"url": part["href"]} if part.get("href") else None)
    return (frozenset(m for m in ("bold", "italic", "code") if ann.get(m)),
            link["url"] if link else None)


def _render(runs: list[tuple[str, Style]], levels: tuple[str, ...],
            outer: frozenset[str] = frozenset()) -> str:
    """Runs as Markdown, grouping neighbours that share a mark: links outermost, then the marks
    in ``levels`` order, code innermost. Italic is ``_x_`` inside bold or outside it when it
    comes first (``*x*`` cannot hold ``**``), ``*x*`` otherwise."""
    if not levels:
        return "".join(f"`{t}`" if "code" in marks else t for t, (marks, _) in runs)
    level, rest = levels[0], levels[1:]
    out = []
    for key, group in itertools.groupby(runs, key=lambda r: (
            r[1][1] if level == "link" else level in r[1][0])):
        inner = _render(list(group), rest, outer | ({level} if key else set()))
        if level == "link" and key:
            inner = f"[{inner}]({key})"
        elif level == "bold" and key:
            inner = f"**{inner}**"
        elif level == "italic" and key:
            underscore = "bold" in outer or levels.index("italic") < len(levels) - 1
            inner = f"_{inner}_" if underscore else f"*{inner}*"
        out.append(inner)
    return "".join(out)


def rich_to_md(parts: list[dict[str, Any]] | None) -> str | None:
    """Markdown for Notion's elements: the first of a few spellings that reads back as the same
    runs (``**a _b_ c**``, ``_a **b** c_``), else the plainest one."""
    runs = []
    for p in parts or []:
        text = p.get("plain_text")
        if text is None:
            text = (p.get("text") or {}).get("content", "")
        runs.append((text, _style(p)))
    runs = _merged(runs)
    if not runs:
        return None
    for attempt in (runs, _merged([(t, (frozenset(), None) if not t.strip() else style)
                                   for t, style in runs])):
        # A styled run of spaces alone ("* *") is not Markdown: the second attempt drops
        # styling nobody can see from such runs.
        for order in ORDERS:
            md = _render(attempt, order)
            if _merged(_runs(md)) == attempt:
                return md
    return _render(runs, ORDERS[0])


def normalise(text: str | None) -> str | None:
    """What ``text`` reads back as after a trip through Notion (``***x***`` becomes
    ``**_x_**``, a link with a bold part is split into links)."""
    return rich_to_md(md_to_rich(text))
