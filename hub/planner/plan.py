"""The planner: observations + stored links -> a plan. Pure: no I/O, no clock, no randomness.

Steps, per round of one flow:

1. Route every observed copy to its link (:mod:`hub.planner.routing`): by remote ref, or
   re-attached to the link its origin marker names (a create whose commit was lost, a copy
   back in scope), or, unmarked, to the link whose id it gives (an original listed again,
   e.g. a reopened Todoist task), or collected as new.
2. Group new copies into new links (:mod:`hub.planner.matching`): first by origin marker (the
   state was lost) with the original the marker names, then by the flow's match key across
   endpoints (pre-existing equal items on first sync), so nothing that already exists on both
   sides is duplicated. A new link starts from what its copies agree on, as each service
   represents it (:mod:`hub.planner.agreement`), so a service's default is not taken for an
   edit and copies that disagree go to the conflict policy.
   A link re-formed from markers is not created again where no copy of it was listed: that
   copy may exist unlisted (Todoist lists no completed task in a full listing) or have been
   deleted, and a re-creation would resurrect it. Those endpoints are detached; the copy
   re-attaches if it shows up again (by its marker, or for the original by its link id).
3. Plan each link touched this round (or not settled) through the phases of
   :func:`plan_link`, each a small pure function from one :class:`Draft` to the next:

   ========================  ==============================================================
   phase                     what it decides
   ========================  ==============================================================
   :func:`start`             the stored link with re-attached copies, or a new link's seed
   :func:`take_listed`       listed copies' snapshots (keeping the markers they carry)
   :func:`stop_delete`       a delete under way stops when a remaining copy was edited
   :func:`apply_gone`        copies reported gone: the delete / leave-scope policy (only an
                             explicit report from a successful listing ever leads to a
                             delete; an edit elsewhere this round wins over a delete: the
                             deleted copy is unlinked instead)
   :func:`take_merge`        the field-by-field merge (:mod:`hub.planner.merge`)
   :func:`take_roll`         one occurrence of a recurring item done: the item rolls on to
                             the next, or a new copy is spawned (:mod:`hub.planner.recurring`)
   :func:`complete`          policy ``complete``: the link is done everywhere
   :func:`end_series`        a recurring item closed for good: its calendar series ends at
                             the current occurrence (past kept; the link keeps the rule)
   :func:`drop_unholdable`   a copy that can no longer hold the item is left and unlinked
   :func:`link_writes`       deletes, or updates and creates (:mod:`hub.planner.writes`); a
                             copy without origin marker (an item a first sync matched by
                             key) gets its link's marker, so after a lost state file the
                             marker finds it, whatever was renamed meanwhile
   :func:`finish`            the link's plan, or nothing when nothing changed
   ========================  ==============================================================
4. Across links (:mod:`hub.planner.nesting`): a status write a service would spread along
   its hierarchy (Todoist completes a parent's sub-tasks with it, reopens a sub-task's
   parents) is held while it would change a copy not meant to change, with a warning.

Link ids are derived from where the original lives (:func:`hub.planner.matching.link_id_for`)
and idempotency keys from content, so the same inputs give the same plan (P10), a resumed
write reuses its key, and a marker names the original after the state is lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from adapters.base import Gone, RemoteItem, WriteKind
from hub import recurrence
from hub.config.models import DeletePolicy, FlowConfig, LeaveScopePolicy
from hub.model import SYNC_FIELDS, Item, StatusKind
from hub.planner.agreement import Start, settle_disputes, start_new_link
from hub.planner.merge import MergeResult, Side, merge_link
from hub.planner.nesting import hold_nested
from hub.planner.recurring import (
    SERIES_FIELDS,
    anchor,
    completed_for_good,
    plan_roll,
    rule_alone_holds,
    series_holds,
    series_to_end,
    unheld_note,
)
from hub.planner.routing import Routed, canonical_parents, new_links, route
from hub.planner.types import EndpointView, FieldConflict, LinkPlan, Plan, PlanInput, Write
from hub.planner.writes import create_writes, delete_writes, unmarked, update_writes
from hub.store.base import CopyState, LinkState, Provenance

_BLANK = Item()

#: what a copy that left its endpoint's scope does to the link, as a delete policy
_LEAVE_SCOPE = {LeaveScopePolicy.UNLINK: DeletePolicy.UNLINK,
                LeaveScopePolicy.COMPLETE: DeletePolicy.COMPLETE,
                LeaveScopePolicy.DELETE: DeletePolicy.PROPAGATE}
#: when several copies are gone at once, the strongest policy applies
_STRENGTH = {DeletePolicy.UNLINK: 0, DeletePolicy.COMPLETE: 1, DeletePolicy.PROPAGATE: 2}


@dataclass(frozen=True)
class Draft:
    """A link in progress, handed from one phase of :func:`plan_link` to the next."""

    lid: str
    base: Item  # the link's agreed value so far
    copies: Mapping[str, CopyState]
    detached: frozenset[str] = frozenset()
    reasons: tuple[str, ...] = ()
    deleting: bool = False  # a propagated delete is under way
    wanted: Mapping[str, frozenset[str]] = field(default_factory=dict)  # endpoint -> fields
    conflicts: tuple[FieldConflict, ...] = ()
    provenance: Mapping[str, Provenance] = field(default_factory=dict)
    occurrence: frozenset[str] = frozenset()  # endpoints told "one occurrence done"

    def note(self, *reasons: str) -> Draft:
        return replace(self, reasons=self.reasons + reasons) if reasons else self


# -- the phases, in order -------------------------------------------------------------------


def start(lid: str, views: Mapping[str, EndpointView], before: LinkState | None,
          attach: Mapping[str, RemoteItem], seed: Start | None = None) -> Draft:
    """The link before this round's observations: the stored link with copies re-attached,
    or a new link from its seed (:func:`hub.planner.agreement.start_new_link`)."""
    if before is None:
        seed = seed or Start(_BLANK, {})
        copies = {ep: CopyState(ep, r.ref, base=seed.sides.get(ep, _BLANK),
                                snapshot=r.item, version=r.version) for ep, r in attach.items()}
        return Draft(lid, seed.base, copies, frozenset(seed.detached), tuple(seed.reasons))
    # an endpoint no longer in the flow (renamed or removed, the config rebound): its copy is
    # forgotten, never written or deleted (:func:`removed_endpoints` says so once)
    copies = {ep: c for ep, c in before.copies.items() if ep in views}
    for ep, remote in attach.items():
        # Our own create (found by its marker), a first-sync match or a copy back in scope:
        # it agreed on the base, as its service holds it (Jira's "Medium" for no priority is
        # no edit).
        copies[ep] = CopyState(ep, remote.ref, base=as_held(before.base, views[ep]),
                               snapshot=remote.item, version=remote.version)
    return Draft(lid, before.base, copies, before.detached - set(attach),
                 tuple(f"{ep}: re-linked {r.ref} by its origin marker or match key"
                       for ep, r in attach.items()),
                 deleting=before.deleting, provenance=before.provenance)


def take_listed(d: Draft, seen: Mapping[str, RemoteItem]) -> Draft:
    """Copies listed this round hold what was read, with the marker they are known to carry."""
    if not seen:
        return d
    copies = dict(d.copies)
    for ep, remote in seen.items():
        c = copies[ep]
        copies[ep] = replace(c, snapshot=with_marker(remote.item, c.snapshot),
                             version=remote.version)
    return replace(d, copies=copies)


def sides_of(d: Draft, fresh: Mapping[str, RemoteItem], gone: Mapping[str, Gone],
             views: Mapping[str, EndpointView]) -> dict[str, Side]:
    """The merge's inputs: every copy not gone, with per-field times where it was listed.
    A series copy (a calendar's) that still holds the link's recurring item is unchanged in
    its start, end and rule, however it spells them (:func:`series_holds`: past exclusions
    the calendar keeps, an ended series of a closed item)."""
    return {ep: Side(c.base, _as_series(views[ep], c, d.base),
                     fresh[ep].field_times if ep in fresh else {})
            for ep, c in d.copies.items() if ep not in gone}


def _as_series(view: EndpointView, c: CopyState, base: Item) -> Item:
    if not view.series or not series_holds(view, c.snapshot, base):
        return c.snapshot
    fields = [f for f in SERIES_FIELDS if f in view.fields]
    return c.snapshot.evolve(**{f: getattr(c.base, f) for f in fields})


def edited(sides: Mapping[str, Side], views: Mapping[str, EndpointView]) -> bool:
    """Whether any remaining copy holds an edit of a field it syncs."""
    return any(getattr(s.current, f) != getattr(s.base, f)
               for ep, s in sides.items() for f in views[ep].fields)


def stop_delete(d: Draft, edited_elsewhere: bool) -> Draft:
    """A delete under way (a write failed last round) stops when a remaining copy was edited."""
    if not (d.deleting and edited_elsewhere):
        return d
    return replace(d, deleting=False).note(
        "a delete was under way, but a remaining copy was edited: delete stopped")


def gone_policy(cfg: FlowConfig, why: Gone) -> DeletePolicy:
    """What a copy reported gone does to its link."""
    return cfg.delete if why is Gone.DELETED else _LEAVE_SCOPE[cfg.leave_scope]


def apply_gone(cfg: FlowConfig, d: Draft, gone: Mapping[str, Gone], edited_elsewhere: bool
               ) -> tuple[Draft, DeletePolicy | None]:
    """Copies reported gone are detached; the strongest of their policies applies to the
    link (``propagate`` starts a delete). An edit elsewhere this round wins: the gone copy is
    only unlinked."""
    if not gone:
        return d, None
    policy: DeletePolicy | None = None
    reasons = []
    for ep, why in gone.items():
        pol = gone_policy(cfg, why)
        if edited_elsewhere and pol is not DeletePolicy.UNLINK:
            reasons.append(f"{ep}: copy {why.value}, but it was edited elsewhere this round: "
                           "the edit wins, the copy is only unlinked")
            pol = DeletePolicy.UNLINK
        else:
            reasons.append(f"{ep}: copy {why.value}; policy {pol.value}")
        if policy is None or _STRENGTH[pol] > _STRENGTH[policy]:
            policy = pol
    d = replace(d, copies={ep: c for ep, c in d.copies.items() if ep not in gone},
                detached=d.detached | set(gone),
                deleting=d.deleting or policy is DeletePolicy.PROPAGATE)
    return d.note(*reasons), policy


def take_merge(d: Draft, merged: MergeResult) -> Draft:
    """The merge's outcome: the new base, each copy's agreed base, the fields to write."""
    return replace(
        d.note(*merged.reasons), base=merged.base,
        copies={ep: replace(d.copies[ep], base=agreed) for ep, agreed in merged.agreed.items()},
        wanted={ep: frozenset(fs) for ep, fs in merged.writes.items()},
        conflicts=tuple(merged.conflicts), provenance={**d.provenance, **merged.provenance})


def take_roll(cfg: FlowConfig, before: Item, d: Draft, sides: Mapping[str, Side],
              views: Mapping[str, EndpointView]) -> Draft:
    """One occurrence of a recurring item done (:mod:`hub.planner.recurring`): the link
    moves to the next occurrence instead of being done everywhere; with ``spawn`` a done copy
    that cannot recur leaves the link and a new copy is created in its place."""
    if d.conflicts:
        return d
    currents = {ep: s.current for ep, s in sides.items() if ep in d.copies}
    final = completed_for_good(before, d.base, currents, views)
    if final:
        return d.note(f"{', '.join(final)}: completed for good there (a recurring task done "
                      "there is 'complete forever', not one occurrence): done everywhere")
    roll = plan_roll(cfg, before, d.base, currents, {ep: d.copies[ep].base for ep in currents},
                     d.wanted, views)
    if roll is None:
        return d
    copies = {ep: replace(c, base=roll.agreed.get(ep, c.base))
              for ep, c in d.copies.items() if ep not in roll.released}
    return replace(d, base=roll.base, copies=copies, wanted=dict(roll.wanted),
                   occurrence=roll.occurrence).note(roll.reason)


def shift_exclusions(before: Item, d: Draft, sides: Mapping[str, Side],
                     views: Mapping[str, EndpointView]) -> Draft:
    """A recurring item moved off its series (:func:`hub.recurrence.shift_exdates`): its
    exclusions move with it, and every copy holding the rule is told."""
    moved = _moved_exclusions(before, d)
    if moved is None:
        return d
    wanted = dict(d.wanted)
    for ep in _holding_other(moved, d, sides, views):
        wanted[ep] = wanted.get(ep, frozenset()) | {"recurrence"}
    return replace(d, base=d.base.evolve(recurrence=moved), wanted=wanted).note(
        f"moved off its series: the occurrences taken out move with it ({moved})")


def _moved_exclusions(before: Item, d: Draft) -> str | None:
    """The rule with its exclusions moved, when the merge moved the item off its series."""
    rule, old, new = d.base.recurrence, anchor(before), anchor(d.base)
    if rule is None or before.recurrence != rule or old is None or new is None \
            or old == new or d.conflicts or d.deleting:
        return None
    try:
        moved = recurrence.shift_exdates(rule, old, new)
    except (ValueError, TypeError, OverflowError):
        return None
    return moved if moved != rule else None


def _holding_other(rule: str, d: Draft, sides: Mapping[str, Side],
                   views: Mapping[str, EndpointView]) -> list[str]:
    """The copies that sync the rule and hold another one than ``rule``."""
    return [ep for ep, s in sides.items() if ep in d.copies
            and "recurrence" in views[ep].fields and views[ep].writable
            and views[ep].observed and s.current.recurrence != views[ep].target("recurrence",
                                                                              rule)]


def whole_series(d: Draft, sides: Mapping[str, Side], views: Mapping[str, EndpointView]
                 ) -> Draft:
    """A series copy (a calendar's) whose rule is written gets its start written too where
    the new rule would not hold the item from the old start
    (:func:`hub.planner.recurring.rule_alone_holds`): each field is merged on its own, and
    the start was judged against the old rule."""
    wanted = dict(d.wanted)
    for ep, fields in d.wanted.items():
        view = views[ep]
        if view.series and "recurrence" in fields and ep in sides \
                and not rule_alone_holds(view, sides[ep].current, d.base):
            wanted[ep] = fields | (SERIES_FIELDS & view.fields)
    return replace(d, wanted=wanted) if wanted != d.wanted else d


def end_series(before: Item, d: Draft, sides: Mapping[str, Side],
               views: Mapping[str, EndpointView]) -> Draft:
    """A recurring item closed for good this round: its calendar series ends at the current
    occurrence (:func:`hub.planner.recurring.series_form`), the rule kept by the link."""
    if d.conflicts or d.deleting:
        return d
    eps = series_to_end(before, d.base, {ep: s.current for ep, s in sides.items()
                                         if ep in d.copies}, views)
    if not eps:
        return d
    wanted = dict(d.wanted)
    for ep in eps:
        wanted[ep] = wanted.get(ep, frozenset()) | {"recurrence"}
    return replace(d, wanted=wanted).note(
        f"closed for good: the series on {', '.join(eps)} ends at this occurrence "
        f"({anchor(d.base)}); the rule is kept, so reopened it goes on")


def complete(d: Draft, policy: DeletePolicy | None, sides: Mapping[str, Side],
             views: Mapping[str, EndpointView]) -> Draft:
    """Policy ``complete``: an open link is done, and every copy that can say so is told."""
    if policy is not DeletePolicy.COMPLETE or d.base.status.kind.closed:
        return d
    wanted = dict(d.wanted)
    for ep, s in sides.items():
        view = views[ep]
        if "status" in view.fields and s.current.status.kind is not StatusKind.DONE \
                and view.writable and view.observed:
            wanted[ep] = wanted.get(ep, frozenset()) | {"status"}
    return replace(d, base=d.base.evolve(status={"kind": StatusKind.DONE}), wanted=wanted)


def drop_unholdable(d: Draft, views: Mapping[str, EndpointView]) -> Draft:
    """A calendar event cannot lose its time: a copy is left as it is and unlinked, never
    rewritten or deleted, when the item no longer has what it needs there."""
    gone = [ep for ep in d.copies if not views[ep].can_hold(d.base)]
    if not gone:
        return d
    return replace(
        d, copies={ep: c for ep, c in d.copies.items() if ep not in gone},
        wanted={ep: fs for ep, fs in d.wanted.items() if ep not in gone},
        detached=d.detached | set(gone),
    ).note(*(f"{ep}: the item no longer has what it needs there "
             f"({', '.join(sorted(views[ep].create_requires_any))}); its copy "
             "is left as it is and unlinked" for ep in gone))


def link_writes(flow: str, d: Draft, views: Mapping[str, EndpointView], order: Sequence[str]
                ) -> tuple[Draft, tuple[Write, ...]]:
    """Deletes when the link is being deleted, else updates and creates."""
    if d.deleting:
        deletes, postponed = delete_writes(flow, d.lid, views, order, d.copies)
        return d.note(*postponed), tuple(deletes)
    return d, (*update_writes(flow, d.lid, views, order, d.copies, d.base, d.wanted,
                              d.occurrence),
               *create_writes(flow, d.lid, views, order, d.copies, d.detached, d.base))


def finish(flow: str, before: LinkState | None, d: Draft, writes: tuple[Write, ...]
           ) -> LinkPlan | None:
    """The link's plan; ``None`` when it writes nothing and its state stays as it was. A link
    left with no copy and nothing to write is dropped."""
    drop = not d.copies and not writes
    interim = LinkState(flow=flow, link_id=d.lid, base=d.base, copies=dict(d.copies),
                        provenance=dict(d.provenance), detached=d.detached,
                        deleting=d.deleting)
    if not writes and not d.conflicts and not drop and interim == before:
        return None
    return LinkPlan(link_id=d.lid, before=before, interim=interim, writes=writes,
                    conflicts=d.conflicts, reasons=d.reasons, drop=drop)


# -- composed ------------------------------------------------------------------------------


def plan_link(inp: PlanInput, lid: str, before: LinkState | None,
              seen: Mapping[str, RemoteItem], attach: Mapping[str, RemoteItem],
              gone: Mapping[str, Gone], seed: Start | None = None) -> LinkPlan | None:
    """One link's plan: the phases of the module docstring, in order."""
    views = {e.name: e for e in inp.endpoints}
    order = [e.name for e in inp.endpoints]
    d = take_listed(start(lid, views, before, attach, seed), seen)
    sides = sides_of(d, {**attach, **seen}, gone, views)
    edited_elsewhere = edited(sides, views)
    d = stop_delete(d, edited_elsewhere)
    d, policy = apply_gone(inp.config, d, gone, edited_elsewhere)
    merged = merge_link(lid, d.base, sides, views, inp.config, order=order, run_id=inp.run_id,
                        now=inp.now, provenance=before.provenance if before else None)
    settle_disputes(seed, {ep: s.current for ep, s in sides.items()}, merged.agreed,
                    {c.field for c in merged.conflicts})
    rolled = take_merge(d, merged)
    if before is not None:  # a link formed this round has no occurrence done yet
        rolled = shift_exclusions(d.base, rolled, sides, views)
        rolled = take_roll(inp.config, d.base, rolled, sides, views)
    d = rolled
    d = complete(d, policy, sides, views)
    if before is not None:
        d = end_series(before.base, d, sides, views)
    d = drop_unholdable(whole_series(d, sides, views), views)
    d, writes = link_writes(inp.flow, d, views, order)
    if before is None or before.base.recurrence != d.base.recurrence or any(
            w.kind is WriteKind.CREATE for w in writes):
        d = d.note(*filter(None, [unheld_note(d.base, views, order)]))
    return finish(inp.flow, before, d, writes)


def plan_flow(inp: PlanInput) -> Plan:
    """Plan one round of one flow. See the module docstring."""
    views = {e.name: e for e in inp.endpoints}
    order = [e.name for e in inp.endpoints]
    routed = route(inp)
    new = new_links(inp, routed)
    canonical_parents(inp, routed, new)
    plans: list[LinkPlan | None] = []
    skipped: list[str] = []
    for lid in sorted(inp.links):
        if not routed.touched(lid) and settled(inp.links[lid], views):
            skipped.append(lid)
            continue
        plans.append(plan_link(_waiting(inp, routed, lid), lid, inp.links[lid],
                               routed.seen.get(lid, {}), routed.attach.get(lid, {}),
                               routed.gone.get(lid, {})))
    for lid in sorted(new):
        seed = start_new_link({e: r.item for e, r in new[lid].items()}, views, order,
                              reformed=lid in routed.reformed)
        plans.append(plan_link(inp, lid, None, {}, new[lid], {}, seed))
    planned, nested = hold_nested([lp for lp in plans if lp is not None], inp.links, views)
    return Plan(flow=inp.flow, links=tuple(planned),
                total_links=len(inp.links) if inp.total_links is None else inp.total_links,
                planned=len(plans), settled=frozenset(skipped),
                warnings=(*removed_endpoints(inp.links, views), *routed.warnings,
                          *dict.fromkeys(  # one line per group held back
                    f"{h.title!r} {h.reason}" for h in routed.held), *nested),
                held=tuple(routed.held))


# -- helpers -------------------------------------------------------------------------------

def _waiting(inp: PlanInput, routed: Routed, lid: str) -> PlanInput:
    """The input as this link sees it: an endpoint where an item held back may be its copy
    counts as not observed for it, so no copy is created there (hub.planner.routing)."""
    eps = {ep for link, ep in routed.waiting if link == lid}
    if not eps:
        return inp
    return replace(inp, endpoints=tuple(replace(v, observed=False) if v.name in eps else v
                                        for v in inp.endpoints))



def as_held(item: Item, view: EndpointView) -> Item:
    """``item`` as ``view``'s service holds it (see :meth:`EndpointView.target`)."""
    if view.represent is None:
        return item
    return item.evolve(**{f: view.target(f, getattr(item, f)) for f in view.fields})


def with_marker(read: Item, stored: Item) -> Item:
    """A copy as read, with the marker it is known to carry: a listing may not repeat markers
    (Todoist's incremental sync lists only the comments that changed)."""
    return read if read.origin or not stored.origin else read.evolve(origin=stored.origin)


def removed_endpoints(links: Mapping[str, LinkState], views: Mapping[str, EndpointView]
                      ) -> tuple[str, ...]:
    """One line per endpoint that links have copies on but the flow no longer has (the
    config was rebound after a rename): those copies are forgotten (:func:`start`)."""
    counts = Counter(ep for link in links.values() for ep in link.copies if ep not in views)
    return tuple(f"endpoint {ep!r} is no longer in this flow: {n} link{'s' if n != 1 else ''} "
                 "forget their copy there (nothing is changed or deleted in that service; "
                 "copies there are found again by their markers if it comes back under "
                 "another name)" for ep, n in sorted(counts.items()))


def settled(link: LinkState, views: Mapping[str, EndpointView]) -> bool:
    """A link nothing touched this round whose copies all agree and exist where they should:
    nothing to plan. This is what keeps a quiet round over 10,000 links cheap.

    Compared as the merge compares (:func:`hub.planner.merge.copy_step`): field by field over
    what each endpoint syncs, and as its service holds the agreed value (Jira's "Medium" for
    no priority, Todoist's priority 1). What a copy carries beyond the synced fields (its
    ``url``, a service's own extras) is not part of the agreement: comparing whole items
    here made every link with a real adapter look unsettled, so every round planned every
    link."""
    if link.deleting or any(ep not in views for ep in link.copies):
        return False
    for ep, c in link.copies.items():
        view = views[ep]
        if not _copy_settled(link.base, c, view):
            return False
        if view.markers and view.writable and unmarked(link.flow, link.link_id, c):
            return False  # its marker is still to be written (that write failed before)
    return not any(name not in link.copies and name not in link.detached and view.writable
                   and view.observed and view.can_hold(link.base)
                   for name, view in views.items())  # a copy is missing (a create failed)


def _copy_settled(base: Item, c: CopyState, view: EndpointView) -> bool:
    """Whether a copy is unchanged since it agreed, and agreed on the link's value."""
    if c.snapshot is c.base and c.base is base and view.represent is None \
            and view.represent_in is None:
        return True
    for f in SYNC_FIELDS:
        if f not in view.fields:
            continue
        held = getattr(c.base, f)
        if getattr(c.snapshot, f) != held:
            return False  # read as changed since it last agreed
        if view.writable and held != view.target(f, getattr(base, f), c.snapshot):
            return False  # behind (a write is due), or a series the merge must look at
    return True  # a read-only copy agrees on what it holds (copy_step takes it as read)
