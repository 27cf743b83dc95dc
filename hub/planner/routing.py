"""Routing: every observed copy sorted to the link it belongs to, or collected as new.

Steps 1-2 of a round (see :mod:`hub.planner.plan`), as separate phases:

- :func:`route`: a listed copy goes to its link by remote ref (unless it is an echo of what
  the link already knows), or re-attaches to the link its origin marker names (a create whose
  commit was lost, a copy back in scope), or, unmarked, to the link whose id it gives (an
  original listed again, e.g. a reopened Todoist task); anything else is new. A copy reported
  gone is sorted to its link.
- :func:`new_links`: new copies grouped into new links (:mod:`hub.planner.matching`); a
  first-synced endpoint's lone new item joins the one existing link whose match key it has.
- :func:`canonical_parents`: remote parent ids turned into link ids.

Pure, like the rest of the planner.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from adapters.base import Gone, RemoteItem
from hub.planner.matching import (
    Key,
    group_new_items,
    hold,
    key_id,
    link_id_for,
    match_key,
    original_ids,
    own_marker,
)
from hub.planner.types import Held, PlanInput

Members = dict[str, RemoteItem]  # endpoint -> copy


@dataclass
class Routed:
    """Observations sorted by link."""

    seen: dict[str, Members] = field(default_factory=lambda: defaultdict(dict))
    attach: dict[str, Members] = field(default_factory=lambda: defaultdict(dict))
    gone: dict[str, dict[str, Gone]] = field(default_factory=lambda: defaultdict(dict))
    new: list[tuple[str, RemoteItem]] = field(default_factory=list)
    reformed: set[str] = field(default_factory=set)  # new links re-formed from origin markers
    warnings: list[str] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)  # new items an ambiguous key holds back
    #: (link, endpoint): no copy is created there this round, an item held back there may
    #: be the link's (:func:`_join_existing`)
    waiting: set[tuple[str, str]] = field(default_factory=set)

    def touched(self, lid: str) -> bool:
        return lid in self.seen or lid in self.attach or lid in self.gone


def route(inp: PlanInput) -> Routed:
    """Every listed copy and every reported gone copy, sorted by link (see the docstring)."""
    r = Routed()
    by_ref = {(ep, c.ref): lid for lid, link in inp.links.items() for ep, c in link.copies.items()}
    for view in inp.endpoints:
        ep = view.name
        cs = inp.observations.get(ep)
        if cs is None:
            continue
        for remote in cs.items:
            lid = by_ref.get((ep, remote.ref))
            if lid is not None:
                _known(inp, r, lid, ep, remote)
            else:
                _unlinked(inp, r, ep, remote)
        for ref, why in cs.gone.items():
            lid = by_ref.get((ep, ref))
            if lid is not None:
                r.gone[lid][ep] = why
    return r


def _known(inp: PlanInput, r: Routed, lid: str, ep: str, remote: RemoteItem) -> None:
    """A listed copy of a link: seen, unless it is an echo of what we already know (our own
    write read back)."""
    known = inp.links[lid].copies[ep]
    if remote.version != known.version or remote.item != known.snapshot:
        r.seen[lid][ep] = remote


def _unlinked(inp: PlanInput, r: Routed, ep: str, remote: RemoteItem) -> None:
    """A listed copy no link has: re-attached to the link it names, or new."""
    origin = own_marker(remote.item.origin, inp.flow) or named_original(inp, ep, remote)
    if not origin or origin not in inp.links:
        r.new.append((ep, remote))
    elif ep not in inp.links[origin].copies and ep not in r.attach[origin]:
        r.attach[origin][ep] = remote
    elif remote.item.status.kind.closed and remote.item.recurrence is None \
            and inp.links[origin].base.recurrence is not None:
        pass  # a done occurrence a ``spawn`` left behind (hub.planner.recurring): history
    else:
        r.warnings.append(
            f"{ep}: {remote.ref} carries the marker of link {origin}, which already "
            "has a copy there; left alone (possible duplicate, check it by hand)")


def named_original(inp: PlanInput, ep: str, remote: RemoteItem) -> str | None:
    """The link an unlinked, unmarked item is the original of, if that link lacks it there
    (an original completed and not listed when its link was re-formed, listed again once
    reopened; or one that re-entered the scope): it rejoins rather than being new."""
    for lid in original_ids(inp.flow, ep, remote.ref):
        link = inp.links.get(lid)
        if link is not None and ep not in link.copies:
            return lid
    return None


def new_links(inp: PlanInput, routed: Routed) -> dict[str, Members]:
    """New links from unlinked copies; also attaches first-sync copies to existing links."""
    order = [e.name for e in inp.endpoints]
    existing = _existing_keys(inp)
    groups, warnings, held = group_new_items(routed.new, order, inp.config.match, inp.flow,
                                             inp.held)
    routed.warnings.extend(warnings)
    routed.held.extend(held)
    wait_for_unseen(inp, routed, existing)
    out: dict[str, Members] = {}
    for origin, members, reformed in groups:
        first_ep = next(e for e in order if e in members)
        if origin is None and len(members) == 1 and _join_existing(
                inp, routed, existing, first_ep, members[first_ep]):
            continue
        lid = origin or link_id_for(inp.flow, first_ep, members[first_ep].ref)
        out[lid] = members
        if reformed:
            routed.reformed.add(lid)
    return out


def _existing_keys(inp: PlanInput) -> dict[Key, list[str]]:
    """Existing links by match key, needed only when an endpoint is synced the first time
    (or items it held back are still held)."""
    keys: dict[Key, list[str]] = defaultdict(list)
    if inp.held or any(v.first_sync for v in inp.endpoints):
        for lid, link in inp.links.items():
            keys[match_key(link.base, inp.config.match)].append(lid)
    return keys


def _join_existing(inp: PlanInput, routed: Routed, existing: dict[Key, list[str]], ep: str,
                   remote: RemoteItem) -> bool:
    """A first-synced endpoint's item may belong to a link the other endpoints already have:
    it joins the one such link (by match key) that lacks a copy there. When that is
    ambiguous (several such links, or several new items with the key there) it is held back
    as rule 4 holds new items (:mod:`hub.planner.matching`): linking one at random could
    merge the wrong pair, and making it a new link would duplicate the item everywhere else.
    A held item is matched against the links the same way in later rounds, until a person
    makes the key unique. True when the item joined or is held."""
    if not (inp.endpoint(ep).first_sync or (ep, remote.ref) in inp.held):
        return False
    key = match_key(remote.item, inp.config.match)
    candidates = [lid for lid in existing.get(key, [])
                  if ep not in inp.links[lid].copies and ep not in routed.attach[lid]]
    if not candidates:
        return False
    rivals = [r.ref for e, r in routed.new
              if e == ep and not r.rejoin_only and match_key(r.item, inp.config.match) == key]
    if len(candidates) == 1 and len(rivals) <= 1:
        routed.attach[candidates[0]][ep] = remote
    else:
        _hold_against(inp, routed, ep, remote, candidates, rivals or [remote.ref], key)
    return True


def _hold_against(inp: PlanInput, routed: Routed, ep: str, remote: RemoteItem,
                  candidates: list[str], rivals: list[str], key: Key) -> None:
    """Hold ``remote`` back: it may be any of the ``candidates`` links' copy at ``ep``; those
    links wait for it (no copy is made there meanwhile)."""
    refs: dict[str, list[str]] = {ep: rivals}
    routed.waiting.update((lid, ep) for lid in candidates)
    for lid in candidates:
        for e, c in sorted(inp.links[lid].copies.items()):
            refs.setdefault(e, []).append(f"{c.ref} (linked)")
    routed.held.append(hold(ep, remote, refs, key_id(key)))


def wait_for_unseen(inp: PlanInput, routed: Routed, existing: dict[Key, list[str]]) -> None:
    """An item held back before that was not read this round (its service down, its read
    failed) may still be the copy of a link with its key: no copy is made there meanwhile,
    or it would be a duplicate once the item is read again."""
    listed = {(ep, r.ref) for ep, r in routed.new}
    unseen = {(ep, kid) for (ep, ref), kid in inp.held.items() if (ep, ref) not in listed}
    if not unseen:
        return
    for key, lids in existing.items():
        kid = key_id(key)
        for lid in lids:
            routed.waiting.update((lid, ep) for ep, k in unseen
                                  if k == kid and ep not in inp.links[lid].copies)


def canonical_parents(inp: PlanInput, routed: Routed, new: dict[str, Members]) -> None:
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
