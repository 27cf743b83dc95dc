"""The emulator's ``POST /v1/data_sources/{id}/query``: filters, sorts and paging as Notion
documents them (developers.notion.com, "Filter data source entries" and "Sort data source
entries"), so a filter that real Notion refuses is refused here too, and one it accepts works.

Filters: ``and``/``or`` (nested), ``timestamp`` filters on ``created_time`` and
``last_edited_time``, and property filters by name or id with the conditions of the
property's type: text (title, rich_text, url, email, phone_number) ``equals``,
``does_not_equal``, ``contains``, ``does_not_contain``, ``starts_with``, ``ends_with``; number
comparisons; checkbox; select and status; multi_select, people and relation ``contains``
(a relation's by page id); dates
``equals``/``before``/``after``/``on_or_before``/``on_or_after`` and the relative
``past_week``, ``past_month``, ``past_year``, ``this_week``, ``next_week``, ``next_month``,
``next_year`` (on the emulator's clock; a month is 30 days, a year 365, weeks start on Sunday);
``is_empty``/``is_not_empty`` everywhere. A date-only argument compares dates (in UTC), a
date-time compares instants (no zone means UTC). Sorts by property or timestamp, several keys,
empty values last in either direction; select and status sort in their options' order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks
from adapters.notion.emu_dates import moment
from adapters.notion.emu_errors import NotionError, not_found, uuid_of

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

TEXT = ("title", "rich_text", "url", "email", "phone_number")
TEXT_OPS = {"equals", "does_not_equal", "contains", "does_not_contain", "starts_with",
            "ends_with", "is_empty", "is_not_empty"}
NUMBER_OPS = {"equals", "does_not_equal", "greater_than", "less_than",
              "greater_than_or_equal_to", "less_than_or_equal_to", "is_empty", "is_not_empty"}
DATE_OPS = {"equals", "before", "after", "on_or_before", "on_or_after", "is_empty",
            "is_not_empty", "past_week", "past_month", "past_year", "this_week", "next_week",
            "next_month", "next_year"}
OPS = {**dict.fromkeys(TEXT, TEXT_OPS), "number": NUMBER_OPS,
       "checkbox": {"equals", "does_not_equal"},
       "select": {"equals", "does_not_equal", "is_empty", "is_not_empty"},
       "status": {"equals", "does_not_equal", "is_empty", "is_not_empty"},
       "multi_select": {"contains", "does_not_contain", "is_empty", "is_not_empty"},
       "people": {"contains", "does_not_contain", "is_empty", "is_not_empty"},
       "relation": {"contains", "does_not_contain", "is_empty", "is_not_empty"},
       "date": DATE_OPS}
RELATIVE = {"past_week": (-7, 0), "past_month": (-30, 0), "past_year": (-365, 0),
            "next_week": (0, 7), "next_month": (0, 30), "next_year": (0, 365)}


def query(emu: NotionEmulator, ds: str, body: dict[str, Any]) -> dict[str, Any]:
    """One page of the data source's pages (trashed ones, with ``in_trash``) that match the
    filter, in the order of the sorts; the cursor is the next page's place."""
    if ds not in emu.sources:
        raise not_found("data_source", ds)
    size = emu_blocks.page_size(body.get("page_size"))
    trashed = bool(body.get("in_trash", False))
    schema = emu.sources[ds]["properties"]
    match = Matcher(schema, emu.now)
    rows = [p for p in emu.pages.values() if p["parent"].get("data_source_id") == ds
            and p["in_trash"] == trashed
            and (not body.get("filter") or match(p, body["filter"]))]
    rows = sort(rows, body.get("sorts") or [], schema)
    cursor = body.get("start_cursor")
    if cursor is not None and not (isinstance(cursor, str) and cursor.isdigit()):
        raise _bad("start_cursor provided is invalid.")
    start = int(cursor or 0)
    chunk = rows[start:start + size]
    more = start + size < len(rows)
    return {"object": "list", "results": [emu._public(p) for p in chunk],
            "next_cursor": str(start + size) if more else None, "has_more": more,
            "type": "page_or_data_source", "page_or_data_source": {}}


