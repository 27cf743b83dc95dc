"""The planner: observations + stored links -> a plan. Pure: no I/O, no clock, no randomness.

Steps, per round of one flow:

1. Route every observed copy to its link (by remote ref), or re-attach it to the link its
   origin marker names (a create whose commit was lost, a copy back in scope), or, unmarked,
   to the link whose id it gives (an original listed again, e.g. a reopened Todoist task), or
   collect it as new.
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
3. Apply the delete / leave-scope policy to copies reported gone. Only an explicit report from
   a successful listing ever leads to a delete; an edit made elsewhere in the same round wins
   over a delete (the deleted copy is unlinked instead).
4. Merge every link field by field (:mod:`hub.planner.merge`) and plan creates for endpoints
   that should hold a copy but do not. A copy that carries no origin marker (an item a first
   sync matched by key) gets its link's marker, in the same write as an update where there
   is one: after a lost state file the marker finds it, whatever was renamed meanwhile.

Link ids are derived from where the original lives (:func:`hub.planner.matching.link_id_for`)
and idempotency keys from content, so the same inputs give the same plan (P10), a resumed
write reuses its key, and a marker names the original after the state is lost.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace

from adapters.base import Gone, RemoteItem, WriteKind
from hub.config.models import DeletePolicy, LeaveScopePolicy
from hub.model import Item, StatusKind
from hub.planner.agreement import Start, settle_disputes, start_new_link
from hub.planner.matching import (
    group_new_items,
    link_id_for,
    match_key,
    original_ids,
    own_marker,
)
from hub.planner.merge import Side, merge_link
from hub.planner.types import EndpointView, LinkPlan, Plan, PlanInput, Write
from hub.store.base import CopyState, LinkState

_BLANK = Item()


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def project(item: Item, fields: frozenset[str]) -> Item:
    """``item`` with the fields an endpoint cannot hold blanked (what a create sends)."""
    blank = {f: getattr(_BLANK, f) for f in type(item).model_fields
             if f not in fields and f not in ("updated_at", "origin")}
    return item.evolve(**blank) if blank else item


class _Routed:
    """Observations sorted by link."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, RemoteItem]] = defaultdict(dict)
        self.attach: dict[str, dict[str, RemoteItem]] = defaultdict(dict)
        self.gone: dict[str, dict[str, Gone]] = defaultdict(dict)
        self.new: list[tuple[str, RemoteItem]] = []
        self.reformed: set[str] = set()  # new links re-formed from origin markers
        self.warnings: list[str] = []


def _route(inp: PlanInput) -> _Routed:
    r = _Routed()
    by_ref = {(ep, c.ref): lid for lid, link in inp.links.items() for ep, c in link.copies.items()}
    for view in inp.endpoints:
        ep = view.name
        cs = inp.observations.get(ep)
        if cs is None:
            continue
        for remote in cs.items:
            lid = by_ref.get((ep, remote.ref))
            if lid is not None:
                known = inp.links[lid].copies[ep]
                if remote.version == known.version and remote.item == known.snapshot:
                    continue  # an echo of what we already know (our own write read back)
                r.seen[lid][ep] = remote
                continue
            origin = own_marker(remote.item.origin, inp.flow) or _named_original(
                inp, ep, remote)
            if origin and origin in inp.links:
                link = inp.links[origin]
                if ep not in link.copies and ep not in r.attach[origin]:
                    r.attach[origin][ep] = remote
                else:
                    r.warnings.append(
                        f"{ep}: {remote.ref} carries the marker of link {origin}, which already "
                        "has a copy there; left alone (possible duplicate, check it by hand)")
                continue
            r.new.append((ep, remote))
        for ref, why in cs.gone.items():
            lid = by_ref.get((ep, ref))
            if lid is not None:
                r.gone[lid][ep] = why
    return r


def _named_original(inp: PlanInput, ep: str, remote: RemoteItem) -> str | None:
    """The link an unlinked, unmarked item is the original of, if that link lacks it there
    (an original completed and not listed when its link was re-formed, listed again once
    reopened; or one that re-entered the scope): it rejoins rather than being new."""
    for lid in original_ids(inp.flow, ep, remote.ref):
        link = inp.links.get(lid)
        if link is not None and ep not in link.copies:
            return lid
    return None


