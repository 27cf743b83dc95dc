"""Status writes a service would spread along the hierarchy: held while they would.

Todoist completes a parent *with* its sub-tasks (``item_complete``: "completes a task and its
sub-tasks") and reopens a sub-task *with* its parents (``item_uncomplete``: "any ancestor
items ... will also be reinstated"), on an endpoint whose capabilities say
``nests_completion``. Written because another service's copy changed, such a write would
also change copies nobody changed there: a sub-task still open elsewhere would read done in
Todoist, and that completion would reach Jira or Notion as if a person had made it (or a
parent done everywhere would read reopened).

So a write of a closed status is held on such an endpoint while a sub-task of the copy
(there, at any depth) is open and its link is not being closed too; a write of an open status
while an ancestor of the copy is closed there and its link stays closed. Held means: the
status is left out of the write (the rest of it goes), the copy stays behind on its status,
the round says why, and the next round plans it again, so it goes through as soon as the
sub-tasks are done (or the parent reopened). Nothing is lost: the link keeps the status the
person set, and every other copy gets it.

A person completing a parent in Todoist is not held: Todoist completes its sub-tasks, that
is their act, and it flows as any completion.

Pure, like the rest of the planner: it reads the links as planned this round (or as stored).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from adapters.base import WriteKind
from hub.planner.types import EndpointView, LinkPlan, Write
from hub.planner.writes import digest
from hub.store.base import CopyState, LinkState


class _Tree:
    """One endpoint's hierarchy of copies, by link id, as this round leaves the links."""

    def __init__(self, endpoint: str, links: Mapping[str, LinkState]) -> None:
        self.links = links
        self.copies: dict[str, CopyState] = {lid: link.copies[endpoint]
                                             for lid, link in links.items()
                                             if endpoint in link.copies}
        self.children: dict[str, list[str]] = {}
        for lid, c in self.copies.items():
            if c.snapshot.parent is not None:
                self.children.setdefault(c.snapshot.parent, []).append(lid)

    def descendants(self, lid: str) -> Iterator[str]:
        seen, todo = {lid}, list(self.children.get(lid, ()))
        while todo:
            kid = todo.pop()
            if kid not in seen:
                seen.add(kid)
                yield kid
                todo.extend(self.children.get(kid, ()))

    def ancestors(self, lid: str) -> Iterator[str]:
        seen = {lid}
        up = self.copies[lid].snapshot.parent if lid in self.copies else None
        while up is not None and up in self.copies and up not in seen:
            seen.add(up)
            yield up
            up = self.copies[up].snapshot.parent

    def closed_there(self, lid: str) -> bool:
        return self.copies[lid].snapshot.status.kind.closed

    def closed_link(self, lid: str) -> bool:
        return self.links[lid].base.status.kind.closed

    def blockers(self, lid: str, closing: bool) -> list[str]:
        """The copies the write would change against their links' status."""
        if closing:
            return [d for d in self.descendants(lid)
                    if not self.closed_there(d) and not self.closed_link(d)]
        return [a for a in self.ancestors(lid) if self.closed_there(a) and self.closed_link(a)]


def _status_write(w: Write, view: EndpointView) -> bool:
    return w.kind is WriteKind.UPDATE and "status" in w.fields and not w.occurrence_done \
        and w.item is not None and view.nests_completion


def _held(w: Write) -> Write | None:
    """``w`` without its status (a key of its own: the held write is another command), or
    None when nothing else is left to write."""
    fields = w.fields - {"status"}
    if not fields and w.origin is None:
        return None
    return replace(w, fields=fields, key=digest(w.key, "status held"))


def _note(lp: LinkPlan, w: Write, closing: bool, names: Sequence[str]) -> str:
    if closing:
        return (f"{w.endpoint}: {lp.title!r} not completed there yet: it would complete its "
                f"open sub-task(s) {', '.join(names)} with it; tried again each round")
    return (f"{w.endpoint}: {lp.title!r} not reopened there yet: it would reopen its done "
            f"parent(s) {', '.join(names)} with it; tried again each round")


def _hold_link(lp: LinkPlan, trees: Mapping[str, _Tree], now: Mapping[str, LinkState],
               views: Mapping[str, EndpointView]) -> tuple[LinkPlan, list[str]]:
    """One link's plan with its spreading status writes held, and a note for each."""
    writes: list[Write] = []
    notes: list[str] = []
    for w in lp.writes:
        tree = trees.get(w.endpoint)
        if tree is None or lp.link_id not in tree.copies or not _status_write(
                w, views[w.endpoint]):
            writes.append(w)
            continue
        assert w.item is not None
        closing = views[w.endpoint].target("status", w.item.status).kind.closed
        blockers = tree.blockers(lp.link_id, closing)
        if not blockers:
            writes.append(w)
            continue
        notes.append(_note(lp, w, closing, [repr(now[b].base.title) for b in blockers]))
        kept = _held(w)
        if kept is not None:
            writes.append(kept)
    if not notes:
        return lp, []
    return replace(lp, writes=tuple(writes), reasons=(*lp.reasons, *notes)), notes


def hold_nested(plans: Sequence[LinkPlan], links: Mapping[str, LinkState],
                views: Mapping[str, EndpointView]) -> tuple[list[LinkPlan], list[str]]:
    """The plans with such status writes held (see the module docstring), and a note for
    each one held."""
    nesting = [e for e, v in views.items() if v.nests_completion]
    if not any(_status_write(w, views[w.endpoint]) for lp in plans for w in lp.writes):
        return list(plans), []
    now = {**links, **{lp.link_id: lp.interim for lp in plans if not lp.drop}}
    trees = {e: _Tree(e, now) for e in nesting}
    out: list[LinkPlan] = []
    notes: list[str] = []
    for lp in plans:
        held, said = _hold_link(lp, trees, now, views)
        out.append(held)
        notes += said
    return out, notes
