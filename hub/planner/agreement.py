"""How a link formed this round starts: what its copies agreed on, and where it is not created.

A link formed this round has no stored base. Merging against a blank base makes every set
value look like an edit: Jira's "Medium" (which Jira writes when there is no priority, see
``represent`` in adapters/jira) would flow to every copy without one, and when copies differ
the endpoint order, not the flow's conflict policy, would pick the winner. So each field of a
new link starts from a base estimated from the copies themselves, compared *as each service
represents a value* (:meth:`hub.planner.types.EndpointView.target`): a copy *backs* a value
when it holds what its service would hold for it.

- **Copies matched by key** (a first sync of items made independently): a value every copy
  backs is their base; otherwise the base is blank, so what one side set flows to the others
  and different values go to the conflict policy, as before.
- **A re-formed link** (copies found by origin marker after the state was lost): its copies
  were in sync once, so the value backed by the most copies, at least two, was the last one
  they agreed on; a copy that differs from it was edited, and that edit flows (no edit is
  reverted). A value whose backers tie with another value's (a different set of copies), or
  backed by one copy only, leaves the field **disputed**: every copy must count as edited so
  the flow's conflict policy (newest / prefer / manual) decides. The merge compares a copy
  with its own base, so a disputed copy's base is a value it does not hold (another copy's):
  a ``manual`` conflict then stays open round after round, like any other conflict, instead of
  being settled by the next round in favour of whichever copy happened to hold a blank. Once
  a policy has decided it, the copies' bases are what they held (:func:`settle_disputes`).

What this cannot tell, by nature of a lost base: with two copies, which one was edited (the
policy decides, from item times for ``newest``); a write still pending when the state was
lost (the copy left behind looks edited to the majority); and a copy not created again on an
endpoint where it was not listed stays detached, so an item whose create had failed before
the loss is not created there (the reasons say so). Todoist lists tasks completed in the
last 30 days beside a full listing (``rejoin_only``), so a task completed before or while the
state was lost rejoins its link; one completed longer ago stays detached, and if it is
reopened it rejoins against the link's base, so fields edited elsewhere while it was away
read as its edits.

Pure, like the rest of the planner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from hub.model import SYNC_FIELDS, Item
from hub.planner.types import EndpointView

_BLANK = Item()


@dataclass(frozen=True)
class Start:
    """How a link formed this round starts."""

    base: Item  # the link's starting base: agreed values, blank where there are none
    sides: dict[str, Item]  # endpoint -> that copy's starting base
    detached: frozenset[str] = frozenset()  # endpoints it is not created on
    reasons: tuple[str, ...] = ()
    disputed: frozenset[str] = frozenset()  # fields left to the conflict policy


def start_new_link(members: Mapping[str, Item], views: Mapping[str, EndpointView],
                   order: Sequence[str], *, reformed: bool) -> Start:
    """A re-formed link is also not created where no copy of it was listed (and it could be
    held): that copy may exist unlisted (Todoist lists no completed task in a full listing)
    or have been deleted, and creating it would resurrect it. It re-attaches if it shows up."""
    start = starting_bases(members, views, order, reformed=reformed)
    if not reformed:
        return start
    unlisted = [e for e in order if e not in members and views[e].can_hold(start.base)]
    reasons = [f"re-linked by origin marker ({', '.join(members)}): the state was lost"]
    if unlisted:
        reasons.append(f"{', '.join(unlisted)}: no copy listed; not created again (it may be "
                       "completed or deleted there); re-linked if it shows up")
    return replace(start, detached=frozenset(unlisted), reasons=tuple(reasons))


def starting_bases(members: Mapping[str, Item], views: Mapping[str, EndpointView],
                   order: Sequence[str], *, reformed: bool) -> Start:
    base: dict[str, Any] = {}
    sides: dict[str, dict[str, Any]] = {e: {} for e in members}
    disputed: set[str] = set()
    for f in SYNC_FIELDS:
        parts = [e for e in order if e in members and f in views[e].fields]
        if len(parts) < 2:
            continue  # one copy: what it holds flows, as for any new item
        found, value = _agreed(f, parts, members, views,
                               quorum=2 if reformed else len(parts))
        if found:
            base[f] = value
            for e in parts:
                sides[e][f] = views[e].target(f, value, members[e])
        elif reformed:
            disputed.add(f)
            for e in parts:
                sides[e][f] = _other_value(f, e, parts, members)
    return Start(base=_BLANK.evolve(**base) if base else _BLANK,
                 sides={e: _BLANK.evolve(**v) if v else _BLANK for e, v in sides.items()},
                 disputed=frozenset(disputed))


def settle_disputes(start: Start | None, current: Mapping[str, Item],
                    agreed: dict[str, Item], still_open: set[str]) -> None:
    """Once the policy has decided a disputed field, every copy agreed on what it held, as a
    copy of a stored link that is behind does: if the losing copy's write fails, it is
    brought up next round, not taken for a new edit that wins (``prefer`` would flip). A
    manual conflict (``still_open``) keeps the dispute, so it stays visible. Updates the
    merge's ``agreed`` (endpoint -> copy base) in place."""
    if start is None or not start.disputed:
        return
    for e, base in agreed.items():
        held = {f: getattr(current[e], f) for f in start.disputed - still_open
                if getattr(base, f) != getattr(current[e], f)}
        if held:
            agreed[e] = base.evolve(**held)


def _agreed(f: str, parts: Sequence[str], members: Mapping[str, Item],
            views: Mapping[str, EndpointView], *, quorum: int) -> tuple[bool, Any]:
    """The value most copies back (at least ``quorum``), if no other value is backed by as
    many different copies. Values backed by the very same copies are one reading ("none" and
    "Medium" for two Jira copies): the one held literally by more copies is taken."""
    first = getattr(members[parts[0]], f)
    if all(getattr(members[e], f) == first for e in parts[1:]):
        return True, first  # the usual case: every copy holds the same value
    scored = _scores(f, parts, members, views)
    top = max(s.backers_count for s in scored)
    best = [s for s in scored if s.backers_count == top]
    if top < quorum or len({s.backers for s in best}) > 1:
        return False, None
    return True, max(best, key=lambda s: s.literal).value


class _Score(NamedTuple):
    backers_count: int  # copies that hold what their service would hold for the value
    literal: int  # copies that hold the value itself
    backers: frozenset[str]
    value: Any


def _scores(f: str, parts: Sequence[str], members: Mapping[str, Item],
            views: Mapping[str, EndpointView]) -> list[_Score]:
    """Every value the copies hold (first seen first), with who backs it."""
    candidates: list[Any] = []
    for e in parts:
        v = getattr(members[e], f)
        if v not in candidates:
            candidates.append(v)
    scored = []
    for v in candidates:
        backers = frozenset(e for e in parts
                            if getattr(members[e], f) == views[e].target(f, v, members[e]))
        literal = sum(1 for e in parts if getattr(members[e], f) == v)
        scored.append(_Score(len(backers), literal, backers, v))
    return scored


def _other_value(f: str, e: str, parts: Sequence[str], members: Mapping[str, Item]) -> Any:
    """A value copy ``e`` does not hold (another copy's), as its base for a disputed field."""
    mine = getattr(members[e], f)
    for other in parts:
        v = getattr(members[other], f)
        if v != mine:
            return v
    return mine
