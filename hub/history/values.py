"""The values a history record holds (JSON, field by field): read back as canonical values,
compared with what a copy holds now, and shown to people in one short line each."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hub.model import Item

#: longer values are cut in tables (a description): the record keeps them whole
WIDTH = 60


def canonical(name: str, value: Any) -> Any:
    """The canonical value of field ``name`` recorded as ``value`` (JSON)."""
    return getattr(Item.model_validate({name: value}), name)


def item_of(values: Mapping[str, Any]) -> Item:
    """An item holding the recorded ``values`` (the rest left empty)."""
    return Item.model_validate({k: v for k, v in values.items() if v is not None})


def show(name: str, value: Any) -> str:
    """One short line for a recorded value: ``—`` for none, a status by its kind (and the
    service's own name for it), dates and spans compactly, long text cut."""
    if value is None or value == [] or value == "":
        return "—"
    text = " ".join(_text(name, value).split())
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"


def _text(name: str, value: Any) -> str:
    if name == "status" and isinstance(value, dict):
        kind, raw = value.get("kind"), value.get("raw")
        return f"{kind}" + (f" ({raw})" if raw and raw != kind else "")
    if isinstance(value, dict):  # a date, a time, a span: its parts, not their names
        return " ".join(str(v) for k, v in value.items() if v is not None and k != "kind")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def shown_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a create or delete worth showing: those with a value."""
    return {k: v for k, v in values.items() if show(k, v) != "—"}
