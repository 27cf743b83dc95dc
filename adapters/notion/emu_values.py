"""The emulator's property values: what Notion accepts in a page's create or update and what it
stores and answers with. Each value is checked against its property's type as Notion checks it
(a number is a number, a title an array of rich text, a date an ISO 8601 one...); a status or
select option must exist (selects and multi-selects add unknown options, as Notion does, into
a copy of the schema the caller commits once the whole request is valid); people must be known
users; relations are checked by :mod:`adapters.notion.emu_relations`. A page's ``icon`` and
``cover`` are here too.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

from adapters.notion import emu_relations
from adapters.notion.emu_dates import date
from adapters.notion.emu_errors import bad, boolean, bounded, invalid, obj, shown
from adapters.notion.emu_richtext import rich

Schema = dict[str, dict[str, Any]]
Users = dict[str, Any]

#: every type a Notion property can have (a value naming another type than its property's
#: is Notion's "X is expected to be Y")
KINDS = frozenset({
    "title", "rich_text", "number", "select", "multi_select", "status", "date", "people",
    "files", "checkbox", "url", "email", "phone_number", "relation", "formula", "rollup",
    "created_time", "created_by", "last_edited_time", "last_edited_by", "unique_id",
    "verification", "place", "button"})


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
        raise bad("an icon or cover should be one of "
                  f"{', '.join(ICON_TYPES)}, instead was `{given}`.")
    return {"type": kind, kind: given[kind]}


def empty(schema: dict[str, Any]) -> Any:
    """A property's value on a page that never set it (also on pages that existed before the
    property was added): a status gets its first option, as in Notion."""
    kind = schema["type"]
    if kind == "status":
        return next(iter(schema["status"]["options"]), None)
    return {"title": [], "rich_text": [], "multi_select": [], "people": [], "relation": [],
            "checkbox": False}.get(kind)


def blank(spec: dict[str, Any]) -> dict[str, Any]:
    """A property's whole value on a page that never set it (:func:`empty`); a relation's
    carries ``has_more``, as Notion's does."""
    return _value(spec, empty(spec))


def _value(spec: dict[str, Any], stored: Any) -> dict[str, Any]:
    kind = spec["type"]
    out = {"id": spec["id"], "type": kind, kind: stored}
    if kind == "relation":
        out["has_more"] = False  # all of it is stored; answers show part (emu_relations)
    return out


def values(schema: Schema, given: Any, users: Users) -> tuple[dict[str, Any], Schema]:
    """The stored values of the properties a create or update gives (by name or id), and the
    schema they need: a copy holding the select options they add. Nothing is changed: the
    caller commits both (:func:`commit_options`) once the whole request is valid."""
    draft = copy.deepcopy(schema)
    out: dict[str, Any] = {}
    for key, raw in obj(given, "body.properties").items():
        name = key if key in draft else next((n for n, s in draft.items() if s["id"] == key),
                                             None)
        if name is None:
            raise invalid(f"{key} is not a property that exists.")
        out[name] = value(draft[name], name, raw, users)
    return out, draft


def commit_options(schema: Schema, draft: Schema) -> None:
    """The select and multi-select options a write added (:func:`values`) into its schema."""
    for name, spec in draft.items():
        kind = spec["type"]
        if kind in ("select", "multi_select") and name in schema \
                and schema[name][kind]["options"] != spec[kind]["options"]:
            schema[name][kind]["options"] = spec[kind]["options"]


def value(spec: dict[str, Any], name: str, given: Any, users: Users) -> dict[str, Any]:
    """The stored value of property ``name`` (``spec``, which gains any select option the value
    adds) written as ``given``: ``{"number": 3}`` (or the bare ``3``)."""
    kind = spec["type"]
    raw = given
    if isinstance(given, dict):
        if kind in given:
            raw = given[kind]
        elif any(k in KINDS for k in given):
            raise invalid(f"{name} is expected to be {kind}.")
    read = READERS.get(kind, _as_is)
    return _value(spec, read(spec, name, raw, users))


#: a type's check of a value given for property ``name`` (its spec) -> the value stored
Reader = Callable[[dict[str, Any], str, Any, Users], Any]


def _where(spec: dict[str, Any], name: str) -> str:
    return f"body.properties.{name}.{spec['type']}"


def _as_is(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    return raw


def _rich(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    return rich(raw, lambda kind, ident: (users.get(ident) or {}).get("name")
                if kind == "user" else None, _where(spec, name))


def _choice(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    if raw is None:
        if spec["type"] == "status":
            raise invalid("Status cannot be empty.")
        return None
    where = _where(spec, name)
    return _option(spec, obj(raw, where, optional=False), where)


def _choices(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    where = _where(spec, name)
    return [_option(spec, obj(o, f"{where}[{i}]", optional=False), f"{where}[{i}]")
            for i, o in enumerate(bounded(raw, where))]  # 100 options a request at most


def _option(spec: dict[str, Any], given: dict[str, Any], where: str) -> dict[str, Any]:
    """The option a value names (by name, or by id); a select or multi-select gains an
    unknown name as a new option, a status refuses it."""
    kind = spec["type"]
    options: list[dict[str, Any]] = spec[kind]["options"]
    if "name" not in given and "id" in given:
        found = next((o for o in options if o["id"] == given["id"]), None)
        if found is None:
            raise invalid(f"Invalid {kind} option id: {given['id']}.")
        return found
    name = given.get("name")
    if not isinstance(name, str):
        raise bad(f"{where}.name should be a string, instead was `{shown(name)}`.")
    found = next((o for o in options if o["name"] == name), None)
    if found is not None:
        return found
    if kind == "status":
        raise invalid(f"Invalid status option. Status option \"{name}\" does not exist\".")
    if "," in name:  # Notion's UI splits a typed option at commas; the API refuses one
        raise invalid(f"Invalid select option, commas not allowed: {name}")
    added = {"id": str(uuid.uuid4())[:8], "name": name, "color": "default"}
    options.append(added)
    return added


def _people(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    where = _where(spec, name)
    people = [obj(p, f"{where}[{i}]", optional=False)
              for i, p in enumerate(bounded(raw, where))]  # 100 users a request at most
    if any(p.get("id") not in users for p in people):
        raise invalid("Invalid user id.")
    return [{"object": "user", "id": p["id"]} for p in people]


def _date(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    return None if raw is None else date(name, raw, _where(spec, name))


def _number(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
        raise invalid(f"{name} is expected to be number.")
    return raw


def _url(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    if raw is not None and not isinstance(raw, str):
        raise invalid(f"{name} is expected to be url.")
    return raw or None


def _relation(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    return emu_relations.read(raw, _where(spec, name))


def _checkbox(spec: dict[str, Any], name: str, raw: Any, users: Users) -> Any:
    return boolean(raw, _where(spec, name))


READERS: dict[str, Reader] = {
    "title": _rich, "rich_text": _rich, "select": _choice, "status": _choice,
    "multi_select": _choices, "people": _people, "date": _date, "number": _number,
    "url": _url, "checkbox": _checkbox, "relation": _relation}
