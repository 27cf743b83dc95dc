"""Atlassian Document Format (Jira v3 ``description``) <-> Markdown.

Covered both ways: paragraphs, headings (``#``..``######``), bullet and numbered lists (one
level), code blocks (with language), hard breaks, and text marks bold, italic, inline code
and links, nested (``[**x**](u)``, ``**_x_**``). Text is written as typed and escaped only
where it would otherwise read back as formatting (a paragraph "- x", a literal "**").
A node or mark synchub does not know (a table, a panel, a mention, a colour) is not dropped:
it is carried through Markdown as an HTML comment holding its JSON (``<!--adf:{...}-->``),
which Markdown renderers hide and the way back restores, so a round trip through another
service never loses the user's table.
"""

from __future__ import annotations

import json
import re
from typing import Any

KEEP = re.compile(r"<!--adf:(.*?)-->", re.S)
INLINE = re.compile(r"\\(?P<esc>[\\`*_\[\]()#.!<>-])"
                    r"|<!--adf:(?P<keep>.*?)-->"
                    r"|\*\*(?P<b>.+?)(?<!\\)\*\*"
                    r"|(?<![*\w\\])\*(?P<i>(?:\\.|[^*\s\\])(?:\\.|[^*\\])*?)\*(?![*\w])"
                    r"|(?<![_\w\\])_(?P<u>(?:\\.|[^_\s\\])(?:\\.|[^_\\])*?)_(?![_\w])"
                    r"|`(?P<c>[^`]+)`"
                    r"|\[(?P<lt>(?:\\.|[^\]\\])+)\]\((?:<(?P<la>[^>\s]+)>|(?P<lu>[^)\s<]+))\)")
KNOWN_MARKS = {"strong", "em", "code", "link"}
SPECIAL = re.compile(r"([\\`*_\[\]])")
BLOCK_START = re.compile(r"^(#|-|\d+\.)")


def _kept(text: str) -> dict[str, Any] | None:
    """The node a ``<!--adf:...-->`` comment holds, or None when it holds no node (someone
    typed such a comment by hand): that is text, and must not crash a round."""
    try:
        node = json.loads(text)
    except ValueError:
        return None
    return node if isinstance(node, dict) and isinstance(node.get("type"), str) else None


def _keep(node: Any) -> str:
    return "<!--adf:" + json.dumps(node, separators=(",", ":"), sort_keys=True) + "-->"


# -- ADF -> Markdown ------------------------------------------------------------------------------


def _plain(n: dict[str, Any]) -> bool:
    """A text node this module can write as Markdown and read back unchanged."""
    marks = n.get("marks", [])
    return n.get("type") == "text" and all(
        m.get("type") in KNOWN_MARKS and set(m) <= {"type", "attrs"} and (
            (m["type"] != "link" and not m.get("attrs"))
            or (m["type"] == "link" and set(m.get("attrs", {})) == {"href"}))
        for m in marks) and len({m["type"] for m in marks}) == len(marks)


def _inline(nodes: list[dict[str, Any]], escape: bool = False) -> str:
    out = []
    for n in nodes or []:
        kind = n.get("type")
        if kind == "hardBreak" and set(n) == {"type"}:
            out.append("  \n")
            continue
        if not _plain(n):
            out.append(_keep(n))
            continue
        text = n.get("text", "")
        marks = {m["type"]: m for m in n.get("marks", [])}
        if escape and "code" not in marks:
            text = SPECIAL.sub(r"\\\1", text)
        if "code" in marks:
            text = f"`{text}`"
        if "strong" in marks:
            text = f"**{text}**"
        if "em" in marks:  # inside bold as _x_: "***x***" would not read back
            text = f"_{text}_" if "strong" in marks else f"*{text}*"
        if "link" in marks:
            href = marks["link"]["attrs"]["href"]
            text = f"[{text}](<{href}>)" if re.search(r"[()\s<]", href) else f"[{text}]({href})"
        out.append(text)
    return "".join(out)


