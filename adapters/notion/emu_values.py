"""The emulator's property values: what Notion accepts in a create or update and what it
stores and answers with. Rich text elements hold at most 2,000 characters, counted as Notion
(JavaScript) counts them, in UTF-16 code units; a status or select option must exist (selects
and multi-selects add unknown options, as Notion does); people must be known users.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TEXT_LIMIT = 2000


class NotionError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(kind: str, ident: str) -> NotionError:
    """Notion's 404 for an id it does not know (or that is not shared with the integration)."""
    return NotionError(404, "object_not_found",
                       f"Could not find {kind} with ID: {ident}. Make sure the relevant "
                       "pages and databases are shared with your integration.")


def uuid_of(where: str, text: str) -> str:
    """An id as Notion takes it, with or without dashes, dashed; anything else is a 400
    naming where it was (``path.page_id``, ``query.block_id``) before any lookup."""
    bare = text.replace("-", "")
    try:
        if len(bare) == 32:
            return str(uuid.UUID(hex=bare))
    except ValueError:
        pass
    raise NotionError(400, "validation_error", f"{where.split('.')[0]} failed validation: "
                      f"{where} should be a valid uuid, instead was `\"{text}\"`.")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


#: a name the plain text of a mention shows: (``"user"``/``"page"``/``"database"``, id) -> it
Names = Callable[[str, str], str | None]


def _annotations() -> dict[str, Any]:
    return {"bold": False, "italic": False, "strikethrough": False, "underline": False,
            "code": False, "color": "default"}


def text(content: str) -> dict[str, Any]:
    return {"type": "text", "text": {"content": content, "link": None},
            "annotations": _annotations(), "plain_text": content, "href": None}


RICH_TYPES = ("text", "mention", "equation")
MENTIONS = ("user", "page", "database", "date", "link_preview")


def rich(value: Any, names: Names | None = None) -> list[dict[str, Any]]:
    """Rich text as Notion stores and answers it: text (with its link), equations and
    mentions (of a user, page, database, date or link), annotations filled in."""
    out = []
    for part in value or []:
        if not isinstance(part, dict):
            raise NotionError(400, "validation_error", "body failed validation: a rich text "
                              f"element should be an object, instead was `{part!r}`.")
        kind = part.get("type") or next((k for k in RICH_TYPES if k in part), "text")
        item: dict[str, Any]
        if kind == "equation":
            item = _equation(part.get("equation") or {})
        elif kind == "mention":
            item = _mention(part.get("mention") or {}, names or (lambda kind, ident: None))
        elif kind == "text":
            item = _text_element(part.get("text") or {})
        else:
            raise NotionError(400, "validation_error", "body failed validation: a rich text "
                              f"element is one of {', '.join(RICH_TYPES)}, instead was "
                              f"`{kind}`.")
        item["annotations"].update(part.get("annotations") or {})
        out.append(item)
    return out


def _equation(given: dict[str, Any]) -> dict[str, Any]:
    expression = str(given.get("expression", ""))
    return {"type": "equation", "equation": {"expression": expression},
            "annotations": _annotations(), "plain_text": expression, "href": None}


def _text_element(given: dict[str, Any]) -> dict[str, Any]:
    content = str(given.get("content", ""))
    if utf16_len(content) > TEXT_LIMIT:
        raise NotionError(400, "validation_error",
                          "body failed validation: text.content.length should be ≤ "
                          f"`{TEXT_LIMIT}`, instead was `{utf16_len(content)}`.")
    item = text(content)
    link = given.get("link")
    if link:
        item["text"]["link"] = {"url": link["url"]}
        item["href"] = link["url"]
    return item


def _mention(given: dict[str, Any], names: Names) -> dict[str, Any]:
    """A mention as Notion answers it; its plain text is what Notion shows (``@`` and the
    user's name, the page's title, the date), its ``href`` the link it opens."""
    kind = given.get("type") or next((k for k in MENTIONS if k in given), None)
    if kind not in MENTIONS or not isinstance(given.get(kind), dict):
        raise NotionError(400, "validation_error", "body failed validation: a mention is one "
                          f"of {', '.join(MENTIONS)}, instead was `{given}`.")
    raw = given[kind]
    href: str | None = None
    if kind == "date":
        inner: dict[str, Any] = date("mention", raw)
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


def title_of(obj: dict[str, Any]) -> str:
    """The plain title of a page (its title property) or a database or data source."""
    parts = obj.get("title")
    if parts is None:
        parts = next((p["title"] for p in obj.get("properties", {}).values()
                      if p.get("type") == "title"), [])
    return "".join(str(t.get("plain_text") or "") for t in parts or [])



ICON_TYPES = ("emoji", "external", "file", "custom_emoji")