def _new_links(inp: PlanInput, routed: _Routed) -> dict[str, dict[str, RemoteItem]]:
    """New links from unlinked copies; also attaches first-sync copies to existing links."""
    order = [e.name for e in inp.endpoints]
    existing_keys: dict[tuple[object, ...], list[str]] = defaultdict(list)
    if any(v.first_sync for v in inp.endpoints) and inp.links:
        for lid, link in inp.links.items():
            existing_keys[match_key(link.base, inp.config.match)].append(lid)
    groups, warnings = group_new_items(routed.new, order, inp.config.match, inp.flow)
    routed.warnings.extend(warnings)
    out: dict[str, dict[str, RemoteItem]] = {}
    for origin, members, reformed in groups:
        first_ep = next(e for e in order if e in members)
        key = match_key(members[first_ep].item, inp.config.match)
        # A first-synced endpoint's items may belong to links the other endpoints already have.
        if origin is None and len(members) == 1 and inp.endpoint(first_ep).first_sync:
            candidates = [lid for lid in existing_keys.get(key, [])
                          if first_ep not in inp.links[lid].copies
                          and first_ep not in routed.attach[lid]]
            if len(candidates) == 1:
                routed.attach[candidates[0]][first_ep] = members[first_ep]
                continue
        lid = origin or link_id_for(inp.flow, first_ep, members[first_ep].ref)
        out[lid] = members
        if reformed:
            routed.reformed.add(lid)
    return out


def _gone_policy(inp: PlanInput, why: Gone) -> str:
    if why is Gone.DELETED:
        return inp.config.delete.value
    return {LeaveScopePolicy.UNLINK: "unlink", LeaveScopePolicy.COMPLETE: "complete",
            LeaveScopePolicy.DELETE: DeletePolicy.PROPAGATE.value}[inp.config.leave_scope]


def _plan_link(
    inp: PlanInput,
    views: dict[str, EndpointView],
    order: list[str],
    lid: str,
    before: LinkState | None,
    seen: dict[str, RemoteItem],
    attach: dict[str, RemoteItem],
    gone: dict[str, Gone],
    seed: Start | None = None,
) -> LinkPlan | None:
    base, copies, detached, reasons = _start(views, before, attach, seed)
    deleting = before.deleting if before else False
    for ep, remote in seen.items():
        c = copies[ep]
        copies[ep] = replace(c, snapshot=_with_marker(remote.item, c.snapshot),
                             version=remote.version)

    fresh = {**attach, **seen}  # listed this round: with per-field times where known
    sides = {ep: Side(c.base, c.snapshot, fresh[ep].field_times if ep in fresh else {})
             for ep, c in copies.items() if ep not in gone}
    edited_elsewhere = any(
        getattr(s.current, f) != getattr(s.base, f)
        for ep, s in sides.items() for f in views[ep].fields
    )
    if deleting and edited_elsewhere:
        reasons.append("a delete was under way, but a remaining copy was edited: delete stopped")
        deleting = False
    policy = None
    for ep, why in gone.items():
        pol = _gone_policy(inp, why)
        if edited_elsewhere and pol != "unlink":
            reasons.append(f"{ep}: copy {why.value}, but it was edited elsewhere this round: "
                           "the edit wins, the copy is only unlinked")
            pol = "unlink"
        else:
            reasons.append(f"{ep}: copy {why.value}; policy {pol}")
        copies.pop(ep)
        detached.add(ep)
        if pol == "propagate" or policy is None or (pol == "complete" and policy == "unlink"):
            policy = pol
    if policy == "propagate":
        deleting = True

    merged = merge_link(lid, base, sides, views, inp.config, order=order, run_id=inp.run_id,
                        now=inp.now, provenance=before.provenance if before else None)
    settle_disputes(seed, {ep: s.current for ep, s in sides.items()}, merged.agreed,
                    {c.field for c in merged.conflicts})
    reasons.extend(merged.reasons)
    new_base = merged.base
    writes: list[Write] = []
    if policy == "complete" and not new_base.status.kind.closed:
        new_base = new_base.evolve(status={"kind": StatusKind.DONE})
        for ep, s in sides.items():
            if "status" in views[ep].fields and s.current.status.kind is not StatusKind.DONE \
                    and views[ep].writable and views[ep].observed:
                merged.writes.setdefault(ep, set()).add("status")

    new_copies = {ep: replace(copies[ep], base=merged.agreed[ep]) for ep in sides}
    for ep in list(new_copies):
        if not views[ep].can_hold(new_base):
            # A calendar event cannot lose its time: the copy is left as it is and unlinked,
            # never rewritten or deleted, when the item no longer belongs there.
            reasons.append(f"{ep}: the item no longer has what it needs there "
                           f"({', '.join(sorted(views[ep].create_requires_any))}); its copy "
                           "is left as it is and unlinked")
            new_copies.pop(ep)
            merged.writes.pop(ep, None)
            detached.add(ep)
    drop = False
    if deleting:
        writes.extend(_delete_writes(inp, views, order, lid, new_copies, reasons))
    else:
        writes.extend(_update_writes(inp, views, order, lid, new_copies, new_base,
                                     merged.writes))
        writes.extend(_create_writes(inp, views, order, lid, new_copies, detached, new_base))
    if not new_copies and not writes:
        drop = True

    provenance = dict(before.provenance) if before else {}
    provenance.update(merged.provenance)
    interim = LinkState(flow=inp.flow, link_id=lid, base=new_base, copies=new_copies,
                        provenance=provenance, detached=frozenset(detached), deleting=deleting)
    if not writes and not merged.conflicts and not drop and interim == before:
        return None
    return LinkPlan(link_id=lid, before=before, interim=interim, writes=tuple(writes),
                    conflicts=tuple(merged.conflicts), reasons=tuple(reasons), drop=drop)


