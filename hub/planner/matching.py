"""Grouping copies that are new to synchub into links, without duplicating what exists.

Terminology: an **original** is an item a user made (it carries no origin marker); a
**marked copy** is one synchub created, carrying the id of its link as origin marker. The id
of a link formed from an original is :func:`link_id_for` its (flow, endpoint, ref), so the
markers on its copies *name* the original, whatever has been edited since. The id also starts
with a tag of the flow, so a marker tells whether *this* flow made the copy: an item another
flow created in a shared service is an original here (its marker is ignored), not a copy of a
lost link. Links formed before ids carried the tag keep their ``l…`` ids (legacy ids, which
name the original the same way but not the flow).

Rules, in order:

1. **Origin marker**: marked copies carrying the same marker of this flow re-form that link
   (a fresh state file), under its old id. A group is **re-formed**, i.e. known to be this
   flow's lost link, when its marker has this flow's tag, or, for a legacy id, when its
   original was found by rule 2 or two copies carry the marker; a legacy id on one copy alone
   could be another flow's, and is grouped as before but not treated as re-formed.
2. **The original named by the marker**: an unmarked copy whose (flow, endpoint, ref) gives
   that id is the original; it rejoins, even with its title edited meanwhile.
3. **Match key, for the rest of a re-formed link**: an unmarked copy on an endpoint the link
   lacks rejoins it when its key equals the key of *any* of the link's members (so an edit on
   one copy does not hide the others), and only when unambiguous: one such link, and one such
   copy on that endpoint. This is for items a first sync matched by key that carry no marker
   yet: since the planner marks such copies (:func:`hub.planner.writes.update_writes`)
   they re-form by rule 1, but links formed by older versions are only marked once planned
   again, and a marker write can fail.
4. **Match key, between new items**: among the remaining new copies, those on *different*
   endpoints whose key (the flow's ``match`` fields, normalised: case and surrounding space
   ignored) is equal form one link. A key that is ambiguous (two new items with that key on
   one endpoint, and one on another) links nothing and is **held back**: none of those
   items is linked or copied anywhere (a wrong merge loses edits; copying them all would
   duplicate the one that exists elsewhere), the round says why, and the engine reads them
   again every round (:class:`hub.planner.types.Held`) until a person makes the key unique.
   Items whose key is shared on one endpoint only are new items like any other.

Copies listed ``rejoin_only`` (a recently completed Todoist task, see
:class:`adapters.base.RemoteItem`) take part in rules 1 and 2 only, the identities a marker
gives: a group of such copies alone is no link, and rules 3 and 4 (a key, a weak identity)
never see them, so a first sync copies no history and a completed task that shares a title
closes nothing.

What a re-formed link agrees on, and where it is not created again, is decided in
:mod:`hub.planner.agreement` and :mod:`hub.planner.plan`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from adapters.base import RemoteItem
from hub.model import Item
from hub.planner.types import Held

Key = tuple[object, ...]


class Group(NamedTuple):
    origin: str | None  # the marker the group was formed by (its link id), if any
    members: dict[str, RemoteItem]
    reformed: bool = False  # this flow's link, re-formed after its state was lost (rule 1)


def _hex(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def flow_tag(flow: str) -> str:
    return _hex("flow", flow)[:6]


def link_id_for(flow: str, endpoint: str, ref: str) -> str:
    """The id of a link formed from the item at ``endpoint``/``ref``: derived, not random, so a
    marker on one of its copies identifies the original after the state is lost (rule 2), and
    led by the flow's tag, so the marker says which flow made the copy (30 characters of
    ``[0-9a-fo]``, safe in every service's marker field)."""
    return "o" + flow_tag(flow) + _hex(flow, endpoint, ref)[:23]


def legacy_link_id(flow: str, endpoint: str, ref: str) -> str:
    """The id the same link got before ids carried the flow tag."""
    return "l" + _hex(flow, endpoint, ref)[:23]


def is_tagged(origin: str) -> bool:
    return len(origin) == 30 and origin[0] == "o"


def own_marker(origin: str | None, flow: str) -> str | None:
    """``origin`` unless it is another flow's (then the item is an original here)."""
    if origin and is_tagged(origin) and origin[1:7] != flow_tag(flow):
        return None
    return origin or None