def file_object(given: Any) -> dict[str, Any] | None:
    """A page's ``icon`` or ``cover`` as Notion stores and answers it: ``null`` clears it, the
    ``type`` is filled in from the one object given (``{"emoji": "🛴"}``)."""
    if given is None:
        return None
    kind = given.get("type") if isinstance(given, dict) else None
    kind = kind or next((k for k in ICON_TYPES if isinstance(given, dict) and k in given), None)
    if kind not in ICON_TYPES or not isinstance(given, dict) or kind not in given:
        raise NotionError(400, "validation_error", "body failed validation: an icon or cover "
                          f"should be one of {', '.join(ICON_TYPES)}, instead was `{given}`.")
    return {"type": kind, kind: given[kind]}


def empty(schema: dict[str, Any]) -> Any:
    """A property's value on a page that never set it (also on pages that existed before the
    property was added): a status gets its first option, as in Notion."""
    kind = schema["type"]
    if kind == "status":
        return next(iter(schema["status"]["options"]), None)
    return {"title": [], "rich_text": [], "multi_select": [], "people": [],
            "checkbox": False}.get(kind)


def _option(schema: dict[str, Any], kind: str, name: Any) -> dict[str, Any]:
    opts = {o["name"]: o for o in schema[kind]["options"]}
    if name not in opts:
        if kind == "status":
            raise NotionError(400, "validation_error", f"Invalid status option. Status option "
                              f"\"{name}\" does not exist\".")
        opts[name] = {"id": str(uuid.uuid4())[:8], "name": name, "color": "default"}
        schema[kind]["options"].append(opts[name])
    return opts[name]


def value(schema: dict[str, Any], name: str, given: Any, users: dict[str, Any]
          ) -> dict[str, Any]:
    """The stored value of property ``name`` (``schema``) written as ``given``."""
    kind = schema["type"]
    raw = given.get(kind) if isinstance(given, dict) and kind in given else given
    result: Any
    if kind in ("title", "rich_text"):
        result = rich(raw, lambda kind, ident: (users.get(ident) or {}).get("name")
                      if kind == "user" else None)
    elif kind in ("select", "status"):
        if raw is None:
            if kind == "status":
                raise NotionError(400, "validation_error", "Status cannot be empty.")
            result = None
        else:
            result = _option(schema, kind, raw.get("name"))
    elif kind == "multi_select":
        result = [_option(schema, kind, o["name"]) for o in raw or []]
    elif kind == "people":
        for p in raw or []:
            if p.get("id") not in users:
                raise NotionError(400, "validation_error", "Invalid user id.")
        result = [{"object": "user", "id": p["id"]} for p in raw or []]
    elif kind == "date":
        result = None if raw is None else date(name, raw)
    elif kind == "number":
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise NotionError(400, "validation_error", f"{name} is expected to be number.")
        result = raw
    elif kind == "url":
        if raw is not None and not isinstance(raw, str):
            raise NotionError(400, "validation_error", f"{name} is expected to be url.")
        result = raw or None
    else:
        result = raw
    return {"id": schema["id"], "type": kind, kind: result}


def _datetime(name: str, text: Any, zone: str | None) -> str:
    """A date value's ``start``/``end`` as Notion answers it: a date stays a date; a time is
    rendered with its UTC offset (a wall-clock time in ``zone``, or UTC without one)."""
    if not isinstance(text, str):
        raise NotionError(400, "validation_error", f"{name}.date.start should be a string.")
    try:
        if len(text) == 10:
            if zone:
                raise NotionError(400, "validation_error", "Dates with a time_zone must "
                                  "include a time.")
            return dt.date.fromisoformat(text).isoformat()
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NotionError(400, "validation_error",
                          f"{text!r} is not a valid ISO 8601 date.") from None
    if value.tzinfo is not None and zone:
        raise NotionError(400, "validation_error", "Dates with a time_zone cannot also have "
                          "a UTC offset in start or end.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone) if zone else dt.UTC)
    return value.isoformat(timespec="milliseconds")


def date(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Notion's rules for a date value: ``time_zone`` (an IANA name) only with wall-clock times
    and never with an offset; answered with offsets and ``time_zone: null``."""
    zone = raw.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise NotionError(400, "validation_error",
                              f"{zone!r} is not a valid time zone.") from None
    start = _datetime(name, raw.get("start"), zone)
    end = _datetime(name, raw["end"], zone) if raw.get("end") else None
    return {"start": start, "end": end, "time_zone": None}


def moment(text: str) -> dt.datetime:
    """A stored ``start``/``end`` (or a filter's date) as an aware instant; a bare date is
    its midnight UTC, as Notion compares dates without a zone."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
