"""Rich text in the Notion emulator, as Notion takes and stores it: text (with its link),
equations and mentions (of a user, page, database, date or link), annotations filled in. A text
element holds at most 2,000 characters, counted as Notion (JavaScript) counts them, in UTF-16
code units, an array at most 100 elements (Notion's size limits: a 400 ``validation_error``
beyond either)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.notion.emu_dates import date
from adapters.notion.emu_errors import bad, bounded, obj, shown, uuid_of

TEXT_LIMIT = 2000
RICH_TYPES = ("text", "mention", "equation")
MENTIONS = ("user", "page", "database", "date", "link_preview")
ANNOTATIONS = ("bold", "italic", "strikethrough", "underline", "code")

#: a name the plain text of a mention shows: (``"user"``/``"page"``/``"database"``, id) -> it
Names = Callable[[str, str], str | None]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _annotations() -> dict[str, Any]:
    return {"bold": False, "italic": False, "strikethrough": False, "underline": False,
            "code": False, "color": "default"}


def text(content: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content, "link": None},
            "annotations": _annotations(), "plain_text": content, "href": None}


def rich(value: Any, names: Names | None = None, where: str = "rich_text"
         ) -> list[dict[str, Any]]:
    """Rich text as Notion stores and answers it (``where``: what the request calls it, for
    the 400 a malformed element is)."""
    out = []
    for i, part in enumerate(bounded(value, where)):  # at most 100 elements
        if not isinstance(part, dict):
            raise bad("a rich text element should be an object, instead was "
                      f"`{shown(part)}`.")
        kind = part.get("type") or next((k for k in RICH_TYPES if k in part), "text")
        item: dict[str, Any]
        if kind == "equation":
            item = _equation(obj(part.get("equation"), f"{where}[{i}].equation"))
        elif kind == "mention":
            item = _mention(obj(part.get("mention"), f"{where}[{i}].mention"),
                            names or (lambda kind, ident: None))
        elif kind == "text":
            item = _text_element(obj(part.get("text"), f"{where}[{i}].text"), f"{where}[{i}]")
        else:
            raise bad(f"a rich text element is one of {', '.join(RICH_TYPES)}, instead was "
                      f"`{kind}`.")
        item["annotations"].update(_given_annotations(part.get("annotations"),
                                                      f"{where}[{i}].annotations"))
        out.append(item)
    return out


def _given_annotations(given: Any, where: str) -> dict[str, Any]:
    """The annotations a request sets: booleans, and a colour."""
    given = obj(given, where)
    for key, flag in given.items():
        if key == "color":
            if not isinstance(flag, str):
                raise bad(f"{where}.color should be a string, instead was `{shown(flag)}`.")
            continue
        if key not in ANNOTATIONS:
            raise bad(f"{where}.{key} should be not present, instead was `{shown(flag)}`.")
        if not isinstance(flag, bool):
            raise bad(f"{where}.{key} should be a boolean, instead was `{shown(flag)}`.")
    return given


def _equation(given: dict[str, Any]) -> dict[str, Any]:
    expression = str(given.get("expression", ""))
    return {"type": "equation", "equation": {"expression": expression},
            "annotations": _annotations(), "plain_text": expression, "href": None}


def _text_element(given: dict[str, Any], where: str) -> dict[str, Any]:
    content = given.get("content", "")
    if not isinstance(content, str):
        raise bad(f"{where}.text.content should be a string, instead was `{shown(content)}`.")
    if utf16_len(content) > TEXT_LIMIT:
        raise bad(f"text.content.length should be ≤ `{TEXT_LIMIT}`, instead was "
                  f"`{utf16_len(content)}`.")
    item = text(content)
    link = obj(given.get("link"), f"{where}.text.link")
    if link:
        if not isinstance(link.get("url"), str):
            raise bad(f"{where}.text.link.url should be a string, instead was "
                      f"`{shown(link.get('url'))}`.")
        item["text"]["link"] = {"url": link["url"]}
        item["href"] = link["url"]
    return item


def _mention(given: dict[str, Any], names: Names) -> dict[str, Any]:
    """A mention as Notion answers it; its plain text is what Notion shows (``@`` and the
    user's name, the page's title, the date), its ``href`` the link it opens."""
    kind = given.get("type") or next((k for k in MENTIONS if k in given), None)
    if kind not in MENTIONS or not isinstance(given.get(kind), dict):
        raise bad(f"a mention is one of {', '.join(MENTIONS)}, instead was `{given}`.")
    raw = given[kind]
    href: str | None = None
    if kind == "date":
        inner: dict[str, Any] = date("mention", raw, "mention.date")
        plain = inner["start"] + (f" → {inner['end']}" if inner["end"] else "")
    elif kind == "link_preview":
        inner, plain = {"url": str(raw.get("url", ""))}, str(raw.get("url", ""))
        href = plain
    else:
        ident = uuid_of(f"body.mention.{kind}.id", str(raw.get("id", "")))
        name = names(kind, ident)
        if kind == "user":
            inner, plain = {"object": "user", "id": ident}, f"@{name or 'Anonymous'}"
        else:
            inner, plain = {"id": ident}, name or "Untitled"
            href = f"https://www.notion.so/{ident.replace('-', '')}"
    return {"type": "mention", "mention": {"type": kind, kind: inner},
            "annotations": _annotations(), "plain_text": plain, "href": href}
