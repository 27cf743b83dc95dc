"""A data source's properties in the Notion emulator: what ``PATCH /v1/data_sources/{id}``
does to them, and to every page of the data source.

Each key of ``properties`` names an existing property (by name or by id) or a new one. Its spec
is ``None`` (drop it), ``{"name": ...}`` (rename it: the id, type and configuration stay, and
every page's value moves to the new name, as Notion keeps them), ``{type: config}`` (add it, or
change its type or configuration: the id stays) or both (rename and change). A new property
needs a type. Pages always have every property: a new one empty, a dropped one gone, one whose
type changed emptied (Notion converts values where it can; no client of the emulator relies on
that).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion import emu_values
from adapters.notion.emu_values import NotionError

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

VALUE_TYPES = ("title", "rich_text", "select", "status", "multi_select", "date", "people",
               "checkbox", "url", "number")

#: a status property's three groups, as Notion names and colours them
GROUPS = (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))

Schema = dict[str, dict[str, Any]]


def _status_groups(given: list[dict[str, Any]], options: list[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
    """Which group each status option is in: as given (``"group": "Complete"``), else the
    first option To-do, the last Complete and the rest In progress (Notion's default
    Not started / In progress / Done)."""
    def group(i: int) -> str:
        named = given[i].get("group")
        if named:
            return str(named)
        return "To-do" if i == 0 else "Complete" if i == len(options) - 1 else "In progress"
    return [{"id": str(uuid.uuid5(uuid.NAMESPACE_OID, name))[:8], "name": name,
             "color": colour, "option_ids": [o["id"] for i, o in enumerate(options)
                                             if group(i) == name]}
            for name, colour in GROUPS]


def _config(kind: str, given: Any, current: dict[str, Any] | None) -> dict[str, Any]:
    """A property's configuration; an option keeps its id when it is named again, so the
    values pages hold stay valid."""
    config = dict(given or {})
    if kind in ("select", "status", "multi_select"):
        known = {o["name"]: o["id"] for o in (current or {}).get(kind, {}).get("options", [])
                 } if current is not None and current["type"] == kind else {}
        options = config.get("options", [])
        config["options"] = [{"id": known.get(o["name"]) or str(uuid.uuid4())[:8],
                              "name": o["name"], "color": o.get("color", "default")}
                             for o in options]
        if kind == "status":
            config["groups"] = _status_groups(options, config["options"])
    return config


def _entry(key: str, spec: dict[str, Any], current: dict[str, Any] | None,
           name: str) -> dict[str, Any]:
    kind = next((k for k in spec if k in VALUE_TYPES), None)
    if kind is None:
        if current is None:
            raise NotionError(400, "validation_error", f"body failed validation: property "
                              f"`{key}` does not exist, and a new property needs a type.")
        return {**current, "name": name}  # a rename: same id, type and configuration
    pid = current["id"] if current is not None else \
        "title" if kind == "title" else str(uuid.uuid4())[:8]
    return {"id": pid, "name": name, "description": (current or {}).get("description"),
            "type": kind, kind: _config(kind, spec[kind], current)}


def _find(schema: Schema, key: str) -> str | None:
    """The name of the property ``key`` names, by name or by id."""
    if key in schema:
        return key
    return next((n for n, p in schema.items() if p["id"] == key), None)


def _rekey(mapping: dict[str, Any], old: str, new: str) -> None:
    """Rename a key in place, keeping the order (a renamed property stays where it was)."""
    if old == new or old not in mapping:
        return
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


def update(emu: NotionEmulator, ds: str, props: dict[str, Any]) -> None:
    schema: Schema = emu.sources[ds]["properties"]
    pages = [p for p in emu.pages.values() if p["parent"].get("data_source_id") == ds]
    for key, spec in props.items():
        old = _find(schema, key)
        if spec is None:
            if old is not None:
                schema.pop(old)
            continue
        if not isinstance(spec, dict):
            raise NotionError(400, "validation_error", f"body failed validation: "
                              f"body.properties.{key} should be an object or `null`.")
        name = str(spec.get("name") or old or key)
        if name != old and name in schema:
            raise NotionError(400, "validation_error",
                              f"Cannot rename a property to `{name}`: that name is taken.")
        entry = _entry(key, spec, schema.get(old) if old is not None else None, name)
        if old is not None:
            _rekey(schema, old, name)
            for page in pages:
                _rekey(page["properties"], old, name)
        schema[name] = entry
    _fill(schema, pages)


def _fill(schema: Schema, pages: list[dict[str, Any]]) -> None:
    """Every page of the data source has every property: a new one empty, a dropped one
    gone (in retrieve, query results and filters alike), one whose type changed emptied."""
    for page in pages:
        values = page["properties"]
        for name in [n for n in values if n not in schema]:
            del values[name]
        for name, spec in schema.items():
            value = values.get(name, {})
            if (value.get("id"), value.get("type")) != (spec["id"], spec["type"]):
                values[name] = {"id": spec["id"], "type": spec["type"],
                                spec["type"]: emu_values.empty(spec)}