def original_ids(flow: str, endpoint: str, ref: str) -> tuple[str, str]:
    """The ids a link formed from this item has, in the current and the legacy form."""
    return link_id_for(flow, endpoint, ref), legacy_link_id(flow, endpoint, ref)


def match_key(item: Item, fields: Sequence[str]) -> Key:
    out: list[object] = []
    for f in fields:
        v = getattr(item, f)
        if isinstance(v, str):
            v = " ".join(v.casefold().split())
        elif f == "status":
            v = v.kind
        out.append(v)
    return tuple(out)


def group_new_items(
    new: Sequence[tuple[str, RemoteItem]], order: Sequence[str], fields: Sequence[str],
    flow: str, held: Mapping[tuple[str, str], str] | None = None,
) -> tuple[list[Group], list[str], list[Held]]:
    """The groups in a deterministic order (marker groups first), warnings, and the items
    held back (rule 4)."""
    by_origin, rest, warnings = _split_marked(new, flow)
    marked = {origin: len(members) for origin, members in by_origin.items()}
    rest = _rejoin_originals(by_origin, rest, flow)
    named = {o for o, members in by_origin.items() if len(members) > marked[o]}
    rest = _rejoin_by_key(by_origin, rest, fields)
    groups = [Group(origin, by_origin[origin],
                    is_tagged(origin) or origin in named or marked[origin] > 1)
              for origin in sorted(by_origin)
              if not all(r.rejoin_only for r in by_origin[origin].values())]
    rest = [(ep, r) for ep, r in rest if not r.rejoin_only]  # history: never a new link
    keyed, holds = _key_groups(rest, order, fields, held or {})
    return groups + keyed, warnings, holds


def _split_marked(new: Sequence[tuple[str, RemoteItem]], flow: str
                  ) -> tuple[dict[str, dict[str, RemoteItem]], list[tuple[str, RemoteItem]],
                             list[str]]:
    """Rule 1: marked copies by marker; the others (unmarked, or marked by another flow) are
    returned as they came."""
    warnings: list[str] = []
    by_origin: dict[str, dict[str, RemoteItem]] = {}
    rest: list[tuple[str, RemoteItem]] = []
    for ep, remote in new:
        origin = own_marker(remote.item.origin, flow)
        if origin is None:
            rest.append((ep, remote))
            continue
        members = by_origin.setdefault(origin, {})
        if ep in members:
            keep, other = members[ep], remote
            if _closed(keep) and not _closed(other):
                # a done copy left beside its successor (a recurring item's ``spawn``): the
                # open one is the link's, or re-forming would close the series everywhere
                keep, other = other, keep
            members[ep] = keep
            warnings.append(f"{ep}: {keep.ref} and {other.ref} carry the same origin marker "
                            f"{origin}; only {keep.ref} is linked")
            continue
        members[ep] = remote
    return by_origin, rest, warnings


def _closed(remote: RemoteItem) -> bool:
    status = remote.item.status
    return status is not None and status.kind.closed


def _rejoin_originals(by_origin: dict[str, dict[str, RemoteItem]],
                      rest: list[tuple[str, RemoteItem]], flow: str
                      ) -> list[tuple[str, RemoteItem]]:
    """Rule 2: the original a marker names joins its link; returns the unmarked left over."""
    left: list[tuple[str, RemoteItem]] = []
    for ep, remote in rest:
        members = next((by_origin[i] for i in original_ids(flow, ep, remote.ref)
                        if i in by_origin), None)
        if members is not None and ep not in members:
            members[ep] = remote
        else:
            left.append((ep, remote))
    return left


def _rejoin_by_key(by_origin: dict[str, dict[str, RemoteItem]],
                   rest: list[tuple[str, RemoteItem]], fields: Sequence[str]
                   ) -> list[tuple[str, RemoteItem]]:
    """Rule 3; returns the unmarked copies that joined nothing. A key is a weak identity, so
    history (``rejoin_only``) takes no part: a completed task that only shares a title joins
    no link (it would close its copies), and a link known only from completed copies takes
    no open item by key (it would reopen them); nor does history make an open copy's key
    ambiguous."""
    if not fields or not by_origin:
        return rest
    links_with = _keyed_links(by_origin, fields)
    live = [(ep, r) for ep, r in rest if not r.rejoin_only]
    per_endpoint = Counter((ep, match_key(r.item, fields)) for ep, r in live)
    proposals: dict[tuple[str, str], list[RemoteItem]] = defaultdict(list)
    for ep, remote in live:
        key = match_key(remote.item, fields)
        origins = [o for o in links_with.get(key, ()) if ep not in by_origin[o]]
        if len(origins) == 1 and per_endpoint[(ep, key)] == 1:
            proposals[(origins[0], ep)].append(remote)
    joined: set[int] = set()
    for (origin, ep), remotes in sorted(proposals.items()):
        if len(remotes) == 1:  # two copies proposing for one place (by two keys): neither
            by_origin[origin][ep] = remotes[0]
            joined.add(id(remotes[0]))
    return [(ep, r) for ep, r in rest if id(r) not in joined]


