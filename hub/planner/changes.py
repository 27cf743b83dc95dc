"""A plan as the changes a person checks before letting it run: per service and item, each
field's value now and the value it would get. Pure.

``synchub plan`` and ``sync --dry-run`` show these (issue 16: field names alone, ``due``,
said nothing about *what* would change), and ``--json`` prints them for scripts. The value
"now" is the copy as this round observed it (the link's snapshot); the new one is the
canonical value written (what a service holds of it may be less: Todoist's priority 1 is
its "none", see each adapter's ``represent``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from adapters.base import WriteKind
from hub.model import SYNC_FIELDS, Item
from hub.planner.merge import json_value
from hub.planner.types import LinkPlan, Plan, Write

#: the fields a created copy is shown with (those it gets a value for)
SHOWN = tuple(f for f in SYNC_FIELDS if f != "url")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any  # canonical value (None: none), as the copy holds it now
    new: Any


@dataclass(frozen=True)
class Change:
    """One write as a person reads it."""

    link_id: str
    item: str  # the item's title, or what names an untitled one
    endpoint: str
    action: str  # "create" | "update" | "delete"
    ref: str | None
    fields: tuple[FieldChange, ...] = ()
    occurrence_done: bool = False  # one occurrence of a recurring item done there

    def as_json(self) -> dict[str, Any]:
        return {"link": self.link_id, "item": self.item, "service": self.endpoint,
                "action": self.action, "ref": self.ref,
                "occurrence_done": self.occurrence_done,
                "fields": {c.field: {"old": _json(c.field, c.old), "new": _json(c.field, c.new)}
                           for c in self.fields}}


def _json(field: str, value: Any) -> Any:
    return None if value is None else json_value(Item().evolve(**{field: value}), field)


def label(lp: LinkPlan) -> str:
    """The item's title; an untitled one is named by where it lives (never a bare "—")."""
    if lp.title:
        return lp.title
    copies = lp.interim.copies or (lp.before.copies if lp.before else {})
    where = next(iter(sorted(copies.items())), None)
    return f"(untitled: {where[0]} {where[1].ref})" if where else "(untitled, new)"


def _now(lp: LinkPlan, w: Write) -> Item | None:
    copy = lp.interim.copies.get(w.endpoint) or (
        lp.before.copies.get(w.endpoint) if lp.before else None)
    return copy.snapshot if copy is not None else None


def _fields(lp: LinkPlan, w: Write) -> tuple[FieldChange, ...]:
    item = w.item
    if w.kind is WriteKind.DELETE or item is None:
        return ()
    if w.kind is WriteKind.CREATE:
        blank = Item()
        return tuple(FieldChange(f, None, getattr(item, f)) for f in SHOWN
                     if getattr(item, f) != getattr(blank, f) or f == "title")
    now = _now(lp, w)
    return tuple(FieldChange(f, getattr(now, f) if now is not None else None,
                             getattr(item, f)) for f in sorted(w.fields))


def changes(plan: Plan) -> Iterator[Change]:
    """Every write of the plan, link by link, in the plan's order."""
    for lp in plan.links:
        name = label(lp)
        for w in lp.writes:
            yield Change(lp.link_id, name, w.endpoint, w.kind.value, w.ref, _fields(lp, w),
                         w.occurrence_done)


__all__ = ["Change", "FieldChange", "changes", "label"]
