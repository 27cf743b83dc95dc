"""A write as its run's history records it: what it wrote and the value it replaced.

Pure. The executor calls :func:`record_of` for every write it journals, with the link's state
as it stands before the write: the copy's ``snapshot`` is the last content observed in it,
which is what the write replaces (the planner's ``LinkPlan.interim``). Values are stored as
JSON, field by field, so they can be shown and put back long after the journal's settled
intents are pruned.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from adapters.base import WriteKind
from hub.model import SYNC_FIELDS, Item
from hub.planner.types import Write
from hub.store.base import LinkState, WriteRecord


def dump(item: Item, fields: Collection[str]) -> dict[str, Any]:
    """``item``'s values of ``fields`` as JSON, in :data:`SYNC_FIELDS` order."""
    names = [f for f in SYNC_FIELDS if f in fields]
    values: dict[str, Any] = item.model_dump(mode="json", include=set(names))
    return {f: values.get(f) for f in names}


def record_of(run_id: int, flow: str, link_id: str, w: Write, state: LinkState | None
              ) -> WriteRecord:
    """The history record of ``w``, journalled now in run ``run_id``."""
    copy = state.copies.get(w.endpoint) if state is not None else None
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if w.kind is WriteKind.UPDATE and w.item is not None:
        after = dump(w.item, w.fields)
        if copy is not None:
            before = dump(copy.snapshot, w.fields)
    elif w.kind is WriteKind.CREATE and w.item is not None:
        after = dump(w.item, SYNC_FIELDS)
    elif w.kind is WriteKind.DELETE and copy is not None:
        before = dump(copy.snapshot, SYNC_FIELDS)
    title = (w.item.title if w.item is not None else "") or (
        copy.snapshot.title if copy is not None else "") or (
        state.base.title if state is not None else "")
    return WriteRecord(run_id=run_id, key=w.key, flow=flow, link_id=link_id,
                       endpoint=w.endpoint, kind=w.kind.value, ref=w.ref, title=title,
                       before=before, after=after)
