"""What every service's discovery shares (:class:`adapters.registry.Discovering`): reading a
status name or category as a canonical kind, priorities by their place in the service's list,
and choosing a property by conventional names. Pure functions; each adapter's
``discovery.py`` holds only what its service calls things."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from adapters.registry import Discovery, Target

#: status words that say where an item is, for services that only have names (a Notion
#: select, a custom Jira status without a category); first match wins, open otherwise
_KINDS = (("done", re.compile(r"done|complete|closed|finished|resolved|shipped|cancel", re.I)),
          ("in_progress", re.compile(r"progress|doing|review|started|active|blocked|wip"
                                     r"|testing|qa\b", re.I)))
#: Jira's status categories and Notion's status groups, as canonical kinds
CATEGORY_KINDS = {"new": "open", "indeterminate": "in_progress", "done": "done",
                  "to-do": "open", "to do": "open", "in progress": "in_progress",
                  "complete": "done"}


def kind_of(name: str, category: str | None = None) -> str:
    """The canonical status kind of a status called ``name``: its category's when the
    service gives one (Jira's statusCategory, Notion's status group), else read from the
    name ("not started" is open: the negation is checked before the word)."""
    if category and category.lower() in CATEGORY_KINDS:
        return CATEGORY_KINDS[category.lower()]
    if re.search(r"\bnot\b|\bto ?do\b|backlog|open|new", name, re.I):
        return "open"
    for kind, words in _KINDS:
        if words.search(name):
            return kind
    return "open"


def status_rule(statuses: Sequence[tuple[str, str]], old: Mapping[str, Any] | None
                ) -> dict[str, Any]:
    """A ``fields.status`` rule for the service's statuses, (name, kind) in the service's
    order: every status mapped to its kind, and for a kind several statuses share, which one
    is written (the preset's choice when the service has it, else the first in its order:
    the config check refuses a many-to-one map without ``write``)."""
    rule = {k: v for k, v in (old or {}).items() if k not in ("map", "write")}
    rule["map"] = {name: kind for name, kind in statuses}
    chose = dict((old or {}).get("write") or {})
    write: dict[str, str] = {}
    for _, kind in statuses:
        shared = [n for n, k in statuses if k == kind]
        if len(shared) > 1 and kind not in write:
            write[kind] = chose[kind] if chose.get(kind) in shared else shared[0]
    if write:
        rule["write"] = write
    return rule


def priority_rule(names: Sequence[str], old: Mapping[str, Any] | None) -> dict[str, Any]:
    """A ``fields.priority`` rule for priorities listed highest first (as Jira lists them
    and as a Notion select usually is): 4, 3, 2, then 1 for the rest, which is Jira Cloud's
    default Highest/High/Medium/Low/Lowest onto Todoist's p1..p4. Fewer than four names
    spread from 4 to 1 (High/Low: 4 and 1), and ``write`` gives each canonical value none of
    them has the nearest name (the higher on a tie), so no priority is cleared on the way."""
    rule = {k: v for k, v in (old or {}).items() if k not in ("map", "write")}
    n = len(names)
    if n >= 4:
        values = [max(1, 4 - i) for i in range(n)]
    else:  # 1: [4]; 2: [4, 1]; 3: [4, 2, 1]
        values = [4 - round(3 * i / (n - 1)) if n > 1 else 4 for i in range(n)]
    rule["map"] = dict(zip(names, values, strict=True))
    write = {}
    for canonical in range(1, 5):
        if canonical not in values and names:
            nearest = min(range(n), key=lambda i: (abs(values[i] - canonical), -values[i]))
            write[str(canonical)] = names[nearest]
    if write:
        rule["write"] = write
    return rule


def pick(candidates: Iterable[str], preferred: Sequence[str]) -> str | None:
    """The candidate named like one of ``preferred`` (in that order, case-insensitively),
    else the first candidate, else None."""
    found = list(candidates)
    lowered = {c.lower(): c for c in found}
    for name in preferred:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return found[0] if found else None


def plain(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of an endpoint block as plain dicts and lists (YAML round-trip maps in,
    ordinary data out), for a ``propose`` to change freely."""
    def unwrap(v: Any) -> Any:
        if isinstance(v, Mapping):
            return {str(k): unwrap(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [unwrap(x) for x in v]
        return copy.copy(v)
    out: dict[str, Any] = unwrap(endpoint)
    return out


class Discovers:
    """A factory's :class:`~adapters.registry.Discovering` methods, taken from its service's
    ``discovery`` module (``discover(connection)``, ``describe(connection, target)``,
    ``propose(target, endpoint)``), so no factory writes the three delegations again; a
    factory whose module wants a client instead (Google's) overrides those two."""

    discovery: ClassVar[ModuleType]

    def discover(self, connection: Any) -> Discovery:
        found: Discovery = self.discovery.discover(connection)
        return found

    def describe(self, connection: Any, target: Target) -> Target:
        described: Target = self.discovery.describe(connection, target)
        return described

    def propose(self, target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
        proposed: dict[str, Any] = self.discovery.propose(target, endpoint)
        return proposed
