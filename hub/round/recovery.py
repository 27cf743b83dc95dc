"""Healing what a crash left between a write and its commit (P6).

A write's intent is journalled before it is sent and finished in the transaction that commits
its outcome, so an intent still pending at the start of a round is one whose outcome is
unknown. A create is looked for by its origin marker (the link id the remote item carries):
found, the copy joins its link, never made a second time; not found, the intent is abandoned
and the planner creates it again. A service whose search lags behind its writes
(``capabilities.marker_lag``) is asked again next round until the lag has passed, and the
link's creates there wait meanwhile (``Executor.unsettled``). Updates and deletes need no
healing: the next round observes what landed and plans from it.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

from adapters.base import Adapter, RemoteItem, WriteKind
from hub.errors import SyncHubError
from hub.model import Item
from hub.round.outcome import agreed
from hub.store.base import CopyState, Intent, IntentState

if TYPE_CHECKING:
    from hub.round.executor import Executor


def recover(ex: Executor) -> list[str]:
    """Settle intents left pending by a crash. Returns human-readable notes."""
    notes: list[str] = []
    for intent in ex.store.pending_intents(ex.flow):
        adapter = ex.adapters.get(intent.endpoint)
        if intent.kind == WriteKind.CREATE and adapter is not None:
            _settle_create(ex, adapter, intent, notes)
        else:
            _abandon(ex, intent)
    return notes


def _abandon(ex: Executor, intent: Intent) -> None:
    with ex.store.transaction() as tx:
        tx.finish_intent(intent.key, IntentState.ABANDONED)


def _settle_create(ex: Executor, adapter: Adapter, intent: Intent, notes: list[str]) -> None:
    """Look for an unfinished create by its marker: found, it joins its link; not found, the
    intent is abandoned (the planner creates it again), unless the lookup failed or the
    marker may not be searchable yet: then it stays pending, looked for again next round."""
    find = functools.partial(adapter.find_by_origin, intent.link_id)
    try:
        found = ex.call(intent.endpoint, find)
    except SyncHubError as exc:
        notes.append(f"{intent.endpoint}: cannot check unfinished create yet: {exc}")
        ex.unsettled.add((intent.link_id, intent.endpoint))
        return
    if found is None and _may_lag(ex, adapter, intent):
        notes.append(f"{intent.endpoint}: unfinished create not found by its marker "
                     "yet; the service's search may lag, looked for again next round")
        ex.unsettled.add((intent.link_id, intent.endpoint))
        return
    if found is not None and _link_found(ex, adapter, intent, found):
        notes.append(f"{intent.endpoint}: unfinished create found by its marker "
                     f"({found.ref}); linked, not created again")
        return
    _abandon(ex, intent)


def _link_found(ex: Executor, adapter: Adapter, intent: Intent, found: RemoteItem) -> bool:
    """Join a create found by its marker to its link, finishing the intent as done. False if
    the link is gone or already has a copy there (the intent is then abandoned)."""
    link = ex.store.get_link(ex.flow, intent.link_id)
    if link is None or intent.endpoint in link.copies:
        return False
    # Agreed on what was sent, unlike a copy found in the same round (see
    # outcome.after_write): by now a person may have edited it, and that edit must count
    # as one.
    item_json = intent.payload.get("item")
    base = agreed(adapter, Item.model_validate(item_json), None) if item_json else found.item
    link = replace(link, copies={**link.copies, intent.endpoint: CopyState(
        intent.endpoint, found.ref, base=base, snapshot=found.item, version=found.version)})
    ex.stats.created.setdefault(intent.endpoint, []).append(found.ref)
    with ex.store.transaction() as tx:
        tx.save_link(link)
        tx.finish_intent(intent.key, IntentState.DONE)
    return True


def _may_lag(ex: Executor, adapter: Adapter, intent: Intent) -> bool:
    """True while a create's marker may still be missing from the service's search."""
    lag = adapter.capabilities.marker_lag
    if lag <= 0 or intent.created_at is None:
        return False
    return (ex.now() - intent.created_at).total_seconds() < lag
