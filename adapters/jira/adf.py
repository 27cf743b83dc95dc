"""Atlassian Document Format (Jira v3 ``description``) <-> Markdown.

Covered both ways: paragraphs, headings (``#``..``######``), bullet and numbered lists
(nested, numbered from any start), quotes, code blocks (with language), rules, hard breaks,
and text marks bold, italic, strikethrough, inline code and links, nested (``[**x**](u)``,
``**_x_**``). Markdown is read with the toolkit's CommonMark parser
(:mod:`adapters.toolkit.markdown`), so every spelling a person types elsewhere (``* item``,
``1)``, ``> quote``, a link with parentheses) reads as it renders. Text is written as typed
and escaped only where it would otherwise read back as formatting (a paragraph "- x", a
literal "**"), and each block written is checked by reading it back.
An inline node or mark Markdown cannot say is written as its closest text (a mention as
"@Ana", an emoji, a date, a status, a card's link; coloured or underlined text as its text)
so the other services show what a person reads in Jira; :func:`merge` keeps the original in
Jira when the Markdown comes back with that block's text unchanged. A block Markdown cannot
say (a table, a panel) is carried through Markdown whole, as an HTML comment holding its
JSON (``<!--adf:{...}-->``), which Markdown renderers hide and the way back restores, so a
round trip through another service never loses the user's table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from typing import Any

from adapters.toolkit import markdown
from adapters.toolkit.markdown import Span

KEEP = re.compile(r"<!--adf:(.*?)-->", re.S)
KNOWN_MARKS = {"strong", "em", "code", "strike", "link"}
#: escaped in the escaping pass: what could read back as inline formatting, HTML or an entity
SPECIAL = re.compile(r"([\\`*_\[\]<&~#])")

#: a line start that would read back as a block of its own (heading, list, quote, code fence)
BLOCK_START = re.compile(r"^(#|-|\+|>|\d+[.)])")
#: ADF's inline node types: a kept node of another type is a block
INLINE_NODES = {"text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard",
                "mediaInline", "placeholder", "inlineExtension"}


def _kept(text: str) -> dict[str, Any] | None:
    """The node a ``<!--adf:...-->`` comment holds, or None when it holds no node (someone
    typed such a comment by hand): that is text, and must not crash a round."""
    try:
        node = json.loads(text)
    except ValueError:
        return None
    return node if isinstance(node, dict) and isinstance(node.get("type"), str) else None


def _keep(node: Any) -> str:
    """The node as an HTML comment; its JSON never holds ``>`` (written ``\\u003e``), so
    text such as "-->" inside it cannot end the comment early."""
    raw = json.dumps(node, separators=(",", ":"), sort_keys=True)
    return "<!--adf:" + raw.replace(">", "\\u003e") + "-->"


# -- ADF -> Markdown ------------------------------------------------------------------------------


def _plain(n: dict[str, Any]) -> bool:
    """A text node this module can write as Markdown and read back unchanged."""
    marks = n.get("marks", [])
    return n.get("type") == "text" and all(
        m.get("type") in KNOWN_MARKS and set(m) <= {"type", "attrs"} and (
            (m["type"] != "link" and not m.get("attrs"))
            or (m["type"] == "link" and set(m.get("attrs", {})) in ({"href"}, {"href", "title"})
                and '"' not in str(m["attrs"].get("title", ""))))
        for m in marks) and len({m["type"] for m in marks}) == len(marks)


def _shown(n: dict[str, Any]) -> dict[str, Any] | None:
    """The closest plain text node for an inline node Markdown cannot say, or None."""
    attrs = n.get("attrs") or {}
    kind = n.get("type")
    if kind == "text":  # unknown marks dropped, known ones kept (a link keeps its href)
        marks = [{"type": m["type"]} | ({"attrs": {
            k: v for k, v in m["attrs"].items() if k in ("href", "title")}}
            if m.get("type") == "link" else {})
                 for m in n.get("marks", []) if m.get("type") in KNOWN_MARKS
                 and (m["type"] != "link" or "href" in (m.get("attrs") or {}))]
        text: Any = n.get("text", "")
        return {"type": "text", "text": text} | ({"marks": marks} if marks else {})
    if kind == "inlineCard" and attrs.get("url"):
        return {"type": "text", "text": attrs["url"],
                "marks": [{"type": "link", "attrs": {"href": attrs["url"]}}]}
    if kind == "date" and str(attrs.get("timestamp", "")).isdigit():
        day = dt.datetime.fromtimestamp(int(attrs["timestamp"]) / 1000, dt.UTC).date()
        return {"type": "text", "text": day.isoformat()}
    text = attrs.get("text") or (attrs.get("shortName") if kind == "emoji" else None)
    if kind in ("mention", "emoji", "status") and isinstance(text, str) and text:
        return {"type": "text", "text": text}
    return None


def _starts_line(nodes: list[dict[str, Any]], n: dict[str, Any]) -> bool:
    i = next(k for k, m in enumerate(nodes) if m is n)
    return i == 0 or nodes[i - 1].get("type") == "hardBreak"


def _ends_line(nodes: list[dict[str, Any]], n: dict[str, Any]) -> bool:
    i = next(k for k, m in enumerate(nodes) if m is n)
    return i == len(nodes) - 1 or nodes[i + 1].get("type") == "hardBreak"


def _inline(nodes: list[dict[str, Any]], escape: bool = False) -> str:
    out = []
    for n in nodes or []:
        kind = n.get("type")
        if kind == "hardBreak" and set(n) == {"type"}:
            out.append("  \n")
            continue
        if not _plain(n):
            shown = _shown(n)
            if shown is None:
                out.append(_keep(n))
                continue
            n = shown
        text = n.get("text", "")
        marks = {m["type"]: m for m in n.get("marks", [])}
        if escape and "code" not in marks:
            text = markdown.edge_entities(SPECIAL.sub(r"\\\1", text),
                                          at_start=_starts_line(nodes, n),
                                          at_end=_ends_line(nodes, n))
        if "code" in marks:
            text = f"`{text}`"
        if "strike" in marks:
            text = f"~~{text}~~"
        if "strong" in marks:
            text = f"**{text}**"
        if "em" in marks:  # inside bold as _x_: "***x***" would not read back
            text = f"_{text}_" if "strong" in marks else f"*{text}*"
        if "link" in marks:
            href = marks["link"]["attrs"]["href"]
            title = marks["link"]["attrs"].get("title")
            target = f"<{href}>" if re.search(r"[()\s<>]", href) else href
            text = f"[{text}]({target}" + (f' "{title}"' if title else "") + ")"
        out.append(text)
    return "".join(out)


def _indented(md: str, width: int) -> str:
    return "\n".join((" " * width + line) if line else line for line in md.split("\n"))


def _list(n: dict[str, Any], escape: bool) -> str | None:
    """A (tight) list, nested lists indented under their item; None when an item holds more
    than a paragraph and lists, which a tight list cannot say."""
    ordered = n["type"] == "orderedList"
    start = int((n.get("attrs") or {}).get("order", 1)) if ordered else 1
    lines = []
    for i, item in enumerate(n.get("content", []), start):
        inner = item.get("content", [])
        if item.get("attrs") or not inner or inner[0].get("type") != "paragraph" or not all(
                c.get("type") in ("bulletList", "orderedList") for c in inner[1:]):
            return None
        bullet = f"{i}." if ordered else "-"
        if not inner[0].get("content") and not inner[0].get("attrs") and len(inner) == 1:
            lines.append(bullet)  # an empty item
            continue
        first = _block(inner[0], escape)
        rest = [_block(c, escape) for c in inner[1:]]
        lines.append(f"{bullet} {first}" + "".join(
            "\n" + _indented(r, len(bullet) + 1) for r in rest))
    return "\n".join(lines) or None


def _paragraph(n: dict[str, Any], escape: bool) -> str | None:
    if not n.get("content") or n.get("attrs"):
        return None
    text = _inline(n["content"], escape)
    start = BLOCK_START.match(text) if escape else None
    if start:  # a paragraph that starts like a heading, a list item or a quote
        mark = start.group(1)
        text = (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark) + \
            text[len(mark):]
    return text


def _heading(n: dict[str, Any], escape: bool) -> str | None:
    content = n.get("content", [])
    if set(n.get("attrs", {})) != {"level"} or any(
            c.get("type") == "hardBreak" for c in content):
        return None
    level = "#" * int(n["attrs"]["level"])
    return f"{level} {_inline(content, escape)}" if content else level


def _quote(n: dict[str, Any], escape: bool) -> str | None:
    if not n.get("content") or n.get("attrs"):
        return None
    inner = "\n\n".join("" if c == _EMPTY else _block(c, escape) for c in n["content"])
    return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))


def _code(n: dict[str, Any], escape: bool) -> str | None:
    """A fenced block, its fence longer than any run of backticks inside."""
    lang = (n.get("attrs") or {}).get("language") or ""
    text = "".join(t.get("text", "") for t in n.get("content", []))
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return None if "`" in lang else f"{fence}{lang}\n{text}\n{fence}"


_WRITERS = {"paragraph": _paragraph, "heading": _heading, "bulletList": _list,
            "orderedList": _list, "blockquote": _quote, "codeBlock": _code,
            "rule": lambda n, escape: "---" if set(n) == {"type"} else None}


def _block(n: dict[str, Any], escape: bool = False) -> str:
    """The block as Markdown, or kept whole where Markdown cannot say it."""
    writer = _WRITERS.get(str(n.get("type")))
    md = writer(n, escape) if writer is not None else None
    return md if md is not None else _keep(n)


def _canonical(n: dict[str, Any]) -> dict[str, Any]:
    """``n`` with its text marks in one order (their order carries no meaning in ADF)."""
    if n.get("type") == "text" and n.get("marks"):
        return {**n, "marks": sorted(n["marks"], key=lambda m: MARK_ORDER.get(m["type"], 9))}
    if "content" in n:
        return {**n, "content": [_canonical(c) for c in n["content"]]}
    return n


def _markdown_block(n: dict[str, Any]) -> str:
    """``n`` as Markdown that reads back as ``n``. Plain first, so text typed elsewhere keeps
    its look ("a*b" stays "a*b"); escaped only where plain would read back differently (a
    paragraph "- x" is not a list, a literal "**x**" is not bold); kept whole as a last resort."""
    want = _canonical(_visible(n))
    for escape in (False, True):
        md = _block(n, escape)
        if not escape and md.startswith("<") and not md.startswith("<!--adf:"):
            continue  # may open an HTML block that runs into the blocks after it
        back = from_markdown(md)
        if back is not None and back["content"] == [want]:
            return md
    return _keep(n)


def _visible(n: dict[str, Any]) -> dict[str, Any]:
    """``n`` as its Markdown reads back: inline nodes Markdown cannot say as their closest
    text (:func:`_shown`), neighbouring text of one style joined."""
    if not isinstance(n.get("content"), list):
        return n
    out: list[dict[str, Any]] = []
    for child in n["content"]:
        c = _visible(child) if child.get("type") not in INLINE_NODES else (
            child if _plain(child) else _shown(child) or child)
        last = out[-1] if out else None
        if last is not None and last.get("type") == c.get("type") == "text" and \
                _canonical(last).get("marks") == _canonical(c).get("marks"):
            out[-1] = {**last, "text": last["text"] + c["text"]}
        else:
            out.append(c)
    return {**n, "content": out}


def _marker(md: str) -> str | None:
    """The bullet (``-``, ``*``) or number delimiter (``.``, ``)``) of a list's Markdown."""
    m = re.match(r"([-*])(?: |$)|\d+([.)])(?: |$)", md, re.M)
    return (m.group(1) or m.group(2)) if m else None


