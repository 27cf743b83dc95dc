"""Grouping copies that are new to synchub into links, without duplicating what exists.

Terminology: an **original** is an item a user made (it carries no origin marker); a
**marked copy** is one synchub created, carrying the id of its link as origin marker. The id
of a link formed from an original is :func:`link_id_for` its (flow, endpoint, ref), so the
markers on its copies *name* the original, whatever has been edited since.

Rules, in order:

1. **Origin marker**: marked copies carrying the same marker re-form that link (a fresh state
   file, a crash before commit), under its old id.
2. **The original named by the marker**: an unmarked copy whose (flow, endpoint, ref) gives
   that id is the original; it rejoins, even with its title edited meanwhile.
3. **Match key, for the rest of a re-formed link**: an unmarked copy on an endpoint the link
   lacks rejoins it when its key equals the key of *any* of the link's members (so an edit on
   one copy does not hide the others), and only when unambiguous: one such link, and one such
   copy on that endpoint. This is for the items a first sync matched by key, which no marker
   names.
4. **Match key, between new items**: among the remaining new copies, those on *different*
   endpoints whose key (the flow's ``match`` fields, normalised: case and surrounding space
   ignored) is equal form one link. A key that is ambiguous on one endpoint (two new items
   with the same title there) matches nothing, because a wrong merge is worse than a visible
   duplicate.

What a re-formed link agrees on, and where it is not created again, is decided in
:mod:`hub.planner.agreement` and :mod:`hub.planner.plan`.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence

from adapters.base import RemoteItem
from hub.model import Item

Key = tuple[object, ...]
Group = tuple[str | None, dict[str, RemoteItem]]


def link_id_for(flow: str, endpoint: str, ref: str) -> str:
    """The id of a link formed from the item at ``endpoint``/``ref``: derived, not random, so a
    marker on one of its copies identifies the original after the state is lost (rule 2)."""
    return "l" + hashlib.sha256("\x1f".join((flow, endpoint, ref)).encode()).hexdigest()[:23]


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
    flow: str,
) -> tuple[list[Group], list[str]]:
    """Returns ``[(origin or None, {endpoint: copy})]`` in a deterministic order, and warnings.

    A group with an origin is a re-formed link (rules 1-3); one without is a new link."""
    by_origin, rest, warnings = _split_marked(new)
    rest = _rejoin_originals(by_origin, rest, flow)
    rest = _rejoin_by_key(by_origin, rest, fields)
    groups: list[Group] = [(origin, by_origin[origin]) for origin in sorted(by_origin)]
    return groups + _key_groups(rest, order, fields), warnings


def _split_marked(new: Sequence[tuple[str, RemoteItem]]
                  ) -> tuple[dict[str, dict[str, RemoteItem]], list[tuple[str, RemoteItem]],
                             list[str]]:
    """Rule 1: marked copies by marker; the unmarked ones are returned as they came."""
    warnings: list[str] = []
    by_origin: dict[str, dict[str, RemoteItem]] = {}
    rest: list[tuple[str, RemoteItem]] = []
    for ep, remote in new:
        origin = remote.item.origin
        if not origin:
            rest.append((ep, remote))
            continue
        members = by_origin.setdefault(origin, {})
        if ep in members:
            warnings.append(f"{ep}: {remote.ref} and {members[ep].ref} carry the same origin "
                            f"marker {origin}; only the first is linked")
            continue
        members[ep] = remote
    return by_origin, rest, warnings


def _rejoin_originals(by_origin: dict[str, dict[str, RemoteItem]],
                      rest: list[tuple[str, RemoteItem]], flow: str
                      ) -> list[tuple[str, RemoteItem]]:
    """Rule 2: the original a marker names joins its link; returns the unmarked left over."""
    left: list[tuple[str, RemoteItem]] = []
    for ep, remote in rest:
        members = by_origin.get(link_id_for(flow, ep, remote.ref))
        if members is not None and ep not in members:
            members[ep] = remote
        else:
            left.append((ep, remote))
    return left


def _rejoin_by_key(by_origin: dict[str, dict[str, RemoteItem]],
                   rest: list[tuple[str, RemoteItem]], fields: Sequence[str]
                   ) -> list[tuple[str, RemoteItem]]:
    """Rule 3; returns the unmarked copies that joined nothing."""
    if not fields or not by_origin:
        return rest
    links_with: dict[Key, set[str]] = defaultdict(set)  # key -> origins with a member so keyed
    for origin, members in by_origin.items():
        for remote in members.values():
            links_with[match_key(remote.item, fields)].add(origin)
    per_endpoint = Counter((ep, match_key(r.item, fields)) for ep, r in rest)
    proposals: dict[tuple[str, str], list[RemoteItem]] = defaultdict(list)
    for ep, remote in rest:
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


def _key_groups(rest: list[tuple[str, RemoteItem]], order: Sequence[str],
                fields: Sequence[str]) -> list[Group]:
    """Rule 4."""
    if not fields:
        return [(None, {ep: r}) for ep, r in rest]
    per_key: dict[Key, dict[str, list[RemoteItem]]] = defaultdict(lambda: defaultdict(list))
    for ep, remote in rest:
        per_key[match_key(remote.item, fields)][ep].append(remote)
    rank = {ep: i for i, ep in enumerate(order)}
    groups: list[Group] = []
    for ep, remote in rest:
        bucket = per_key[match_key(remote.item, fields)]
        if any(len(v) > 1 for v in bucket.values()):
            groups.append((None, {ep: remote}))  # ambiguous: never guess
            continue
        if ep != min(bucket, key=lambda e: rank.get(e, 99)):
            continue  # emitted with its group's first endpoint
        groups.append((None, {e: rs[0] for e, rs in sorted(bucket.items(),
                                                            key=lambda kv: rank.get(kv[0], 99))}))
    return groups
