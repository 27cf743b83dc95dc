"""Three-way merge of one link, field by field.

For every field, each copy is compared with *its own* base (what that copy last agreed on):

- no copy changed: the agreed value (the link's base) stands; copies that are behind (a write
  failed last round) are brought up to it;
- one value among the changed copies: it wins and flows to the others;
- different values: the flow's conflict policy decides (``newest``, ``prefer``), or with
  ``manual`` the field is left alone everywhere and queued as a conflict.

``newest`` is decided per field, not per item. Each changed copy's claim is *the latest
moment its edit of that field can have been made*: the time the service says a person last
set that field on the copy (:attr:`adapters.base.RemoteItem.field_times`, e.g. Jira's
changelog) when it says so, else the copy's own last-modified time (``updated_at``), which is
only an upper bound, plus the service's clock precision. The latest claim wins; equal claims
go to the endpoint listed first. So with per-field times an edit of the title at 10:05 beats
one at 10:03 even if the 10:03 copy had its priority edited at 10:09; a service that only
knows item times (Todoist, Notion, Google) can still win with an older edit of the field when
the copy was edited elsewhere later: the merge cannot know better, and the winner is always a
value a person wrote. The same claim decides whether an edit that surfaces late (a lagging or
unreachable service) is older than the value already agreed for that field (it is then
dropped, or queued with ``manual``), and it is what the field's provenance records. A copy
whose per-field time says a person set the field after the agreed value's edit, though it
holds the agreed value again (set to "done", then back to "open"), made an edit too: under
``newest`` it competes with the others' changes with that time, instead of losing to an
older change elsewhere because its value looks unchanged.

A field owned by one endpoint only moves when the owner changes it; other copies' local edits
of that field are kept, not propagated and not reverted until the owner writes again.

A read-only copy that differs from the agreed value stays as it is, and its value is recorded
as read: an edit there counts once, whether it won or lost.

Each field goes through the phases of :func:`merge_field` (:class:`FieldMerge` carries it
from one to the next), then every copy through the cases of :func:`copy_step`:

==================  ======================================================================
phase               decides
==================  ======================================================================
``changes``         which copies changed the field; with an owner, only the owner's counts
``late_edits``      edits older than the agreed value's edit: dropped (the agreed value
                    stands), or a ``manual`` conflict when they are all there is
``set_backs``       under ``newest``: copies set back to the agreed value later, which compete
``decide``          the case table below
==================  ======================================================================

==========================  ===============================================================
case                        outcome
==========================  ===============================================================
no copy changed             the agreed value stands (copies behind are brought up to it)
one copy changed            its value flows
several, the same value     it flows ("same change on all sides")
several values, ``manual``  a conflict: the field is left alone everywhere
several values, ``prefer``  the preferred endpoint's, if it is among them
several values, otherwise   the newest claim (:func:`_pick_newest`)
==========================  ===============================================================

==============================  ===========================================================
copy (:func:`copy_step`)        step
==============================  ===========================================================
holds the value already         ``agree`` (recorded as its base, nothing written)
a series that still holds it    ``agree`` on what it holds: a calendar series keeps its start
                                and rule while they describe the recurring item
                                (:func:`hub.planner.recurring.series_holds`)
read-only, listed               ``agree`` on what it holds: taken as read
unreachable                     ``nothing``: it stays behind until it answers
local edit of an owned field    ``nothing``: kept until the owner changes the field
otherwise                       ``write``
==============================  ===========================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from hub.config.models import ConflictMode, FlowConfig, PreferPolicy
from hub.model import SYNC_FIELDS, Item
from hub.planner.recurring import SERIES_FIELDS, series_holds
from hub.planner.types import EndpointView, FieldConflict
from hub.store.base import Provenance

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Side:
    """One copy's inputs to the merge."""

    base: Item  # what this copy last agreed on
    current: Item  # what it holds now (observed, or the stored snapshot)
    #: when a person last set each field on this copy, where the service reports it (only
    #: for copies listed this round; see :attr:`adapters.base.RemoteItem.field_times`)
    field_times: Mapping[str, dt.datetime] = field(default_factory=dict)

    def edited_at(self, name: str) -> dt.datetime | None:
        """The latest moment this copy's value of ``name`` can have been set: the field's own
        time when known (never later than the item's, which bounds every field), else the
        item's last-modified time."""
        at, item_at = self.field_times.get(name), self.current.updated_at
        if at is None:
            return item_at
        return at if item_at is None else min(at, item_at)


