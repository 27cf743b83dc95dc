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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.config.models import FlowConfig, PreferPolicy
from hub.model import SYNC_FIELDS, Item
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
    new_base: dict[str, Any] = {}
    agreed: dict[str, dict[str, Any]] = {e: {} for e in sides}
    out = MergeResult(base=base, agreed={})

    for f in SYNC_FIELDS:
        parts = [e for e in order if e in sides and f in views[e].fields]
        if not parts:
            continue
        changed = [e for e in parts if getattr(sides[e].current, f) != getattr(sides[e].base, f)]
        owner = cfg.owner_of(f)
        kept_local: set[str] = set()
        if owner is not None:
            kept_local = {e for e in changed if e != owner}
            changed = [e for e in changed if e == owner]

        source: str | None = None
        rule = ""
        prov = (provenance or {}).get(f)
        stale = [e for e in changed
                 if _stale(sides[e], e, f, prov, views[e].timestamp_precision)]
        if stale and len(stale) == len(changed) and cfg.conflict != "manual" and not (
                isinstance(cfg.conflict, PreferPolicy) and cfg.conflict.prefer in stale):
            # Only edits older than the agreed value's edit: the agreed (newer) value stands.
            out.reasons.append(f"{f}: edit on {', '.join(stale)} is older than the value "
                               f"agreed from {prov.endpoint if prov else '?'}; newer one kept")
            changed = []
        elif stale and len(stale) < len(changed):
            changed = [e for e in changed if e not in stale]
        elif stale and cfg.conflict == "manual":
            out.conflicts.append(FieldConflict(link_id, f, {
                **{e: json_value(sides[e].current, f) for e in stale},
                (prov.endpoint if prov else "agreed"): json_value(base, f)}))
            out.reasons.append(f"{f}: late edit on {', '.join(stale)} conflicts with the "
                               "agreed value; queued for manual resolution")
            continue
        if changed and cfg.conflict == "newest" and owner is None:
            changed = [e for e in parts if e in changed or _set_back(sides[e], f, prov)]
        if not changed:
            desired = getattr(base, f)
        else:
            values: list[Any] = []
            for e in changed:
                v = getattr(sides[e].current, f)
                if v not in values:
                    values.append(v)
            if len(values) == 1:
                source = changed[0]
                desired = values[0]
                rule = "changed on one side" if len(changed) == 1 else "same change on all sides"
            elif cfg.conflict == "manual":
                out.conflicts.append(FieldConflict(
                    link_id, f, {e: json_value(sides[e].current, f) for e in changed}))
                out.reasons.append(f"{f}: conflicting edits on {', '.join(changed)}; "
                                   "queued for manual resolution")
                continue  # field left alone everywhere; bases untouched so it stays visible
            else:
                if isinstance(cfg.conflict, PreferPolicy) and cfg.conflict.prefer in changed:
                    source = cfg.conflict.prefer
                    rule = f"conflict: prefer {source}"
                else:
                    source = _pick_newest(f, changed, sides, order, views)
                    rule = "conflict: newest"
                desired = getattr(sides[source].current, f)
                out.reasons.append(
                    f"{f}: conflicting edits on {', '.join(changed)}; {source} wins ({rule})")

        new_base[f] = desired
        if source is not None:
            out.provenance[f] = Provenance(endpoint=source, run_id=run_id, rule=rule, at=now,
                                           edited_at=sides[source].edited_at(f))

        for e in parts:
            side = sides[e]
            view = views[e]
            target = view.target(f, desired)
            if getattr(side.current, f) == target:
                if getattr(side.base, f) != target:
                    agreed[e][f] = target
                continue
            if not view.writable and view.observed:
                # A read-only copy cannot be brought up to the agreed value, so what it holds
                # now is taken as read: its edit counted once (won, lost or late), and is not
                # raised again next round against a newer value agreed elsewhere.
                if getattr(side.base, f) != getattr(side.current, f):
                    agreed[e][f] = getattr(side.current, f)
                continue
            if not view.observed:
                continue  # unreachable: stays behind, base untouched until it answers
            if e in kept_local and not changed:
                continue  # a local edit of an owned field: kept until the owner changes it
            out.writes.setdefault(e, set()).add(f)

    out.base = base.evolve(**new_base) if new_base else base
    out.agreed = {
        e: sides[e].base.evolve(**vals) if vals else sides[e].base for e, vals in agreed.items()
    }
    return out
