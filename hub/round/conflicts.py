"""Resolving a queued (``manual``) conflict by choosing the side whose value wins.

Resolution is a state edit, not a write: the chosen copy's current value becomes the link's
agreed value and every other copy's base is set to what it holds now. The next round then sees
"nothing changed, some copies behind" and carries the chosen value to them through the normal
planner path, with retries, journal and all. An edit made after the resolution still wins,
because it is compared against those bases like any other edit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from hub.errors import UsageError
from hub.store.base import ConflictRecord, Provenance, Store


def resolve(store: Store, conflict: ConflictRecord, endpoint: str, *, now: object = None
            ) -> None:
    import datetime as dt

    link = store.get_link(conflict.flow, conflict.link_id)
    if link is None:
        raise UsageError(f"link {conflict.link_id} no longer exists; nothing to resolve")
    if endpoint not in link.copies:
        choices = ", ".join(sorted(link.copies))
        raise UsageError(f"{endpoint!r} holds no copy of this item; choose one of {choices}")
    f = conflict.field
    chosen = getattr(link.copies[endpoint].snapshot, f)
    copies = {
        ep: replace(c, base=c.base.evolve(**{f: getattr(c.snapshot, f)}))
        for ep, c in link.copies.items()
    }
    when = now if isinstance(now, dt.datetime) else dt.datetime.now(dt.UTC)
    provenance = {**link.provenance,
                  f: Provenance(endpoint=endpoint, run_id=None, rule="manual", at=when)}
    new = replace(link, base=link.base.evolve(**{f: chosen}), copies=copies,
                  provenance=provenance)
    assert conflict.id is not None
    with store.transaction() as tx:
        tx.save_link(new)
        tx.resolve_conflict(conflict.id, endpoint)


def _open(store: Store, conflict_id: int) -> ConflictRecord | None:
    return next((c for c in store.conflicts() if c.id == conflict_id), None)


class ValuesChanged(UsageError):
    """The conflict's values are no longer those the person chose from (a round rewrote
    them since the page was loaded): nothing was resolved."""


def values_digest(values: Mapping[str, Any]) -> str:
    """What a page that shows a conflict's values sends back, so a resolve applies only the
    values the person saw (:class:`ValuesChanged` otherwise)."""
    return hashlib.sha256(json.dumps(dict(values), sort_keys=True, default=str).encode()
                          ).hexdigest()[:32]


def resolve_open(store: Store, conflict_id: int, endpoint: str,
                 writer: Callable[[str], AbstractContextManager[Any]], *,
                 seen: str | None = None, flows: Collection[str] | None = None
                 ) -> ConflictRecord:
    """Resolve open conflict ``conflict_id`` with ``endpoint``'s value under the flow's
    writer lock (``writer(flow)``), as ``synchub conflicts resolve`` and the status page both
    do: a round running meanwhile either finishes first or waits, never interleaves. Returns
    the conflict as it was resolved; UsageError when there is no such open conflict (in
    ``flows``, when given), ValuesChanged when ``seen`` (a :func:`values_digest`) is not
    the values it holds now."""
    found = _open(store, conflict_id)
    if found is None or (flows is not None and found.flow not in flows):
        raise UsageError(f"no open conflict with id {conflict_id}; "
                         "`synchub conflicts` lists them")
    with writer(found.flow):
        # Looked up again under the lock: a round may have settled it meanwhile.
        again = _open(store, conflict_id)
        if again is None:
            raise UsageError(f"conflict {conflict_id} was settled meanwhile")
        if seen is not None and not hmac.compare_digest(seen, values_digest(again.values)):
            raise ValuesChanged(f"conflict {conflict_id}'s values changed since the page was "
                                "loaded: reload it and choose again")
        resolve(store, again, endpoint)
    return again