def _keyed_links(by_origin: dict[str, dict[str, RemoteItem]], fields: Sequence[str]
                 ) -> dict[Key, set[str]]:
    """Key -> the marker groups with a member so keyed (groups of history alone: none)."""
    links_with: dict[Key, set[str]] = defaultdict(set)
    for origin, members in by_origin.items():
        if all(r.rejoin_only for r in members.values()):
            continue
        for remote in members.values():
            links_with[match_key(remote.item, fields)].add(origin)
    return links_with


def key_id(key: Key) -> str:
    """A stable id of a match key, kept with a held item (:class:`Held`)."""
    return _hex("key", repr(key))[:16]


def _key_groups(rest: list[tuple[str, RemoteItem]], order: Sequence[str],
                fields: Sequence[str], before: Mapping[tuple[str, str], str]
                ) -> tuple[list[Group], list[Held]]:
    """Rule 4: the groups, and the items held back. A key is held when it is ambiguous now,
    or when an item held with it before was not seen this round (its service did not answer,
    or reading it failed): deciding without it could pick the wrong pair."""
    if not fields:
        return [Group(None, {ep: r}) for ep, r in rest], []
    per_key: dict[Key, dict[str, list[RemoteItem]]] = defaultdict(lambda: defaultdict(list))
    for ep, remote in rest:
        per_key[match_key(remote.item, fields)][ep].append(remote)
    present = {(ep, r.ref) for ep, r in rest}
    unseen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (ep, ref), kid in before.items():
        if (ep, ref) not in present:
            unseen[kid].append((ep, ref))
    rank = {ep: i for i, ep in enumerate(order)}
    groups: list[Group] = []
    held: list[Held] = []
    for ep, remote in rest:
        key = match_key(remote.item, fields)
        decided = _decide(ep, remote, per_key[key], key_id(key), unseen.get(key_id(key), []),
                          rank)
        if isinstance(decided, Held):
            held.append(decided)
        elif decided is not None:
            groups.append(decided)
    return groups, held


def _decide(ep: str, remote: RemoteItem, bucket: dict[str, list[RemoteItem]], kid: str,
            unseen: list[tuple[str, str]], rank: dict[str, int]) -> Group | Held | None:
    """What rule 4 makes of one new copy: held, a group (emitted with the group's first
    endpoint), or nothing (its group is emitted with another member)."""
    if (len(bucket) > 1 and any(len(v) > 1 for v in bucket.values())) or unseen:
        refs = {e: [r.ref for r in rs] for e, rs in bucket.items()}
        for e, ref in unseen:
            refs.setdefault(e, []).append(f"{ref} (not read this round)")
        return hold(ep, remote, refs, kid)
    if len(bucket) == 1 and len(bucket[ep]) > 1:
        return Group(None, {ep: remote})  # shared on one side only: new items
    if ep != min(bucket, key=lambda e: rank.get(e, 99)):
        return None
    return Group(None, {e: rs[0] for e, rs in sorted(bucket.items(),
                                                     key=lambda kv: rank.get(kv[0], 99))})


def hold(endpoint: str, remote: RemoteItem, refs: dict[str, list[str]], kid: str) -> Held:
    """``remote`` held back: its key matches the items ``refs`` names (where -> ids)."""
    where = "; ".join(f"{ep}: {', '.join(rs)}" for ep, rs in refs.items())
    return Held(endpoint, remote.ref, remote.item.title,
                f"not linked: {sum(map(len, refs.values()))} items match by title ({where}); "
                "while more than one on one side matches, or one of them could not be read, "
                "synchub cannot tell which belong together; give them different titles and "
                "the next round links them", kid)
