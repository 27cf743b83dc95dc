"""Grouping copies that are new to synchub into links, without duplicating what exists.

Two rules, in order:

1. **Origin marker**: copies carrying the same marker are copies of one link whose state was
   lost (a fresh state file, a crash before commit): they re-form that link, under its old id,
   and the unmarked original they were made from rejoins it by the match key.
2. **Match key**: among the remaining new copies, those on *different* endpoints whose key
   (the flow's ``match`` fields, normalised: case and surrounding space ignored) is equal form
   one link. A key that is ambiguous on one endpoint (two new items with the same title there)
   matches nothing, because a wrong merge is worse than a visible duplicate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from adapters.base import RemoteItem
from hub.model import Item


def match_key(item: Item, fields: Sequence[str]) -> tuple[object, ...]:
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
    new: Sequence[tuple[str, RemoteItem]], order: Sequence[str], fields: Sequence[str]
) -> tuple[list[tuple[str | None, dict[str, RemoteItem]]], list[str]]:
    """Returns ``[(origin or None, {endpoint: copy})]`` in a deterministic order, and warnings."""
    warnings: list[str] = []
    groups: list[tuple[str | None, dict[str, RemoteItem]]] = []
    by_origin: dict[str, dict[str, RemoteItem]] = {}
    rest: list[tuple[str, RemoteItem]] = []
    for ep, remote in new:
        origin = remote.item.origin
        if origin:
            members = by_origin.setdefault(origin, {})
            if ep in members:
                warnings.append(f"{ep}: {remote.ref} and {members[ep].ref} carry the same origin "
                                f"marker {origin}; only the first is linked")
                continue
            members[ep] = remote
        else:
            rest.append((ep, remote))
    for origin in sorted(by_origin):
        groups.append((origin, by_origin[origin]))

    if not fields:
        return groups + [(None, {ep: r}) for ep, r in rest], warnings
    per_key: dict[tuple[object, ...], dict[str, list[RemoteItem]]] = defaultdict(
        lambda: defaultdict(list))
    for ep, remote in rest:
        per_key[match_key(remote.item, fields)][ep].append(remote)

    # A re-formed link lacks the copy synchub did not create: the user's original, which
    # carries no marker. It joins by the match key (unambiguously, on an endpoint the link
    # lacks); otherwise a lost state file would turn every original into a duplicate.
    claimed: set[int] = set()
    marked_keys: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for origin, members in sorted(by_origin.items()):
        marked_keys[match_key(next(iter(members.values())).item, fields)].append(origin)
    for key, origins in marked_keys.items():
        bucket = per_key.get(key)
        if bucket is None or len(origins) != 1:
            continue
        members = by_origin[origins[0]]
        for ep, remotes in bucket.items():
            if ep not in members and len(remotes) == 1:
                members[ep] = remotes[0]
                claimed.add(id(remotes[0]))

    rank = {ep: i for i, ep in enumerate(order)}
    for ep, remote in rest:
        if id(remote) in claimed:
            continue
        key = match_key(remote.item, fields)
        bucket = {e: [r for r in rs if id(r) not in claimed]
                  for e, rs in per_key[key].items()}
        bucket = {e: rs for e, rs in bucket.items() if rs}
        if any(len(v) > 1 for v in bucket.values()):
            groups.append((None, {ep: remote}))  # ambiguous: never guess
            continue
        first_ep = min(bucket, key=lambda e: rank.get(e, 99))
        if ep != first_ep:
            continue  # emitted with its group's first endpoint
        groups.append((None, {e: rs[0] for e, rs in sorted(bucket.items(),
                                                            key=lambda kv: rank.get(kv[0], 99))}))
    return groups, warnings