def _apart(previous: str, md: str) -> str:
    """A list right after a list of the same kind is written with the other bullet (``*``
    for ``-``, ``)`` for ``.``): with the same one, Markdown reads the two as one list."""
    mark = _marker(md)
    if mark is None or mark != _marker(previous):
        return md
    if mark == "-":
        return re.sub(r"^-(?= |$)", "*", md, flags=re.M)
    return re.sub(r"^(\d+)\.(?= |$)", r"\1)", md, flags=re.M) if mark == "." else md


def to_markdown(doc: dict[str, Any] | None) -> str | None:
    if not doc:
        return None
    blocks: list[str] = []
    for n in doc.get("content", []):
        md = _markdown_block(n)
        blocks.append(_apart(blocks[-1], md) if blocks else md)
    return "\n\n".join(blocks) or None


# -- Markdown -> ADF ------------------------------------------------------------------------------


MARK_ORDER = {"code": 0, "strike": 1, "strong": 2, "em": 3, "link": 4}


def _nodes(spans: list[Span]) -> list[dict[str, Any]]:
    """Spans as ADF inline nodes: text with its marks (in one order), hard breaks, and the
    nodes kept in ``<!--adf:...-->`` comments; other inline HTML is the text typed."""
    out: list[dict[str, Any]] = []
    for span in spans:
        if span.kind == "break":
            out.append({"type": "hardBreak"})
            continue
        whole = KEEP.fullmatch(span.text) if span.kind == "html" else None
        kept = _kept(whole.group(1)) if whole else None
        if kept is not None:
            out.append(kept)
            continue
        node: dict[str, Any] = {"type": "text", "text": span.text}
        marks: list[dict[str, Any]] = [{"type": m} for m in span.marks]
        if span.link is not None:
            attrs = {"href": span.link} | ({"title": span.title} if span.title else {})
            marks.append({"type": "link", "attrs": attrs})
        if marks:
            node["marks"] = sorted(marks, key=lambda m: MARK_ORDER.get(m["type"], 9))
        last = out[-1] if out else None
        if last is not None and last.get("type") == "text" and last.get("marks") == node.get(
                "marks"):
            last["text"] += node["text"]  # typed HTML continues its text
        else:
            out.append(node)
    return out


