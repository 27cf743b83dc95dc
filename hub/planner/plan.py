"""The planner: observations + stored links -> a plan. Pure: no I/O, no clock, no randomness.

Steps, per round of one flow:

1. Route every observed copy to its link (by remote ref), or re-attach it to the link its
   origin marker names (a create whose commit was lost), or collect it as new.
2. Group new copies into new links: first by origin marker (state was lost), then by the
   flow's match key across endpoints (pre-existing equal items on first sync), so nothing that
   already exists on both sides is duplicated.
3. Apply the delete / leave-scope policy to copies reported gone. Only an explicit report from
   a successful listing ever leads to a delete; an edit made elsewhere in the same round wins
   over a delete (the deleted copy is unlinked instead).
4. Merge every link field by field (:mod:`hub.planner.merge`) and plan creates for endpoints
   that should hold a copy but do not.

Link ids and idempotency keys are derived from content, so the same inputs give the same
plan (P10) and a resumed write reuses its key.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace

from adapters.base import Gone, RemoteItem, WriteKind
from hub.config.models import DeletePolicy, LeaveScopePolicy
from hub.model import Item, StatusKind
from hub.planner.matching import group_new_items, match_key
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
            origin = remote.item.origin
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


def _new_links(inp: PlanInput, routed: _Routed) -> dict[str, dict[str, RemoteItem]]:
    """New links from unlinked copies; also attaches first-sync copies to existing links."""
    order = [e.name for e in inp.endpoints]
    existing_keys: dict[tuple[object, ...], list[str]] = defaultdict(list)
    if any(v.first_sync for v in inp.endpoints) and inp.links:
        for lid, link in inp.links.items():
            existing_keys[match_key(link.base, inp.config.match)].append(lid)
    groups, warnings = group_new_items(routed.new, order, inp.config.match)
    routed.warnings.extend(warnings)
    out: dict[str, dict[str, RemoteItem]] = {}
    for origin, members in groups:
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
        lid = origin or "l" + digest(inp.flow, first_ep, members[first_ep].ref)[:23]
        out[lid] = members
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
) -> LinkPlan | None:
    base = before.base if before else _BLANK
    copies: dict[str, CopyState] = dict(before.copies) if before else {}
    detached = set(before.detached) if before else set()
    deleting = before.deleting if before else False
    reasons: list[str] = []

    for ep, remote in attach.items():
        # Our own create (found by its marker) or a first-sync match: it agreed on the base.
        copies[ep] = CopyState(ep, remote.ref, base=base if before else _BLANK,
                               snapshot=remote.item, version=remote.version)
        detached.discard(ep)
        if before:
            reasons.append(f"{ep}: re-linked {remote.ref} by its origin marker or match key")
    for ep, remote in seen.items():
        c = copies[ep]
        copies[ep] = replace(c, snapshot=remote.item, version=remote.version)

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
        for ep in order:
            if ep not in new_copies:
                continue
            c, view = new_copies[ep], views[ep]
            if view.writable and view.observed and view.can_delete:
                writes.append(Write(WriteKind.DELETE, ep, digest(inp.flow, lid, ep, "delete"),
                                    ref=c.ref, expected_version=None))
            elif view.writable and not view.observed:
                reasons.append(f"{ep}: unreachable, delete postponed")
    else:
        for ep in order:
            fields = merged.writes.get(ep)
            if not fields or ep not in new_copies:
                continue
            c = new_copies[ep]
            values = {f: new_base.model_dump(mode="json", include={f}).get(f) for f in fields}
            writes.append(Write(WriteKind.UPDATE, ep,
                                digest(inp.flow, lid, ep, "update", c.version, sorted(
                                    values.items())),
                                ref=c.ref, item=new_base, fields=frozenset(fields),
                                expected_version=c.version))
        for ep in order:
            view = views[ep]
            if ep in new_copies or ep in detached or not view.writable:
                continue
            if not view.observed:
                continue  # created once it answers again
            if not view.can_hold(new_base):
                continue
            writes.append(Write(WriteKind.CREATE, ep, digest(inp.flow, lid, ep, "create"),
                                item=project(new_base, view.fields), origin=lid))
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
        lp = _plan_link(inp, views, order, lid, None, {}, new[lid], {})
        if lp is not None:
            plans.append(lp)
    return Plan(flow=inp.flow, links=tuple(plans), total_links=len(inp.links),
                warnings=tuple(routed.warnings))
