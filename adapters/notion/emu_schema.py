"""A data source's properties in the Notion emulator: what ``PATCH /v1/data_sources/{id}``
does to them, and to every page of the data source.

Each key of ``properties`` names an existing property (by name or by id) or a new one. Its spec
is ``None`` (drop it), ``{"name": ...}`` (rename it: the id, type and configuration stay, and
every page's value moves to the new name, as Notion keeps them), ``{type: config}`` (add it, or
change its type or configuration: the id stays) or both (rename and change). A new property
needs a type. Pages always have every property: a new one empty, a dropped one gone, one whose
type changed emptied (Notion converts values where it can; no client of the emulator relies on
that). A data source has exactly one title property: it cannot be dropped or given another
type, and no second one can be added. Relation properties, and the synced property Notion
adds for a two-way one, are :mod:`adapters.notion.emu_relations`. The whole request is checked
(on a copy of the schema) before the data source or any page changes: a 400 changes nothing.
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion import emu_relations, emu_values
from adapters.notion.emu_errors import array, bad, invalid, obj, shown

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

VALUE_TYPES = ("title", "rich_text", "select", "status", "multi_select", "date", "people",
               "checkbox", "url", "number", "relation")

#: a status property's three groups, as Notion names and colours them
GROUPS = (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))

Schema = dict[str, dict[str, Any]]


def _status_groups(given: list[dict[str, Any]], options: list[dict[str, Any]], where: str
                   ) -> list[dict[str, Any]]:
    """Which group each status option is in: as given (``"group": "Complete"``), else the
    first option To-do, the last Complete and the rest In progress (Notion's default
    Not started / In progress / Done)."""
    names = [name for name, _ in GROUPS]

    def group(i: int) -> str:
        named = given[i].get("group")
        if named:
            if named not in names:
                raise bad(f"{where}.options[{i}].group should be one of {', '.join(names)}, "
                          f"instead was `{shown(named)}`.")
            return str(named)
        return "To-do" if i == 0 else "Complete" if i == len(options) - 1 else "In progress"
    chosen = [group(i) for i in range(len(options))]
    return [{"id": str(uuid.uuid5(uuid.NAMESPACE_OID, name))[:8], "name": name,
             "color": colour, "option_ids": [o["id"] for o, g in zip(options, chosen,
                                                                      strict=True)
                                             if g == name]}
            for name, colour in GROUPS]


def _options(kind: str, given: Any, current: dict[str, Any] | None, where: str
             ) -> list[dict[str, Any]]:
    """A select's, multi-select's or status's options as given: each named (or an existing
    one by id); an option keeps its id when it is named again, so the values pages hold stay
    valid."""
    old = current[kind].get("options", []) if current is not None \
        and current["type"] == kind else []
    by_name = {o["name"]: o["id"] for o in old}
    by_id = {o["id"]: o["name"] for o in old}
    options = []
    for i, option in enumerate(array(given, f"{where}.options")):
        option = obj(option, f"{where}.options[{i}]", optional=False)
        name = option.get("name", by_id.get(option.get("id")))
        if not isinstance(name, str):
            raise bad(f"{where}.options[{i}].name should be " + (
                f"a string, instead was `{shown(name)}`." if "name" in option
                else "defined, instead was `undefined`."))
        colour = option.get("color", "default")
        if not isinstance(colour, str):
            raise bad(f"{where}.options[{i}].color should be a string, instead was "
                      f"`{shown(colour)}`.")
        options.append({"id": by_name.get(name) or str(uuid.uuid4())[:8], "name": name,
                        "color": colour})
    return options


def _config(kind: str, given: Any, current: dict[str, Any] | None, where: str
            ) -> dict[str, Any]:
    """A property's configuration (an object: ``{}`` for most types, the options of a
    select, multi-select or status)."""
    config = dict(obj(given, where))
    if kind in ("select", "status", "multi_select"):
        given_options = config.get("options")
        config["options"] = _options(kind, given_options, current, where)
        if kind == "status":
            config["groups"] = _status_groups(given_options or [], config["options"], where)
    return config


def _entry(key: str, spec: dict[str, Any], current: dict[str, Any] | None,
           name: str) -> dict[str, Any]:
    kind = next((k for k in spec if k in VALUE_TYPES), None)
    if kind is None:
        if current is None:
            raise bad(f"property `{key}` does not exist, and a new property needs a type.")
        return {**current, "name": name}  # a rename: same id, type and configuration
    if current is not None and current["type"] == "title" and kind != "title":
        raise invalid("Cannot change the type of the title property.")
    pid = current["id"] if current is not None else \
        "title" if kind == "title" else str(uuid.uuid4())[:8]
    return {"id": pid, "name": name, "description": (current or {}).get("description"),
            "type": kind, kind: _config(kind, spec[kind], current,
                                        f"body.properties.{key}.{kind}")}


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


#: a property renamed: (its old name, its new name)
Renames = list[tuple[str, str]]


def draft(schema: Schema, props: Any) -> tuple[Schema, Renames]:
    """The schema ``props`` (a request's ``properties``) make of ``schema``, and the renames
    the pages must follow; checked whole (a data source keeps exactly one title property,
    which cannot be dropped or retyped), with nothing changed."""
    new: Schema = copy.deepcopy(schema)
    renames: Renames = []
    for key, spec in obj(props, "body.properties").items():
        old = _find(new, key)
        if spec is None:
            _drop(new, old)
            continue
        spec = obj(spec, f"body.properties.{key}", optional=False)
        name = _name(new, key, spec, old)
        entry = _entry(key, spec, new.get(old) if old is not None else None, name)
        if old is not None:
            _rekey(new, old, name)
            renames.append((old, name))
        new[name] = entry
    titles = [n for n, p in new.items() if p["type"] == "title"]
    if len(titles) > 1:
        raise invalid(f"A data source can have only one title property: {titles[0]} is its "
                      f"title, {', '.join(titles[1:])} cannot be another.")
    return new, renames


def _drop(schema: Schema, name: str | None) -> None:
    """A property dropped (one that does not exist: nothing to drop); never the title."""
    if name is None:
        return
    if schema[name]["type"] == "title":
        raise invalid("Cannot delete the title property.")
    schema.pop(name)


def _name(schema: Schema, key: str, spec: dict[str, Any], old: str | None) -> str:
    """The name the property ``key`` has after the change: the ``name`` given (not one
    another property has), else its own."""
    given = spec.get("name")
    if given is not None and not isinstance(given, str):
        raise bad(f"body.properties.{key}.name should be a string, instead was "
                  f"`{shown(given)}`.")
    name = given or old or key
    if name != old and name in schema:
        raise invalid(f"Cannot rename a property to `{name}`: that name is taken.")
    return name


def update(emu: NotionEmulator, ds: str, props: Any) -> None:
    """Change the data source's properties and every page's values with them, once the
    whole request is known to be valid (:func:`draft`; relations and the synced properties of
    two-way ones, in this or the related data sources: :mod:`adapters.notion.emu_relations`)."""
    schema: Schema = emu.sources[ds]["properties"]
    new, renames = draft(schema, props)
    settling = emu_relations.Settling(emu, ds, schema, new)
    others = settling.settle()
    pages = pages_of(emu, ds)
    schema.clear()
    schema.update(new)
    for old, name in renames:
        for page in pages:
            _rekey(page["properties"], old, name)
    _fill(schema, pages)
    for other, changed in others.items():
        commit(emu, other, changed)
    for name in settling.paired:
        emu_relations.backfill(emu, ds, name)


def pages_of(emu: NotionEmulator, ds: str) -> list[dict[str, Any]]:
    return [p for p in emu.pages.values() if p["parent"].get("data_source_id") == ds]


def commit(emu: NotionEmulator, ds: str, new: Schema) -> None:
    """Another data source's properties as a change elsewhere left them (the synced property
    of a two-way relation added or made one-way): its pages follow."""
    schema: Schema = emu.sources[ds]["properties"]
    schema.clear()
    schema.update(new)
    _fill(schema, pages_of(emu, ds))


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
                values[name] = emu_values.blank(spec)