def _start(views: dict[str, EndpointView], before: LinkState | None,
           attach: dict[str, RemoteItem], seed: Start | None
           ) -> tuple[Item, dict[str, CopyState], set[str], list[str]]:
    """The link's base, copies, detached endpoints and first reasons before this round's
    observations: the stored link with copies re-attached, or a new link from its seed."""
    if before is None:
        seed = seed or Start(_BLANK, {})
        copies = {ep: CopyState(ep, r.ref, base=seed.sides.get(ep, _BLANK),
                                snapshot=r.item, version=r.version) for ep, r in attach.items()}
        return seed.base, copies, set(seed.detached), list(seed.reasons)
    copies = dict(before.copies)
    detached = set(before.detached)
    reasons: list[str] = []
    for ep, remote in attach.items():
        # Our own create (found by its marker), a first-sync match or a copy back in scope:
        # it agreed on the base, as its service holds it (Jira's "Medium" for no priority is
        # no edit).
        copies[ep] = CopyState(ep, remote.ref, base=_as_held(before.base, views[ep]),
                               snapshot=remote.item, version=remote.version)
        detached.discard(ep)
        reasons.append(f"{ep}: re-linked {remote.ref} by its origin marker or match key")
    return before.base, copies, detached, reasons


def _as_held(item: Item, view: EndpointView) -> Item:
    if view.represent is None:
        return item
    return item.evolve(**{f: view.target(f, getattr(item, f)) for f in view.fields})


def _delete_writes(inp: PlanInput, views: dict[str, EndpointView], order: list[str], lid: str,
                   copies: dict[str, CopyState], reasons: list[str]) -> list[Write]:
    writes: list[Write] = []
    for ep in order:
        if ep not in copies:
            continue
        c, view = copies[ep], views[ep]
        if view.writable and view.observed and view.can_delete:
            writes.append(Write(WriteKind.DELETE, ep, digest(inp.flow, lid, ep, "delete"),
                                ref=c.ref, expected_version=None))
        elif view.writable and not view.observed:
            reasons.append(f"{ep}: unreachable, delete postponed")
    return writes


def _with_marker(read: Item, stored: Item) -> Item:
    """A copy as read, with the marker it is known to carry: a listing may not repeat markers
    (Todoist's incremental sync lists only the comments that changed)."""
    return read if read.origin or not stored.origin else read.evolve(origin=stored.origin)


def _unmarked(flow: str, lid: str, c: CopyState) -> bool:
    """A copy that carries no origin marker and is not the original the link's id names
    (:func:`hub.planner.matching.link_id_for`): an item a first sync matched by key. If the
    state is lost, only a marker finds it again whatever has been edited since, so it gets
    the link's marker. A copy carrying any marker (another flow's too) is left as it is."""
    return not c.snapshot.origin and lid not in original_ids(flow, c.endpoint, c.ref)