@dataclass
class MergeResult:
    base: Item  # the link's new agreed value
    agreed: dict[str, Item]  # endpoint -> copy base once this round's agreements are recorded
    writes: dict[str, set[str]] = field(default_factory=dict)  # endpoint -> fields to write
    conflicts: list[FieldConflict] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def json_value(item: Item, name: str) -> Any:
    value = item.model_dump(mode="json", include={name})[name]
    if name == "status":
        return value["kind"]
    return value


def _pick_newest(name: str, changed: list[str], sides: Mapping[str, Side], order: list[str],
                 views: Mapping[str, EndpointView]) -> str:
    def key(e: str) -> tuple[dt.datetime, int]:
        # the latest moment the edit can have been made (coarse clocks round down)
        at = sides[e].edited_at(name) or _EPOCH
        return (at + dt.timedelta(seconds=views[e].timestamp_precision), -order.index(e))

    return max(changed, key=key)


def _stale(side: Side, ep: str, name: str, prov: Provenance | None, precision: float) -> bool:
    """True if this copy's edit of ``name`` is older than the edit that set the agreed value
    elsewhere, by more than the copy's clock can tell (a minute-rounded time is up to 59 s
    early)."""
    if prov is None or prov.endpoint == ep or prov.edited_at is None:
        return False
    when = side.edited_at(name)
    return when is not None and when + dt.timedelta(seconds=precision) < prov.edited_at


def _set_back(side: Side, name: str, prov: Provenance | None) -> bool:
    """True if a person set ``name`` on this copy after the agreed value's edit although it
    holds its agreed value (done, then undone): a newer edit than it looks, which ``newest``
    weighs against the others' changes instead of ignoring (a three-way merge sees no
    change). Only a per-field time can tell; synchub's own writes never count as one."""
    at = side.field_times.get(name)
    if at is None or getattr(side.current, name) != getattr(side.base, name):
        return False
    return prov is None or prov.edited_at is None or at > prov.edited_at


class Case(StrEnum):
    """How a field's value was decided. When a copy's value was taken, its value is the rule
    the field's provenance records (``conflict: prefer`` followed by the endpoint)."""

    UNCHANGED = "unchanged"
    ONE_SIDE = "changed on one side"
    SAME_CHANGE = "same change on all sides"
    MANUAL = "conflict: manual"
    PREFER = "conflict: prefer"
    NEWEST = "conflict: newest"


@dataclass(frozen=True)
class MergeContext:
    """What every field's merge of one link reads."""

    link_id: str
    base: Item  # the link's agreed value
    sides: Mapping[str, Side]
    views: Mapping[str, EndpointView]
    cfg: FlowConfig
    order: list[str]
    provenance: Mapping[str, Provenance] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldMerge:
    """One field's merge in progress, and its outcome (see the module docstring)."""

    name: str
    parts: tuple[str, ...]  # copies that sync this field, in flow order
    changed: tuple[str, ...] = ()  # copies whose edits compete
    kept_local: frozenset[str] = frozenset()  # local edits of a field another endpoint owns
    case: Case | None = None  # None until decided
    value: Any = None  # the decided value
    source: str | None = None  # the copy whose value won (None: the agreed value stands)
    conflict: FieldConflict | None = None  # ``manual``: the field is left alone everywhere
    reasons: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        if self.case is Case.PREFER:
            return f"{Case.PREFER.value} {self.source}"
        return self.case.value if self.case else ""

    def note(self, reason: str) -> FieldMerge:
        return replace(self, reasons=(*self.reasons, reason))


class Step(StrEnum):
    """What one copy needs once its field is decided."""

    NOTHING = "nothing"  # it holds the value and agreed on it, or it is left as it is
    AGREE = "agree"  # it holds its value already: record the agreement (no write)
    WRITE = "write"  # bring it up to the value