#: what an empty list item or quote holds: ADF wants one or more nodes there
_EMPTY: dict[str, Any] = {"type": "paragraph", "content": []}


def _adf(block: dict[str, Any]) -> dict[str, Any]:
    kind = block["kind"]
    if kind == "heading":
        return {"type": "heading", "attrs": {"level": block["level"]},
                "content": _nodes(block["spans"])}
    if kind in ("bullet_list", "ordered_list"):
        node: dict[str, Any] = {
            "type": "bulletList" if kind == "bullet_list" else "orderedList",
            "content": [{"type": "listItem", "content": [_adf(b) for b in item] or [_EMPTY]}
                        for item in block["items"]]}
        if block.get("start", 1) != 1:
            node["attrs"] = {"order": block["start"]}
        return node
    if kind == "quote":
        return {"type": "blockquote", "content": [_adf(b) for b in block["blocks"]] or [_EMPTY]}
    if kind == "code":
        code: dict[str, Any] = {"type": "codeBlock", "content": [
            {"type": "text", "text": block["text"]}] if block["text"] else []}
        if block["lang"]:
            code["attrs"] = {"language": block["lang"]}
        return code
    if kind == "rule":
        return {"type": "rule"}
    if kind == "html":  # a kept block node, or a paragraph that starts with HTML
        nodes = _nodes(markdown.parse_inline(block["text"]))
        if len(nodes) == 1 and nodes[0].get("type") not in INLINE_NODES:
            return nodes[0]
        return {"type": "paragraph", "content": nodes}
    return {"type": "paragraph", "content": _nodes(block["spans"])}