def _bad(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def find_property(schema: dict[str, Any], key: Any, what: str = "property") -> str:
    """A property's name from its name or id."""
    if key in schema:
        return str(key)
    for name, spec in schema.items():
        if spec["id"] == key:
            return name
    raise _bad(f"Could not find {what} with name or id: {key}")


def plain(value: list[dict[str, Any]] | None) -> str:
    return "".join(p["plain_text"] for p in value or [])


class Matcher:
    """Filters of one data source (``schema``) on the emulator's clock (``now``)."""

    def __init__(self, schema: dict[str, Any], now: Callable[[], dt.datetime]) -> None:
        self.schema = schema
        self.now = now

    def __call__(self, page: dict[str, Any], f: dict[str, Any]) -> bool:
        if not isinstance(f, dict):
            raise _bad("body failed validation: body.filter should be an object.")
        if "and" in f:
            return all(self(page, g) for g in f["and"])
        if "or" in f:
            return any(self(page, g) for g in f["or"])
        if "timestamp" in f:
            key = f["timestamp"]
            if key not in ("created_time", "last_edited_time") or key not in f:
                raise _bad(f"body failed validation: body.filter.timestamp {key!r} is not "
                           "created_time or last_edited_time with its condition.")
            return self._date(page[key], f[key])
        name = find_property(self.schema, f.get("property"))
        kind = self.schema[name]["type"]
        given = [k for k in f if k != "property"]
        allowed = {kind} | ({"title", "rich_text"} if kind in ("title", "rich_text") else set())
        if len(given) != 1 or given[0] not in allowed:
            raise _bad(f"body failed validation: filter for the {kind} property {name!r} "
                       f"should use {kind!r}, instead was {given}.")
        cond = f[given[0]]
        allowed_ops = OPS.get(kind, set())
        unknown = sorted(set(cond) - allowed_ops) if isinstance(cond, dict) else [cond]
        if not isinstance(cond, dict) or not cond or unknown:
            raise _bad(f"body failed validation: {kind} filter condition {unknown} is not "
                       f"one of {', '.join(sorted(allowed_ops))}.")
        value = page["properties"].get(name, {}).get(kind)
        if kind == "date":
            return self._date(value["start"] if value else None, cond)
        return all(self._one(kind, value, op, arg) for op, arg in cond.items())

    @staticmethod
    def _one(kind: str, value: Any, op: str, arg: Any) -> bool:
        if kind in ("title", "rich_text"):
            value = plain(value)
        elif kind in ("select", "status"):
            value = value["name"] if value else None
        elif kind == "multi_select":
            value = [o["name"] for o in value or []]
        elif kind in ("people", "relation"):
            value = [p["id"] for p in value or []]
        if kind == "relation" and op in ("contains", "does_not_contain"):
            arg = uuid_of(f"body.filter.relation.{op}", str(arg))
        if op in ("is_empty", "is_not_empty"):
            return (value in (None, "", [])) == (op == "is_empty")
        if op == "equals":
            return bool(value == arg)
        if op == "does_not_equal":
            return bool(value != arg)
        if op == "contains":
            return arg in (value or ())
        if op == "does_not_contain":
            return arg not in (value or ())
        if op == "starts_with":
            return str(value or "").startswith(str(arg))
        if op == "ends_with":
            return str(value or "").endswith(str(arg))
        if value is None:  # number comparisons leave empty values out
            return False
        return {"greater_than": value > arg, "less_than": value < arg,
                "greater_than_or_equal_to": value >= arg,
                "less_than_or_equal_to": value <= arg}[op]

    def _date(self, value: str | None, cond: dict[str, Any]) -> bool:
        for op, arg in cond.items():
            if op not in DATE_OPS:
                raise _bad(f"body failed validation: date filter condition {op!r} is not one "
                           f"of {', '.join(sorted(DATE_OPS))}.")
            if op in ("is_empty", "is_not_empty"):
                if (value is None) != (op == "is_empty"):
                    return False
                continue
            if value is None:
                return False
            if op in RELATIVE or op == "this_week":
                if arg != {}:
                    raise _bad(f"body failed validation: {op} should be an empty object.")
                if not self._relative(moment(value), op):
                    return False
                continue
            if not isinstance(arg, str):
                raise _bad(f"body failed validation: date filter {op} should be a string.")
            try:
                a, b = ((moment(value).astimezone(dt.UTC).date(), dt.date.fromisoformat(arg))
                        if len(arg) == 10 else (moment(value), moment(arg)))
            except ValueError:
                raise _bad(f"{arg!r} is not a valid ISO 8601 date.") from None
            if not {"on_or_after": a >= b, "after": a > b, "before": a < b,
                    "on_or_before": a <= b, "equals": a == b}[op]:
                return False
        return True

    def _relative(self, value: dt.datetime, op: str) -> bool:
        now = self.now()
        if op == "this_week":
            start = dt.datetime.combine(now.date() - dt.timedelta(days=(now.weekday() + 1) % 7),
                                        dt.time(), dt.UTC)
            return start <= value < start + dt.timedelta(days=7)
        lo, hi = RELATIVE[op]
        return now + dt.timedelta(days=lo) <= value <= now + dt.timedelta(days=hi)


def sort(rows: list[dict[str, Any]], sorts: list[dict[str, Any]], schema: dict[str, Any]
         ) -> list[dict[str, Any]]:
    """``rows`` sorted by ``sorts`` (first key first); ties keep edit order."""
    rows = sorted(rows, key=lambda p: p["_order"])
    for s in reversed(sorts or []):
        descending = s.get("direction") == "descending"
        if s.get("direction") not in ("ascending", "descending"):
            raise _bad("body failed validation: sort direction should be ascending or "
                       "descending.")
        if "timestamp" in s:
            if s["timestamp"] not in ("created_time", "last_edited_time"):
                raise _bad(f"body failed validation: sort timestamp {s['timestamp']!r}.")
            key = s["timestamp"]
            rows.sort(key=lambda p: p[key], reverse=descending)
            continue
        name = find_property(schema, s.get("property"), "sort property")
        spec = schema[name]
        full = [p for p in rows if _sort_value(spec, p) is not None]
        empty = [p for p in rows if _sort_value(spec, p) is None]
        full.sort(key=lambda p: _sort_value(spec, p), reverse=descending)
        rows = full + empty
    return rows


def _sort_value(spec: dict[str, Any], page: dict[str, Any]) -> Any:
    kind = spec["type"]
    value = page["properties"].get(spec["name"], {}).get(kind)
    if kind in ("title", "rich_text"):
        return plain(value).lower() or None
    if kind in ("select", "status"):
        names = [o["name"] for o in spec[kind]["options"]]
        return names.index(value["name"]) if value and value["name"] in names else None
    if kind == "multi_select":
        names = [o["name"] for o in spec[kind]["options"]]
        return [names.index(o["name"]) for o in value if o["name"] in names] or None
    if kind == "date":
        return moment(value["start"]) if value else None
    if kind == "people":
        return [p["id"] for p in value] or None
    if kind == "checkbox":
        return bool(value)
    return value if value not in ("", []) else None
