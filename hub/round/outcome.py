"""What a successful write makes of its link: the copy's new base, snapshot and version.

Pure (no I/O), so the executor commits exactly what this returns. The base a copy agrees on
is what was written *as the service represents it* (:class:`adapters.base.Representing`: a
title it trims, a time it rounds), so the next round does not read the service's own
normalising as an edit made there.
"""

from __future__ import annotations

from dataclasses import replace

from adapters.base import Adapter, RemoteItem, RepresentsInPlace, WriteKind
from hub.model import SYNC_FIELDS, Item
from hub.planner.types import Write
from hub.store.base import CopyState, LinkState


def agreed(adapter: Adapter, item: Item, fields: frozenset[str] | None,
           placed: Item | None = None) -> Item:
    """What the copy agrees on after a successful write: the values as the service
    represents them (see :class:`adapters.base.Representing`), on the copy's place once
    written (``placed``: its parent) where that matters (:class:`RepresentsInPlace`)."""
    names = fields if fields is not None else frozenset(SYNC_FIELDS)
    if placed is not None and isinstance(adapter, RepresentsInPlace):
        return item.evolve(**{f: adapter.represent_in(f, getattr(item, f), placed)
                              for f in names})
    represent = adapter.represent
    return item.evolve(**{f: represent(f, getattr(item, f)) for f in names})


def after_write(state: LinkState, w: Write, result: RemoteItem | None, adapter: Adapter, *,
                found_by_marker: bool = False) -> LinkState:
    """The link once ``w`` has succeeded with ``result``; ``found_by_marker``: a create whose
    answer was lost, found by its marker in the same call."""
    copies = dict(state.copies)
    if w.kind is WriteKind.DELETE:
        copies.pop(w.endpoint, None)
        return replace(state, copies=copies, detached=state.detached | {w.endpoint})
    if w.kind is WriteKind.CREATE:
        assert result is not None and w.item is not None
        # A copy found by its marker right after a lost answer (seconds later, in the same
        # call) agrees on what it holds, not on what was sent: if part of the create did
        # not land, the copy is "behind" and brought up to the agreed value next round,
        # instead of looking edited there and spreading the gap. (recovery differs.)
        base = result.item if found_by_marker else agreed(adapter, w.item, None, w.item)
        copies[w.endpoint] = CopyState(w.endpoint, result.ref, base=base,
                                       snapshot=result.item, version=result.version)
    else:
        assert result is not None and w.item is not None
        c = copies[w.endpoint]
        placed = c.snapshot.evolve(parent=w.item.parent) if "parent" in w.fields \
            else c.snapshot
        written = agreed(adapter, w.item, w.fields, placed)
        settled = c.base.evolve(**{f: getattr(written, f) for f in w.fields})
        # The marker the copy carries: an adapter that does not read markers back on
        # every write (Todoist's comments) returns none, and a marker once known is kept.
        snapshot = result.item if result.item.origin else result.item.evolve(
            origin=w.origin or c.snapshot.origin)
        if adapter.capabilities.echoes_writes:  # what was sent; the rest as last read
            snapshot = c.snapshot.evolve(**{f: getattr(snapshot, f) for f in w.fields},
                                         origin=snapshot.origin)
        copies[w.endpoint] = replace(c, base=settled, snapshot=snapshot,
                                     version=result.version)
    return replace(state, copies=copies)