def from_markdown(md: str | None) -> dict[str, Any] | None:
    if not md:
        return None
    return {"type": "doc", "version": 1, "content": [_adf(b) for b in markdown.parse(md)]}


# -- keeping what Markdown cannot say ---------------------------------------------------------


PLAIN_NODES = {"doc", "paragraph", "text", "heading", "bulletList", "orderedList", "listItem",
               "blockquote", "codeBlock", "rule", "hardBreak"}


def _all_plain(n: dict[str, Any]) -> bool:
    if n.get("type") not in PLAIN_NODES or (n.get("type") == "text" and not _plain(n)):
        return False
    return all(_all_plain(c) for c in n.get("content") or [] if isinstance(c, dict))


def lossy(doc: dict[str, Any] | None, md: str | None = None) -> bool:
    """Whether the document holds what its Markdown (``md``, when already made) shows only
    as text (a mention, an emoji, a colour...): what :func:`merge` keeps."""
    if not doc or _all_plain(doc):
        return False
    return from_markdown(to_markdown(doc) if md is None else md) != _canonical(doc)


def merge(old: dict[str, Any] | None, md: str | None) -> dict[str, Any] | None:
    """The document to write for ``md`` where ``old`` is there now: a top-level block whose
    Markdown is unchanged stays exactly as it was (its mentions, colours, emoji); the others
    are read from ``md`` (where a changed block held a mention, it is now its text)."""
    new = from_markdown(md)
    if not old or new is None or not old.get("content"):
        return new
    before = [_markdown_block(n) for n in old["content"]]
    after = [_markdown_block(n) for n in new["content"]]
    content = list(new["content"])
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, a0, _, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(b1 - b0):
                content[b0 + k] = old["content"][a0 + k]
    return {**new, "content": content}