def _update_writes(inp: PlanInput, views: dict[str, EndpointView], order: list[str], lid: str,
                   copies: dict[str, CopyState], new_base: Item, wanted: dict[str, set[str]]
                   ) -> list[Write]:
    """Updates of the fields the merge decided, each also writing the link's origin marker
    on an unmarked copy (:func:`_unmarked`); a marker alone where no field changes."""
    writes: list[Write] = []
    for ep in order:
        if ep not in copies:
            continue
        c, view = copies[ep], views[ep]
        fields = wanted.get(ep) or set()
        mark = view.writable and view.observed and _unmarked(inp.flow, lid, c)
        if not fields and not mark:
            continue
        values = {f: new_base.model_dump(mode="json", include={f}).get(f) for f in fields}
        parts = (inp.flow, lid, ep, "update", c.version, sorted(values.items()))
        key = digest(*parts, "mark") if mark else digest(*parts)
        writes.append(Write(WriteKind.UPDATE, ep, key,
                            ref=c.ref, item=new_base, fields=frozenset(fields),
                            expected_version=c.version, origin=lid if mark else None))
    return writes


def _create_writes(inp: PlanInput, views: dict[str, EndpointView], order: list[str], lid: str,
                   copies: dict[str, CopyState], detached: set[str], new_base: Item
                   ) -> list[Write]:
    writes: list[Write] = []
    for ep in order:
        view = views[ep]
        if ep in copies or ep in detached or not view.writable:
            continue
        if not view.observed:
            continue  # created once it answers again
        if not view.can_hold(new_base):
            continue
        writes.append(Write(WriteKind.CREATE, ep, digest(inp.flow, lid, ep, "create"),
                            item=project(new_base, view.fields), origin=lid))
    return writes


def _settled(link: LinkState, views: dict[str, EndpointView]) -> bool:
    """A link nothing touched this round whose copies all agree and exist where they should:
    nothing to plan. This is what keeps a quiet round over 10,000 links cheap."""
    if link.deleting:
        return False
    for c in link.copies.values():
        if c.snapshot is not c.base and c.snapshot != c.base:
            return False
        if c.base is not link.base and c.base != link.base:
            return False
    for name, view in views.items():
        if name not in link.copies and name not in link.detached and view.writable \
                and view.observed and view.can_hold(link.base):
            return False  # a copy is missing (a create failed or is deferred)
    return True


def _canonical_parents(inp: PlanInput, routed: _Routed,
                       new: dict[str, dict[str, RemoteItem]]) -> None:
    """Adapters report a parent as a remote id; canonically it is the parent's link id
    (new links of this round included), or None when synchub does not know the parent."""
    link_of = {(ep, c.ref): lid for lid, link in inp.links.items()
               for ep, c in link.copies.items()}
    for groups in (routed.attach, new):
        for lid, members in groups.items():
            for ep, r in members.items():
                link_of[(ep, r.ref)] = lid

    def fix(ep: str, r: RemoteItem) -> RemoteItem:
        if r.item.parent is None:
            return r
        return replace(r, item=r.item.evolve(parent=link_of.get((ep, r.item.parent))))

    for groups in (routed.seen, routed.attach, new):
        for members in groups.values():
            for ep in members:
                members[ep] = fix(ep, members[ep])


def plan_flow(inp: PlanInput) -> Plan:
    """Plan one round of one flow. See the module docstring."""
    order = [e.name for e in inp.endpoints]
    views = {e.name: e for e in inp.endpoints}
    routed = _route(inp)
    new = _new_links(inp, routed)
    _canonical_parents(inp, routed, new)
    plans: list[LinkPlan] = []
    for lid in sorted(inp.links):
        if lid not in routed.seen and lid not in routed.attach and lid not in routed.gone \
                and _settled(inp.links[lid], views):
            continue
        lp = _plan_link(inp, views, order, lid, inp.links[lid], routed.seen.get(lid, {}),
                        routed.attach.get(lid, {}), routed.gone.get(lid, {}))
        if lp is not None:
            plans.append(lp)
    for lid in sorted(new):
        seed = start_new_link({e: r.item for e, r in new[lid].items()}, views, order,
                              reformed=lid in routed.reformed)
        lp = _plan_link(inp, views, order, lid, None, {}, new[lid], {}, seed)
        if lp is not None:
            plans.append(lp)
    return Plan(flow=inp.flow, links=tuple(plans), total_links=len(inp.links),
                warnings=tuple(routed.warnings))
