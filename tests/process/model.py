"""The user's side of the process tests: what they did, and the invariants it implies.

- the **model** is what the user did: every item they created (keyed by a *marker*, the first
  word of its title, which every title edit keeps), the latest value they gave each field and
  where, what they completed and deleted. Each field of an item is edited in one service only
  (chosen when the item is made), so every edit is a single-side edit: the planner's conflict
  policy never has to pick, and the latest value is the one that must win everywhere;
- the **invariants** are checked against the emulators' own data, after every step: no
  duplicate (a marker at most once per service), no lost edit (the service where the user made
  the latest edit of a field still holds it), no unjustified delete or completion (a copy seen
  once stays, open, unless the user deleted or completed the item); and, after quiet rounds with
  the faults off, **convergence**: every live item once in every service that holds it, with
  the user's latest value of every field that service holds.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from typing import Any

from hub.model import DateOnly, Item

SERVICES = ("jira", "todoist", "notion", "gcal")
#: which of the fields the model edits each service holds (the calendar: title and date only;
#: it has no status, so completion is checked in the three task services)
HOLDS: dict[str, frozenset[str]] = {
    "jira": frozenset({"title", "priority", "due"}),
    "todoist": frozenset({"title", "priority", "due"}),
    "notion": frozenset({"title", "priority", "due"}),
    "gcal": frozenset({"title", "due"}),
}
HAS_STATUS = ("jira", "todoist", "notion")
MARKER = re.compile(r"^(k[0-9a-z]+)\b")
WORDS = ("plan", "review", "ship", "draft", "fix", "call", "book", "test", "deploy", "write")


def day(n: int) -> DateOnly:
    return DateOnly(date=dt.date.today() + dt.timedelta(days=n))



@dataclass
class Expected:
    """One item the user made, as the user last left it."""

    key: str
    origin: str
    values: dict[str, Any]  # field -> the user's latest value
    editor: dict[str, str]  # field -> the one service where the user edits it
    edited: set[str] = field(default_factory=set)  # fields the user changed after creating
    #: changed since the last clean round: a delete now meets "edited elsewhere, the edit wins,
    #: the copy is only unlinked" (the planner's documented case), so the driver deletes and
    #: completes only items with nothing pending
    pending: bool = True
    completed_in: str | None = None
    deleted_in: str | None = None

    @property
    def live(self) -> bool:
        return self.completed_in is None and self.deleted_in is None


class Model:
    """What the user did, and the copies of each item the hub has been seen to make."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.seed = seed
        self.items: dict[str, Expected] = {}
        self.seen: dict[str, set[str]] = {}  # key -> services where a copy was once seen
        self._n = 0

    def new_key(self) -> str:
        self._n += 1
        return f"k{self._n:03d}{random.Random(f'{self.seed}-{self._n}').getrandbits(12):03x}"

    def add(self, origin: str, values: dict[str, Any]) -> Expected:
        key = values["title"].split()[0]
        editor = {f: self.rng.choice([s for s in SERVICES if f in HOLDS[s]])
                  for f in ("title", "priority", "due")}
        exp = Expected(key=key, origin=origin, values=dict(values), editor=editor)
        self.items[key] = exp
        self.seen[key] = {origin}
        return exp

    def live(self) -> list[Expected]:
        return [e for e in self.items.values() if e.live]

    def settled(self) -> list[Expected]:
        return [e for e in self.live() if not e.pending]

    def mark_clean(self) -> None:
        """A round ran alone, with every service up, and ended well: everything is across."""
        for e in self.items.values():
            e.pending = False


def key_of(item: Item) -> str | None:
    m = MARKER.match(item.title)
    return m.group(1) if m else None


def by_key(items: dict[str, Item]) -> dict[str, list[tuple[str, Item]]]:
    out: dict[str, list[tuple[str, Item]]] = {}
    for ref, item in items.items():
        k = key_of(item)
        if k is not None:
            out.setdefault(k, []).append((ref, item))
    return out


def differs(value: Any, current: Any) -> Any:
    """``value``, or the next one when the service already holds it (Jira gives a new issue
    a default priority: "setting" it to that value is no edit, and nothing would flow)."""
    if value != current:
        return value
    if isinstance(value, int):
        return 2 + (value - 1) % 3  # 2 -> 3 -> 4 -> 2
    if isinstance(value, DateOnly):
        return DateOnly(date=value.date + dt.timedelta(days=1))
    return f"{value} again"


def _holds(exp: Expected, service: str) -> bool:
    """Whether ``service`` should hold a copy of the item (the calendar: dated items only)."""
    return service != "gcal" or exp.values.get("due") is not None


def item_violations(exp: Expected, service: str, hits: list[tuple[str, Item]],
                     seen: set[str]) -> list[str]:
    out = []
    justified_gone = exp.deleted_in is not None or (
        exp.completed_in is not None and service == "gcal")
    if not hits:
        if service in seen and not justified_gone:
            out.append(f"unjustified delete: {exp.key} gone from {service} "
                       f"(user completed in {exp.completed_in}, deleted in {exp.deleted_in})")
        return out
    item = hits[0][1]
    if item.status.kind.closed and exp.live:
        out.append(f"unjustified completion: {exp.key} is {item.status.kind} in {service}")
    if exp.deleted_in == service:
        out.append(f"resurrected: {exp.key} was deleted in {service} and is there again")
    for fld in exp.edited & HOLDS[service]:
        if exp.editor[fld] == service and exp.live and getattr(item, fld) != exp.values[fld]:
            out.append(f"lost edit: {exp.key}.{fld} in {service} is {getattr(item, fld)!r}, "
                       f"the user set {exp.values[fld]!r} there")
    return out


def item_divergence(exp: Expected, service: str, hits: list[tuple[str, Item]]) -> list[str]:
    if exp.deleted_in is not None:
        if hits and service == exp.deleted_in:
            return [f"{exp.key} deleted in {service} but present"]
        if hits and service in HAS_STATUS and not hits[0][1].status.kind.closed:
            return [f"{exp.key} deleted in {exp.deleted_in} but open in {service}"]
        return []
    if exp.completed_in is not None:
        if service in HAS_STATUS and (not hits or not hits[0][1].status.kind.closed):
            return [f"{exp.key} completed in {exp.completed_in} but not closed in {service}"]
        return []
    if not _holds(exp, service):
        return []
    if not hits:
        return [f"{exp.key} missing in {service}"]
    item = hits[0][1]
    return [f"{exp.key}.{fld} in {service} is {getattr(item, fld)!r}, want {exp.values[fld]!r}"
            for fld in sorted(HOLDS[service]) if fld in exp.values
            and getattr(item, fld) != exp.values[fld]]