def _prefers(cfg: FlowConfig, among: tuple[str, ...]) -> str | None:
    """The endpoint a ``prefer`` policy names, if it is among ``among``."""
    if isinstance(cfg.conflict, PreferPolicy) and cfg.conflict.prefer in among:
        return cfg.conflict.prefer
    return None


def changes(ctx: MergeContext, fm: FieldMerge) -> FieldMerge:
    """Copies that changed the field against their own base; with an owner, only the owner's
    change competes and the others' are kept locally."""
    f = fm.name
    changed = tuple(e for e in fm.parts
                    if getattr(ctx.sides[e].current, f) != getattr(ctx.sides[e].base, f)
                    and not ctx.views[e].placed_only(f, getattr(ctx.sides[e].base, f),
                                                     ctx.sides[e].current))
    owner = ctx.cfg.owner_of(f)
    if owner is None:
        return replace(fm, changed=changed)
    return replace(fm, changed=tuple(e for e in changed if e == owner),
                   kept_local=frozenset(e for e in changed if e != owner))


def late_edits(ctx: MergeContext, fm: FieldMerge) -> FieldMerge:
    """Edits older than the edit that set the agreed value elsewhere: with newer edits
    beside them they are dropped; alone, the agreed (newer) value stands, or with ``manual``
    they conflict with it. A ``prefer`` endpoint's late edit still competes."""
    f, prov = fm.name, ctx.provenance.get(fm.name)
    stale = tuple(e for e in fm.changed
                  if _stale(ctx.sides[e], e, f, prov, ctx.views[e].timestamp_precision))
    if not stale:
        return fm
    if len(stale) < len(fm.changed):
        return replace(fm, changed=tuple(e for e in fm.changed if e not in stale))
    agreed_from = prov.endpoint if prov else "?"
    if ctx.cfg.conflict == ConflictMode.MANUAL:
        return replace(fm, case=Case.MANUAL, conflict=FieldConflict(ctx.link_id, f, {
            **{e: json_value(ctx.sides[e].current, f) for e in stale},
            (prov.endpoint if prov else "agreed"): json_value(ctx.base, f)})).note(
            f"{f}: late edit on {', '.join(stale)} conflicts with the agreed value; queued "
            "for manual resolution")
    if _prefers(ctx.cfg, stale):
        return fm
    return replace(fm, changed=()).note(
        f"{f}: edit on {', '.join(stale)} is older than the value agreed from {agreed_from}; "
        "newer one kept")


def set_backs(ctx: MergeContext, fm: FieldMerge) -> FieldMerge:
    """Under ``newest`` (no owner), when the field changed somewhere: copies a person set
    back to the agreed value after its edit compete too (:func:`_set_back`)."""
    if not fm.changed or ctx.cfg.conflict != ConflictMode.NEWEST \
            or ctx.cfg.owner_of(fm.name) is not None:
        return fm
    prov = ctx.provenance.get(fm.name)
    return replace(fm, changed=tuple(e for e in fm.parts if e in fm.changed
                                     or _set_back(ctx.sides[e], fm.name, prov)))


def decide(ctx: MergeContext, fm: FieldMerge) -> FieldMerge:
    """The case table of the module docstring."""
    f, changed = fm.name, fm.changed
    if not changed:
        return replace(fm, case=Case.UNCHANGED, value=getattr(ctx.base, f))
    values: list[Any] = []
    for e in changed:
        v = getattr(ctx.sides[e].current, f)
        if v not in values:
            values.append(v)
    if len(values) == 1:
        case = Case.ONE_SIDE if len(changed) == 1 else Case.SAME_CHANGE
        return replace(fm, case=case, value=values[0], source=changed[0])
    if ctx.cfg.conflict == ConflictMode.MANUAL:
        return replace(fm, case=Case.MANUAL, conflict=FieldConflict(
            ctx.link_id, f, {e: json_value(ctx.sides[e].current, f) for e in changed})).note(
            f"{f}: conflicting edits on {', '.join(changed)}; queued for manual resolution")
    preferred = _prefers(ctx.cfg, changed)
    if preferred is not None:
        fm = replace(fm, case=Case.PREFER, source=preferred)
    else:
        fm = replace(fm, case=Case.NEWEST,
                     source=_pick_newest(f, list(changed), ctx.sides, ctx.order, ctx.views))
    assert fm.source is not None
    return replace(fm, value=getattr(ctx.sides[fm.source].current, f)).note(
        f"{f}: conflicting edits on {', '.join(changed)}; {fm.source} wins ({fm.rule})")


