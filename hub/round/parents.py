"""Translating the ``parent`` field between remote ids and link ids.

Adapters report a copy's parent as the parent's *remote* id in that service; canonically the
parent is the parent's *link* id, the same on every side, so the planner can compare parents
across services. On the way out, the link id becomes the target service's id of the parent's
copy. A parent that synchub does not know (outside every scope) reads as no parent; a parent
whose copy does not exist yet on the target is left out of the write, so that copy stays
"behind" on that field and is completed in a later round instead of being written wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from adapters.base import WriteKind
from hub.planner.types import Write
from hub.store.base import LinkState


class ParentIndex:
    """The links of a round, and ``lookup`` for a parent outside them: a round loads only its
    working set (:mod:`hub.round.workset`), and a child's write may name a parent nothing
    touched this round."""

    def __init__(self, links: Mapping[str, LinkState],
                 lookup: Callable[[str], LinkState | None] | None = None) -> None:
        self._link_of: dict[tuple[str, str], str] = {}
        self._ref_of: dict[tuple[str, str], str] = {}
        self._lookup = lookup
        self._looked_up: set[str] = set()
        for lid, link in links.items():
            for ep, c in link.copies.items():
                self.add(lid, ep, c.ref)

    def _ref(self, link_id: str, endpoint: str) -> str | None:
        ref = self._ref_of.get((link_id, endpoint))
        if ref is None and self._lookup is not None and link_id not in self._looked_up:
            self._looked_up.add(link_id)
            link = self._lookup(link_id)
            for ep, c in (link.copies.items() if link is not None else ()):
                self._ref_of.setdefault((link_id, ep), c.ref)
            ref = self._ref_of.get((link_id, endpoint))
        return ref

    def add(self, link_id: str, endpoint: str, ref: str) -> None:
        self._link_of[(endpoint, ref)] = link_id
        self._ref_of[(link_id, endpoint)] = ref

    def to_remote(self, w: Write) -> tuple[Write, Write] | None:
        """(write to send, write as committed) or None if nothing is left to send.

        The first has the parent as the target's remote id; the second is the canonical
        record of what was actually sent (parent left out when it could not be resolved)."""
        if w.kind is WriteKind.DELETE or w.item is None or not w.item.parent:
            return w, w
        if w.kind is WriteKind.UPDATE and "parent" not in w.fields:
            return w, w
        ref = self._ref(w.item.parent, w.endpoint)
        if ref is not None:
            return replace(w, item=w.item.evolve(parent=ref)), w
        if w.kind is WriteKind.CREATE:
            without = replace(w, item=w.item.evolve(parent=None))
            return without, without
        fields = w.fields - {"parent"}
        if not fields:
            return None
        trimmed = replace(w, fields=fields)
        return trimmed, trimmed
