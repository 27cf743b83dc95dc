"""The writes of one link, once its merge is decided: deletes, or updates and creates.

- **deletes** (the link is being deleted): every copy on an endpoint that is writable, listed
  this round and can delete; an unreachable one is postponed, never skipped.
- **updates**: the fields the merge decided, for each copy; a copy that carries no origin
  marker (:func:`unmarked`) also gets its link's marker, in the same write, or alone.
- **creates**: on every writable, listed endpoint that should hold a copy and has none (not
  detached there, and the item has what the endpoint needs, e.g. a calendar a date).

Idempotency keys are digests of content (flow, link, endpoint, kind, the copy's version and
the values), so the same inputs give the same keys (P10) and a resumed write reuses its key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence

from adapters.base import WriteKind
from hub.model import Item
from hub.planner.matching import original_ids
from hub.planner.recurring import series_form
from hub.planner.types import EndpointView, Write
from hub.store.base import CopyState

_BLANK = Item()


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def project(item: Item, fields: frozenset[str]) -> Item:
    """``item`` with the fields an endpoint cannot hold blanked (what a create sends)."""
    blank = {f: getattr(_BLANK, f) for f in type(item).model_fields
             if f not in fields and f not in ("updated_at", "origin")}
    return item.evolve(**blank) if blank else item


def delete_writes(flow: str, lid: str, views: Mapping[str, EndpointView], order: Sequence[str],
                  copies: Mapping[str, CopyState]) -> tuple[list[Write], list[str]]:
    """The deletes of a link's copies, and a reason for each one postponed."""
    writes: list[Write] = []
    reasons: list[str] = []
    for ep in order:
        if ep not in copies:
            continue
        c, view = copies[ep], views[ep]
        if view.writable and view.observed and view.can_delete:
            writes.append(Write(WriteKind.DELETE, ep, digest(flow, lid, ep, "delete"),
                                ref=c.ref, expected_version=None))
        elif view.writable and not view.observed:
            reasons.append(f"{ep}: unreachable, delete postponed")
    return writes, reasons


def unmarked(flow: str, lid: str, c: CopyState) -> bool:
    """A copy that carries no origin marker and is not the original the link's id names
    (:func:`hub.planner.matching.link_id_for`): an item a first sync matched by key. If the
    state is lost, only a marker finds it again whatever has been edited since, so it gets
    the link's marker. A copy carrying any marker (another flow's too) is left as it is."""
    return not c.snapshot.origin and lid not in original_ids(flow, c.endpoint, c.ref)


def update_writes(flow: str, lid: str, views: Mapping[str, EndpointView], order: Sequence[str],
                  copies: Mapping[str, CopyState], new_base: Item,
                  wanted: Mapping[str, Collection[str]],
                  occurrence: Collection[str] = ()) -> list[Write]:
    """Updates of the fields the merge decided, each also writing the link's origin marker
    on an unmarked copy (:func:`unmarked`); a marker alone where no field changes. On the
    endpoints in ``occurrence`` the update closes one occurrence of a recurring item
    (:mod:`hub.planner.recurring`), with or without fields."""
    writes: list[Write] = []
    for ep in order:
        if ep not in copies:
            continue
        c, view = copies[ep], views[ep]
        fields = set(wanted.get(ep) or ())
        mark = view.markers and view.writable and view.observed and unmarked(flow, lid, c)
        done = ep in occurrence
        if not fields and not mark and not done:
            continue
        item = series_form(view, new_base)  # a closed item's series ends (recurring.py)
        values = {f: item.model_dump(mode="json", include={f}).get(f) for f in fields}
        parts = (flow, lid, ep, "update", c.version, sorted(values.items()),
                 *(("occurrence",) if done else ()))
        key = digest(*parts, "mark") if mark else digest(*parts)
        writes.append(Write(WriteKind.UPDATE, ep, key,
                            ref=c.ref, item=item, fields=frozenset(fields),
                            expected_version=c.version, origin=lid if mark else None,
                            occurrence_done=done))
    return writes


def create_writes(flow: str, lid: str, views: Mapping[str, EndpointView], order: Sequence[str],
                  copies: Mapping[str, CopyState], detached: Collection[str], new_base: Item
                  ) -> list[Write]:
    """Creates where a copy belongs and there is none (an unreachable endpoint gets its copy
    once it answers again)."""
    return [Write(WriteKind.CREATE, ep, digest(flow, lid, ep, "create"),
                  item=project(series_form(views[ep], new_base), views[ep].fields), origin=lid)
            for ep in order
            if ep not in copies and ep not in detached and views[ep].writable
            and views[ep].observed and views[ep].can_hold(new_base)]