def merge_field(ctx: MergeContext, name: str, parts: tuple[str, ...]) -> FieldMerge:
    """One field's decision: the phases of the module docstring, in order (a conflict stops)."""
    fm = FieldMerge(name, parts)
    for phase in (changes, late_edits, set_backs, decide):
        fm = phase(ctx, fm)
        if fm.conflict is not None:
            break
    return fm


def copy_step(name: str, value: Any, side: Side, view: EndpointView, *, keep_local: bool,
              series: bool = False) -> tuple[Step, Any]:
    """What one copy needs for the decided ``value`` of ``name`` (and the value it agrees on);
    ``series``: the copy is a series that still holds the recurring item as it is."""
    target = view.target(name, value, side.current)
    current, base = getattr(side.current, name), getattr(side.base, name)
    if current == target:
        return (Step.AGREE, target) if base != target else (Step.NOTHING, None)
    if series:
        return (Step.AGREE, current) if base != current else (Step.NOTHING, None)
    if not view.writable and view.observed:
        # A read-only copy cannot be brought up to the agreed value, so what it holds now is
        # taken as read: its edit counted once (won, lost or late), and is not raised again
        # next round against a newer value agreed elsewhere.
        return (Step.AGREE, current) if base != current else (Step.NOTHING, None)
    if not view.observed:
        return Step.NOTHING, None  # unreachable: stays behind, base untouched until it answers
    if keep_local:
        return Step.NOTHING, None  # a local edit of an owned field: kept until the owner moves
    return Step.WRITE, None


def _record(ctx: MergeContext, fm: FieldMerge, out: MergeResult,
            agreed: dict[str, dict[str, Any]], *, run_id: int | None, now: dt.datetime) -> None:
    """A decided field: its provenance, and each copy's agreement or write."""
    f = fm.name
    if fm.source is not None:
        out.provenance[f] = Provenance(endpoint=fm.source, run_id=run_id, rule=fm.rule, at=now,
                                       edited_at=ctx.sides[fm.source].edited_at(f))
    wanted = ctx.base.evolve(**{f: fm.value}) if f in SERIES_FIELDS else None
    for e in fm.parts:
        series = wanted is not None and series_holds(ctx.views[e], ctx.sides[e].current, wanted)
        step, value = copy_step(f, fm.value, ctx.sides[e], ctx.views[e],
                                keep_local=e in fm.kept_local and not fm.changed,
                                series=series and e not in fm.changed)
        if step is Step.AGREE:
            agreed[e][f] = value
        elif step is Step.WRITE:
            out.writes.setdefault(e, set()).add(f)


def merge_link(
    link_id: str,
    base: Item,
    sides: Mapping[str, Side],
    views: Mapping[str, EndpointView],
    cfg: FlowConfig,
    *,
    order: list[str],
    run_id: int | None,
    now: dt.datetime,
    provenance: Mapping[str, Provenance] | None = None,
) -> MergeResult:
    """Merge the copies of one link. Pure; ``order`` is the flow's endpoint order (tie-break)."""
    ctx = MergeContext(link_id, base, sides, views, cfg, order, provenance or {})
    new_base: dict[str, Any] = {}
    agreed: dict[str, dict[str, Any]] = {e: {} for e in sides}
    out = MergeResult(base=base, agreed={})
    for f in SYNC_FIELDS:
        parts = tuple(e for e in order if e in sides and f in views[e].fields)
        if not parts:
            continue
        fm = merge_field(ctx, f, parts)
        out.reasons.extend(fm.reasons)
        if fm.conflict is not None:
            out.conflicts.append(fm.conflict)
            continue  # field left alone everywhere; bases untouched so it stays visible
        new_base[f] = fm.value
        _record(ctx, fm, out, agreed, run_id=run_id, now=now)
    out.base = base.evolve(**new_base) if new_base else base
    out.agreed = {
        e: sides[e].base.evolve(**vals) if vals else sides[e].base for e, vals in agreed.items()
    }
    return out
