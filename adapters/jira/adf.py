"""Atlassian Document Format (Jira v3 ``description``) <-> Markdown.

Covered both ways: paragraphs, headings (``#``..``######``), bullet and numbered lists (one
level), code blocks (with language), hard breaks, and text marks bold, italic, inline code
and links. A node or mark synchub does not know (a table, a panel, a mention, a colour) is
not dropped: it is carried through Markdown as an HTML comment holding its JSON
(``<!--adf:{...}-->``), which Markdown renderers hide and the way back restores, so a
round trip through another service never loses the user's table.
"""

from __future__ import annotations

import json
import re
from typing import Any

KEEP = re.compile(r"<!--adf:(.*?)-->", re.S)
INLINE = re.compile(r"<!--adf:(?P<keep>.*?)-->|\*\*(?P<b>.+?)\*\*"
                    r"|(?<![*\w])\*(?P<i>[^*\s][^*]*?)\*(?![*\w])"
                    r"|`(?P<c>[^`]+)`|\[(?P<lt>[^\]]+)\]\((?P<lu>[^)\s]+)\)")
KNOWN_MARKS = {"strong", "em", "code", "link"}


def _keep(node: Any) -> str:
    return "<!--adf:" + json.dumps(node, separators=(",", ":"), sort_keys=True) + "-->"


# -- ADF -> Markdown ------------------------------------------------------------------------------


def _inline(nodes: list[dict[str, Any]]) -> str:
    out = []
    for n in nodes or []:
        kind = n.get("type")
        if kind == "hardBreak":
            out.append("  \n")
            continue
        if kind != "text" or any(m.get("type") not in KNOWN_MARKS for m in n.get("marks", [])):
            out.append(_keep(n))
            continue
        text = n.get("text", "")
        marks = {m["type"]: m for m in n.get("marks", [])}
        if "code" in marks:
            text = f"`{text}`"
        if "strong" in marks:
            text = f"**{text}**"
        if "em" in marks:
            text = f"*{text}*"
        if "link" in marks:
            text = f"[{text}]({marks['link']['attrs']['href']})"
        out.append(text)
    return "".join(out)


def _block(n: dict[str, Any]) -> str:
    kind = n.get("type")
    if kind == "paragraph":
        return _inline(n.get("content", []))
    if kind == "heading":
        level = int(n.get("attrs", {}).get("level", 1))
        return "#" * level + " " + _inline(n.get("content", []))
    if kind in ("bulletList", "orderedList"):
        lines = []
        for i, item in enumerate(n.get("content", []), 1):
            inner = item.get("content", [])
            if len(inner) != 1 or inner[0].get("type") != "paragraph" or item.get("attrs"):
                return _keep(n)  # nested lists etc.: kept whole
            bullet = "-" if kind == "bulletList" else f"{i}."
            lines.append(f"{bullet} {_inline(inner[0].get('content', []))}")
        if kind == "orderedList" and n.get("attrs", {}).get("order", 1) != 1:
            return _keep(n)
        return "\n".join(lines)
    if kind == "codeBlock":
        lang = (n.get("attrs") or {}).get("language") or ""
        text = "".join(t.get("text", "") for t in n.get("content", []))
        return f"```{lang}\n{text}\n```"
    return _keep(n)


def to_markdown(doc: dict[str, Any] | None) -> str | None:
    if not doc:
        return None
    blocks = [_block(n) for n in doc.get("content", [])]
    return "\n\n".join(blocks) or None


# -- Markdown -> ADF ------------------------------------------------------------------------------


def _text_nodes(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line_no, line in enumerate(text.split("  \n")):
        if line_no:
            out.append({"type": "hardBreak"})
        pos = 0
        for m in INLINE.finditer(line):
            if m.start() > pos:
                out.append({"type": "text", "text": line[pos:m.start()]})
            if m.group("keep") is not None:
                out.append(json.loads(m.group("keep")))
            elif m.group("b") is not None:
                out.append({"type": "text", "text": m.group("b"), "marks": [{"type": "strong"}]})
            elif m.group("i") is not None:
                out.append({"type": "text", "text": m.group("i"), "marks": [{"type": "em"}]})
            elif m.group("c") is not None:
                out.append({"type": "text", "text": m.group("c"), "marks": [{"type": "code"}]})
            else:
                out.append({"type": "text", "text": m.group("lt"), "marks": [
                    {"type": "link", "attrs": {"href": m.group("lu")}}]})
            pos = m.end()
        if pos < len(line):
            out.append({"type": "text", "text": line[pos:]})
    return out


def _split_blocks(md: str) -> list[str]:
    """Blank-line separated blocks, but a fenced code block stays one block."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    for line in md.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def from_markdown(md: str | None) -> dict[str, Any] | None:
    if not md:
        return None
    content: list[dict[str, Any]] = []
    for block in _split_blocks(md):
        whole = KEEP.fullmatch(block.strip())
        if whole:
            content.append(json.loads(whole.group(1)))
            continue
        lines = block.split("\n")
        if block.startswith("```") and block.rstrip().endswith("```"):
            lang = lines[0][3:].strip()
            node: dict[str, Any] = {"type": "codeBlock", "content": [
                {"type": "text", "text": "\n".join(lines[1:-1])}]}
            if lang:
                node["attrs"] = {"language": lang}
            content.append(node)
        elif re.match(r"#{1,6} ", block) and len(lines) == 1:
            level = len(block) - len(block.lstrip("#"))
            content.append({"type": "heading", "attrs": {"level": level},
                            "content": _text_nodes(block[level + 1:])})
        elif all(re.match(r"- ", line) for line in lines):
            content.append({"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph",
                                                  "content": _text_nodes(line[2:])}]}
                for line in lines]})
        elif all(re.match(r"\d+\. ", line) for line in lines):
            content.append({"type": "orderedList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": _text_nodes(
                    line.split(". ", 1)[1])}]} for line in lines]})
        else:
            content.append({"type": "paragraph", "content": _text_nodes(block)})
    return {"type": "doc", "version": 1, "content": content}