def _block(n: dict[str, Any], escape: bool = False) -> str:
    kind = n.get("type")
    content = n.get("content", [])
    if kind == "paragraph" and content and not n.get("attrs"):
        text = _inline(content, escape)
        start = BLOCK_START.match(text) if escape else None
        if start:  # a paragraph that starts like a heading or a list item
            mark = start.group(1)
            text = (mark[:-1] + "\\." if mark[0].isdigit() else "\\" + mark) + text[len(mark):]
        return text
    if kind == "heading" and content and set(n.get("attrs", {})) == {"level"} and not any(
            c.get("type") == "hardBreak" for c in content):
        level = int(n.get("attrs", {}).get("level", 1))
        return "#" * level + " " + _inline(content, escape)
    if kind in ("bulletList", "orderedList"):
        lines = []
        for i, item in enumerate(content, 1):
            inner = item.get("content", [])
            if len(inner) != 1 or inner[0].get("type") != "paragraph" or item.get("attrs") \
                    or not inner[0].get("content"):
                return _keep(n)  # nested lists etc.: kept whole
            bullet = "-" if kind == "bulletList" else f"{i}."
            lines.append(f"{bullet} {_inline(inner[0].get('content', []), escape)}")
        if (kind == "orderedList" and n.get("attrs", {}).get("order", 1) != 1) or not lines:
            return _keep(n)
        return "\n".join(lines)
    if kind == "codeBlock":
        lang = (n.get("attrs") or {}).get("language") or ""
        text = "".join(t.get("text", "") for t in content)
        if "```" not in text:
            return f"```{lang}\n{text}\n```"
    return _keep(n)


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
    for escape in (False, True):
        md = _block(n, escape)
        if n.get("type") != "codeBlock" and any(
                line.startswith("```") for line in md.split("\n")):
            continue  # would open a code fence that swallows the blocks after it
        back = from_markdown(md)
        if back is not None and back["content"] == [_canonical(n)]:
            return md
    return _keep(n)


def to_markdown(doc: dict[str, Any] | None) -> str | None:
    if not doc:
        return None
    blocks = [_markdown_block(n) for n in doc.get("content", [])]
    return "\n\n".join(blocks) or None


# -- Markdown -> ADF ------------------------------------------------------------------------------


MARK_ORDER = {"code": 0, "strong": 1, "em": 2, "link": 3}


def _with_mark(nodes: list[dict[str, Any]], mark: dict[str, Any]) -> list[dict[str, Any]]:
    for node in nodes:
        if node.get("type") == "text":
            node["marks"] = sorted([*node.get("marks", []), mark],
                                   key=lambda m: MARK_ORDER.get(m["type"], 9))
    return nodes


def _text_nodes(text: str) -> list[dict[str, Any]]:
    """Inline Markdown to ADF text nodes; marks nest (``[**x**](u)`` is bold and linked)."""
    out: list[dict[str, Any]] = []

    def emit(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            last = out[-1] if out else None
            if (last is not None and last.get("type") == node.get("type") == "text"
                    and last.get("marks", []) == node.get("marks", [])):
                last["text"] += node["text"]  # an escaped character continues its text
            else:
                out.append(node)

    for line_no, line in enumerate(text.split("  \n")):
        if line_no:
            out.append({"type": "hardBreak"})
        pos = 0
        for m in INLINE.finditer(line):
            if m.start() > pos:
                emit([{"type": "text", "text": line[pos:m.start()]}])
            if m.group("esc") is not None:
                emit([{"type": "text", "text": m.group("esc")}])
            elif m.group("keep") is not None:
                kept = _kept(m.group("keep"))
                if kept is None:  # a user's own text that merely looks like a kept node
                    emit([{"type": "text", "text": m.group(0)}])
                else:
                    out.append(kept)
            elif m.group("c") is not None:
                emit([{"type": "text", "text": m.group("c"), "marks": [{"type": "code"}]}])
            elif m.group("b") is not None:
                emit(_with_mark(_text_nodes(m.group("b")), {"type": "strong"}))
            elif m.group("i") is not None or m.group("u") is not None:
                emit(_with_mark(_text_nodes(m.group("i") or m.group("u")), {"type": "em"}))
            else:
                href = m.group("la") or m.group("lu")
                emit(_with_mark(_text_nodes(m.group("lt")),
                                {"type": "link", "attrs": {"href": href}}))
            pos = m.end()
        if pos < len(line):
            emit([{"type": "text", "text": line[pos:]}])
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
        kept = _kept(whole.group(1)) if whole else None
        if kept is not None:
            content.append(kept)
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
