"""Text fields across Jira's API versions: v3 holds a description or a comment as an
Atlassian document (ADF), v2 as a string (wiki markup). The emulator stores documents;
a v2 write of a string becomes a plain document (paragraphs at blank lines, a line break at
each other newline) and a v2 read flattens the document to its text with the block
structure wiki markup gives it (``h1.``, ``*`` and ``#`` list items, ``{code}``). Marks
(bold, links) are dropped: v2 readers (bugwarrior) take the text, not the styling."""

from __future__ import annotations

from typing import Any


def plain_doc(text: str) -> dict[str, Any]:
    """A string as the one-style document Jira stores for it."""
    paragraphs = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        content: list[dict[str, Any]] = []
        for n, line in enumerate(block.split("\n")):
            if n:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _inline(nodes: list[Any]) -> str:
    out = []
    for n in nodes:
        if not isinstance(n, dict):
            continue
        if n.get("type") == "text":
            out.append(str(n.get("text") or ""))
        elif n.get("type") == "hardBreak":
            out.append("\n")
        elif n.get("type") == "mention":
            out.append(f"[~accountid:{(n.get('attrs') or {}).get('id', '')}]")
        else:
            out.append(_inline(n.get("content") or []))
    return "".join(out)


def _block(n: dict[str, Any], bullet: str = "") -> str:
    kind, content = n.get("type"), n.get("content") or []
    if kind in ("bulletList", "orderedList"):
        mark = bullet + ("*" if kind == "bulletList" else "#")
        return "\n".join(_block(item, mark) for item in content if isinstance(item, dict))
    if kind == "listItem":
        parts = [_block(c, bullet) for c in content if isinstance(c, dict)]
        return "\n".join(p if p.startswith(bullet) else f"{bullet} {p}" for p in parts)
    if kind == "heading":
        return f"h{(n.get('attrs') or {}).get('level', 1)}. {_inline(content)}"
    if kind == "codeBlock":
        return "{code}\n" + _inline(content) + "\n{code}"
    if kind in ("paragraph", "blockquote", "panel") or content:
        inner = [c for c in content if isinstance(c, dict)]
        if all(c.get("type") in ("text", "hardBreak", "mention", "emoji") for c in inner):
            return _inline(inner)
        return "\n\n".join(_block(c, bullet) for c in inner)
    return _inline([n])


def doc_text(doc: Any) -> str | None:
    """A stored document as API v2 answers it: a string (None for no document)."""
    if doc is None or isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return str(doc)
    return "\n\n".join(_block(b) for b in doc.get("content") or [] if isinstance(b, dict))
