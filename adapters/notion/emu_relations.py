"""Relation properties in the Notion emulator (API 2025-09-03), as Notion documents them.

Schema: a relation property relates a data source's pages to the pages of one data source
(``data_source_id``, which may be its own: Notion's *Sub-items* are the self-relation pair
"Parent item" / "Sub-item"). A request gives ``{"relation": {"data_source_id": ..., "type":
"single_property", "single_property": {}}}`` (one-way) or ``"dual_property"`` with an optional
``synced_property_name`` (two-way; the default is ``dual_property``, as Notion's). Notion
answers the configuration with the related data source's ``database_id`` too, and a two-way
relation with ``dual_property: {synced_property_name, synced_property_id}``: the property it is
synced with in the related data source, which Notion adds (named ``Related to <title>
(<name>)`` when no name is given). Renaming one side renames it in the other's
``synced_property_name``; dropping one side, or making it another type, leaves the other as a
one-way relation (its values kept).

Values: a page's value is ``{"relation": [{"id": page id}, ...], "has_more": false}``. A write
names pages by id (dashes optional, each once); a page outside the related data source is a
400 ``validation_error``. A page's answers (retrieve, query, create, update) carry the first
:data:`SHOWN` references only, with ``has_more: true`` when there are more, and
``/v1/pages/{id}/properties/{property id}`` pages through all of them. When a two-way
relation changes, the pages it gained or lost gain or lose the page in the synced property,
and are edited by it (their ``last_edited_time`` moves), as in Notion.
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from adapters.notion.emu_errors import bad, bounded, invalid, obj, shown, uuid_of

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

Schema = dict[str, dict[str, Any]]
KINDS = ("single_property", "dual_property")
#: references a page's answer carries of one relation property (Notion's documented 25)
SHOWN = 25


def _title(emu: NotionEmulator, ds: str) -> str:
    source = emu.sources.get(ds) or {}
    return "".join(str(t.get("plain_text") or "") for t in source.get("title") or [])


def _stored(emu: NotionEmulator, ds: str | None, given: dict[str, Any], where: str
            ) -> tuple[dict[str, Any], str | None]:
    """A relation's configuration as stored (its synced property not named yet) and the name
    asked for the synced property of a two-way one (None: Notion's default)."""
    target = given.get("data_source_id")
    if not isinstance(target, str):
        raise bad(f"{where}.data_source_id should be a string, instead was "
                  f"`{shown(target)}`.")
    target = uuid_of(f"{where}.data_source_id", target)
    if target not in emu.sources and target != ds:
        raise invalid(f"Could not find data source with ID: {target}. Make sure the relevant "
                      "pages and databases are shared with your integration.")
    kind = given.get("type") or next((k for k in KINDS if k in given), "dual_property")
    if kind not in KINDS:
        raise bad(f"{where}.type should be `\"single_property\"` or `\"dual_property\"`, "
                  f"instead was `{shown(kind)}`.")
    detail = obj(given.get(kind), f"{where}.{kind}")
    synced = detail.get("synced_property_name")
    if synced is not None and not isinstance(synced, str):
        raise bad(f"{where}.{kind}.synced_property_name should be a string, instead was "
                  f"`{shown(synced)}`.")
    database = emu.sources[target]["parent"]["database_id"] if target in emu.sources else None
    return {"database_id": database, "data_source_id": target, "type": kind, kind: {}}, synced


def _kind(config: dict[str, Any]) -> tuple[Any, Any]:
    return config.get("data_source_id"), config.get("type")


class Settling:
    """The relation properties of one schema change (``old`` -> ``new`` of the data source
    ``ds``): their configurations checked and stored, two-way ones paired with their synced
    properties, in ``new`` or in drafts of the related data sources (:attr:`others`), which
    the caller commits with ``new`` once everything is valid."""

    def __init__(self, emu: NotionEmulator, ds: str, old: Schema, new: Schema,
                 database: str | None = None) -> None:
        self.emu, self.ds, self.old, self.new = emu, ds, old, new
        #: the database of ``ds`` (given for a data source not stored yet)
        self.database = database or emu.sources[ds]["parent"]["database_id"]
        self.others: dict[str, Schema] = {}
        self.paired: list[str] = []  # two-way relations made: their pages' values to sync

    def schema(self, ds: str) -> Schema:
        if ds == self.ds:
            return self.new
        if ds not in self.others:
            self.others[ds] = copy.deepcopy(self.emu.sources[ds]["properties"])
        return self.others[ds]

    def settle(self) -> dict[str, Schema]:
        before = {p["id"]: p for p in self.old.values()}
        kept: set[str] = set()  # relations whose pairing stays as it was
        made: list[tuple[str, dict[str, Any], str | None]] = []
        for name, prop in list(self.new.items()):
            if prop["type"] != "relation":
                continue
            was = before.get(prop["id"])
            was = was if was is not None and was["type"] == "relation" else None
            if was is None or prop["relation"] != was["relation"]:
                where = f"body.properties.{name}.relation"
                config, synced = _stored(self.emu, self.ds, obj(prop["relation"], where),
                                         where)
                if config["data_source_id"] == self.ds:
                    config["database_id"] = self.database
                if was is None or _kind(config) != _kind(was["relation"]):
                    prop["relation"] = config
                    made.append((name, prop, synced))
                    continue
                prop["relation"] = copy.deepcopy(was["relation"])  # the same relation again
            kept.add(prop["id"])
            if was["name"] != name:  # renamed: its synced side follows
                self._rename(prop, name)
        for pid, prop in before.items():  # a two-way side dropped or changed: the other stays
            if prop["type"] == "relation" and pid not in kept:
                self._unpair(prop)
        for name, prop, synced in made:
            if prop["relation"]["type"] == "dual_property":
                self._pair(name, prop, synced)
                self.paired.append(name)
        return self.others

    def _partner(self, prop: dict[str, Any]) -> tuple[Schema, str] | None:
        """The schema holding a two-way relation's synced property, and its name there."""
        config = prop["relation"]
        if config.get("type") != "dual_property":
            return None
        target = config["data_source_id"]
        if target != self.ds and target not in self.emu.sources:
            return None
        schema = self.schema(target)
        pid = config["dual_property"].get("synced_property_id")
        name = next((n for n, p in schema.items() if p["id"] == pid), None)
        return (schema, name) if name is not None else None

    def _unpair(self, prop: dict[str, Any]) -> None:
        found = self._partner(prop)
        if found is None:
            return
        schema, name = found
        if schema[name]["type"] == "relation":
            config = schema[name]["relation"]
            schema[name]["relation"] = {k: v for k, v in config.items()
                                        if k != "dual_property"} | {
                "type": "single_property", "single_property": {}}

    def _rename(self, prop: dict[str, Any], name: str) -> None:
        found = self._partner(prop)
        if found is not None:
            schema, synced = found
            schema[synced]["relation"]["dual_property"]["synced_property_name"] = name

    def _pair(self, name: str, prop: dict[str, Any], synced: str | None) -> None:
        """Notion's synced property for a new two-way relation, in the related data source."""
        target = prop["relation"]["data_source_id"]
        schema = self.schema(target)
        synced = synced or f"Related to {_title(self.emu, self.ds)} ({name})"
        if synced in schema:
            raise invalid(f"Cannot create the synced property `{synced}` of `{name}`: that "
                          "name is taken in the related data source.")
        sid = str(uuid.uuid4())[:8]
        schema[synced] = {
            "id": sid, "name": synced, "description": None, "type": "relation",
            "relation": {"database_id": self.database, "data_source_id": self.ds,
                         "type": "dual_property",
                         "dual_property": {"synced_property_name": name,
                                           "synced_property_id": prop["id"]}}}
        prop["relation"]["dual_property"] = {"synced_property_name": synced,
                                             "synced_property_id": sid}


def backfill(emu: NotionEmulator, ds: str, name: str) -> None:
    """A relation made two-way (``name`` of ``ds``): the values its pages hold already appear
    on the synced side, as Notion converts a one-way relation's links."""
    schema = emu.sources[ds]["properties"]
    for page in list(emu.pages.values()):
        if page["parent"].get("data_source_id") == ds and page["properties"][name]["relation"]:
            sync(emu, page, schema, {}, only=name)


# -- values -------------------------------------------------------------------------------------


def read(raw: Any, where: str) -> list[dict[str, str]]:
    """A relation value as given (its shape; :func:`check` checks the pages)."""
    if not isinstance(raw, list):
        raise bad(f"{where} should be an array, instead was `{shown(raw)}`.")
    bounded(raw, where)  # 100 related pages a request at most
    ids: list[str] = []
    for i, ref in enumerate(raw):
        ref = obj(ref, f"{where}[{i}]", optional=False)
        if not isinstance(ref.get("id"), str):
            raise bad(f"{where}[{i}].id should be a string, instead was "
                      f"`{shown(ref.get('id'))}`.")
        ident = uuid_of(f"{where}[{i}].id", ref["id"])
        if ident not in ids:
            ids.append(ident)
    return [{"id": ident} for ident in ids]


def check(emu: NotionEmulator, schema: Schema, given: dict[str, Any], page_id: str,
          ds: str | None) -> None:
    """Every page a write relates is a page of the property's related data source (the page
    written, ``page_id`` of the data source ``ds``, may be related to itself)."""
    for name, value in given.items():
        if value["type"] != "relation":
            continue
        target = schema[name]["relation"].get("data_source_id")
        for ref in value["relation"]:
            page = emu.pages.get(ref["id"])
            here = ds if ref["id"] == page_id else \
                page["parent"].get("data_source_id") if page is not None else None
            if here is None or here != target:
                raise invalid(f"Relation to page {ref['id']} is invalid: it is not a page of "
                              f"the related data source {target} (property `{name}`).")


def sync(emu: NotionEmulator, page: dict[str, Any], schema: Schema,
         before: dict[str, Any], only: str | None = None) -> None:
    """The synced side of every two-way relation of ``page`` that changed from ``before``
    (its values then, by property name): a page gained holds ``page`` there, a page lost no
    longer does; both are edited by it."""
    for name, value in page["properties"].items():
        spec = schema.get(name)
        if spec is None or spec["type"] != "relation" or only not in (None, name) or \
                spec["relation"].get("type") != "dual_property":
            continue
        old = [r["id"] for r in (before.get(name) or {}).get("relation") or []]
        new = [r["id"] for r in value.get("relation") or []]
        synced = spec["relation"]["dual_property"]["synced_property_id"]
        for other, add in [(p, True) for p in new if p not in old] + \
                [(p, False) for p in old if p not in new]:
            _follow(emu, emu.pages.get(other), synced, page["id"], add)


def _follow(emu: NotionEmulator, other: dict[str, Any] | None, synced: str, page_id: str,
            add: bool) -> None:
    if other is None:
        return
    value = next((v for v in other["properties"].values() if v["id"] == synced), None)
    if value is None or value["type"] != "relation":
        return
    refs = [r for r in value["relation"] if r["id"] != page_id]
    if add == (len(refs) < len(value["relation"])):
        return  # holds it already, or never did
    value["relation"] = [*refs, {"id": page_id}] if add else refs
    emu.touch(other)


def shown_value(value: dict[str, Any]) -> dict[str, Any]:
    """A relation value as a page's answer shows it: the first :data:`SHOWN` references."""
    refs = value.get("relation") or []
    return {**value, "relation": refs[:SHOWN], "has_more": len(refs) > SHOWN}
