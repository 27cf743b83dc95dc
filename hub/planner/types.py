"""Inputs and outputs of the planner: plain frozen data, so planning is a pure function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from adapters.base import ChangeSet, WriteKind
from hub.config.models import FlowConfig
from hub.model import Item
from hub.store.base import LinkState


@dataclass(frozen=True)
class EndpointView:
    """What the planner needs to know about one endpoint of a flow this round."""

    name: str
    fields: frozenset[str]  # canonical fields this endpoint reads and writes
    writable: bool = True  # False for read-only endpoints (P11)
    can_delete: bool = True
    create_requires_any: frozenset[str] = frozenset()
    observed: bool = True  # its listing succeeded this round; False: no writes, no deletes
    first_sync: bool = False  # never listed before: its items may match existing links
    #: how the service stores a canonical value (Todoist has no "priority 1 vs none"): the
    #: planner compares a copy with ``represent(field, desired)``, so an unrepresentable
    #: difference is neither written again and again nor read back as an edit.
    represent: Callable[[str, Any], Any] | None = None
    timestamp_precision: float = 0.0  # seconds; see adapters.base.Capabilities
    series: bool = False  # a recurring item is a series here (adapters.base.Capabilities)
    markers: bool = True  # False: the endpoint's ``markers: false``: no marker is ever written
    nests_completion: bool = False  # see adapters.base.Capabilities (Todoist's sub-tasks)
    rolls_occurrences: bool = False  # see adapters.base.Capabilities (Todoist's close)

    #: the same, for a copy placed as the given item is (its parent): a Todoist sub-task
    #: holds no section status (:class:`adapters.base.RepresentsInPlace`); None: as above
    represent_in: Callable[[str, Any, Item], Any] | None = None

    def target(self, field: str, value: Any, copy: Item | None = None) -> Any:
        """What this service holds for ``value``; on ``copy``'s place, when given."""
        if copy is not None and self.represent_in is not None:
            return self.represent_in(field, value, copy)
        return value if self.represent is None else self.represent(field, value)

    def placed_only(self, field: str, base: Any, current: Item) -> bool:
        """Whether ``current`` differs from its ``base`` only because of where the copy now
        is: it holds what its service holds for the base there, which is not what it would
        hold elsewhere (a task made a Todoist sub-task leaves its section's status). That is
        no edit of the field by a person, and it must not flow to the other copies."""
        if self.represent_in is None:
            return False
        placed = self.represent_in(field, base, current)
        return bool(placed == getattr(current, field) and placed != self.target(field, base))

    def can_hold(self, item: Item) -> bool:
        """Whether a copy of ``item`` belongs on this endpoint (a calendar needs a date)."""
        if not self.create_requires_any:
            return True
        blank = Item()
        return any(getattr(item, f) != getattr(blank, f) for f in self.create_requires_any)


@dataclass(frozen=True)
class PlanInput:
    flow: str
    config: FlowConfig
    endpoints: tuple[EndpointView, ...]  # in config order (ties break in this order)
    links: Mapping[str, LinkState]
    observations: Mapping[str, ChangeSet]  # successful listings only
    run_id: int | None = None
    #: (endpoint, ref) -> match-key id of the items held back before (Held.key), whether or
    #: not they could be read this round: a group stays held until all of it is seen again
    held: Mapping[tuple[str, str], str] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    #: links in the flow, when ``links`` holds only a round's working set
    #: (:mod:`hub.round.workset`); None: ``links`` is all of them
    total_links: int | None = None

    def endpoint(self, name: str) -> EndpointView:
        for e in self.endpoints:
            if e.name == name:
                return e
        raise KeyError(name)


@dataclass(frozen=True)
class Write:
    """One remote write. ``item`` holds the desired values (only ``fields`` matter for an
    update). ``key`` is deterministic, so a retried or resumed write reuses it (P10)."""

    kind: WriteKind
    endpoint: str
    key: str
    ref: str | None = None
    item: Item | None = None
    fields: frozenset[str] = frozenset()
    expected_version: str | None = None
    origin: str | None = None
    occurrence_done: bool = False  # one occurrence done (see adapters.base.WriteOp)

    def describe(self) -> str:
        if self.kind is WriteKind.CREATE:
            title = self.item.title if self.item else ""
            return f"create {title!r}"
        if self.kind is WriteKind.DELETE:
            return f"delete {self.ref}"
        done = " (one occurrence done)" if self.occurrence_done else ""
        if not self.fields:
            if done:
                return f"close one occurrence of {self.ref}"
            return f"mark {self.ref} with its link's origin marker"
        marking = " (and its origin marker)" if self.origin else ""
        return f"update {self.ref}: {', '.join(sorted(self.fields))}{marking}{done}"


@dataclass(frozen=True)
class FieldConflict:
    link_id: str
    field: str
    values: Mapping[str, Any]  # endpoint -> value (canonical, JSON-able)


@dataclass(frozen=True)
class LinkPlan:
    """What to do for one link.

    ``interim`` is committed before any write (new snapshots, fields every copy already agrees
    on, the new agreed base); each successful write then moves one copy up to the base. With
    ``drop`` the link is forgotten once its writes (deletes) have all succeeded.
    """

    link_id: str
    before: LinkState | None
    interim: LinkState
    writes: tuple[Write, ...] = ()
    conflicts: tuple[FieldConflict, ...] = ()
    reasons: tuple[str, ...] = ()  # human-readable "why" lines, for plan/explain/logs
    drop: bool = False

    @property
    def title(self) -> str:
        return self.interim.base.title


@dataclass(frozen=True)
class Plan:
    flow: str
    links: tuple[LinkPlan, ...]
    total_links: int  # links in the flow before this round
    #: links planned this round (touched, not settled, or new); the others were settled
    #: (:func:`hub.planner.plan.settled`) and cost nothing to plan
    planned: int = 0
    #: the stored links skipped as settled (:func:`hub.planner.plan.settled`)
    settled: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()
    #: items held back unlinked, their match key ambiguous (hub.planner.matching, rule 4)
    held: tuple[Held, ...] = ()

    @property
    def writes(self) -> list[Write]:
        return [w for lp in self.links for w in lp.writes]

    def counts(self) -> dict[str, int]:
        out = {**{k.value: 0 for k in WriteKind}, "conflict": 0}
        for lp in self.links:
            for w in lp.writes:
                out[w.kind.value] += 1
            out["conflict"] += len(lp.conflicts)
        return out

    def changed(self) -> bool:
        return any(lp.writes or lp.conflicts or lp.drop or lp.before != lp.interim
                   for lp in self.links)


class Held(NamedTuple):
    """A new item not linked this round because its match key is ambiguous: the engine
    reads it again every round (it is not listed again by an incremental listing) until a
    person makes the key unique."""

    endpoint: str
    ref: str
    title: str
    reason: str
    key: str  # an id of the match key the group shares (matching.key_id)
