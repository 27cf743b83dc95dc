"""Healing what a crash left between a write and its commit (P6).

A write's intent is journalled before it is sent and finished in the transaction that commits
its outcome, so an intent still pending at the start of a round is one whose outcome is
unknown. A create is looked for by its origin marker (the link id the remote item carries):
found, the copy joins its link, never made a second time; not found, the intent is abandoned
and the planner creates it again. A service whose search lags behind its writes
(``capabilities.marker_lag``) is asked again next round until the lag has passed, and the
link's creates there wait meanwhile (``Executor.unsettled``). Updates and deletes need no
healing: the next round observes what landed and plans from it.

An endpoint with ``markers: false`` carries no marker to find: the create is looked for by
the flow's match key instead (:func:`find_by_key`), among the endpoint's items that belong to
no link, that this round's plan does not hold either, and that were made after the intent was
journalled (the item's creation time, where the service gives one, to its precision): an
older item with the same title (one a person made, or one left unlinked by ``delete:
unlink``) is never taken over. Exactly one: it is the create (or a person's item made with
the same key meanwhile, which rule-4 matching would link anyway). None: the create did not
land (a listing is complete or it raises), so it is made again, as when a marker is not
found. Several: which one is ours cannot be told, and making another would only add a copy:
the intent stays pending, the link's create there waits, and the round reports it until a
person deletes or renames the extra ones. A service that gives no creation time (or an
intent journalled without one) leaves the time out of the test.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from typing import TYPE_CHECKING

from adapters.base import Adapter, RemoteItem, WriteKind
from hub.errors import SyncHubError
from hub.model import Item
from hub.planner.matching import match_key
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
    item_json = intent.payload.get("item")
    by_key = intent.endpoint in ex.unmarked and item_json is not None
    find = (functools.partial(find_by_key, ex, intent.endpoint, Item.model_validate(item_json),
                              since=intent.created_at)
            if by_key else functools.partial(_by_marker, adapter, intent.link_id))
    try:
        hits = ex.call(intent.endpoint, find)
    except SyncHubError as exc:
        notes.append(f"{intent.endpoint}: cannot check unfinished create yet: {exc}")
        ex.unsettled.add((intent.link_id, intent.endpoint))
        return
    if len(hits) > 1:
        notes.append(f"{intent.endpoint}: unfinished create of {hits[0].item.title!r} matches "
                     f"{len(hits)} unlinked items by key ({', '.join(h.ref for h in hits)}); "
                     "not created again and not linked: delete or rename all but one")
        ex.unsettled.add((intent.link_id, intent.endpoint))
        return
    found = hits[0] if hits else None
    how = "its match key" if by_key else "its marker"
    if found is None and _may_lag(ex, adapter, intent):
        notes.append(f"{intent.endpoint}: unfinished create not found by {how} "
                     "yet; the service's search may lag, looked for again next round")
        ex.unsettled.add((intent.link_id, intent.endpoint))
        return
    if found is not None and _link_found(ex, adapter, intent, found):
        notes.append(f"{intent.endpoint}: unfinished create found by {how} "
                     f"({found.ref}); linked, not created again")
        return
    _abandon(ex, intent)


def _by_marker(adapter: Adapter, origin: str) -> list[RemoteItem]:
    found = adapter.find_by_origin(origin)
    return [] if found is None else [found]


#: how far a service's clock may be behind ours when its creation time is compared with an
#: intent's: a create made just after the intent may read a few seconds older than it
CLOCK_SLACK = dt.timedelta(seconds=5)


def find_by_key(ex: Executor, endpoint: str, item: Item, *, since: dt.datetime | None
                ) -> list[RemoteItem]:
    """The items of ``endpoint`` no link holds (nor this round's plan) whose match key is
    ``item``'s, as the service holds it, made after ``since`` (the intent's time): the
    candidates for a create whose answer was lost on an endpoint without markers. One full
    listing (a request or a few); a listing that fails raises."""
    adapter = ex.adapters[endpoint]
    key = match_key(agreed(adapter, item, None), ex.match)
    listing = adapter.changes(None)
    return [r for r in listing.items
            if r.ref not in listing.gone and match_key(r.item, ex.match) == key
            and _made_after(adapter, r, since) and (endpoint, r.ref) not in ex.planned
            and ex.store.find_link_by_ref(ex.flow, endpoint, r.ref) is None]


def _made_after(adapter: Adapter, r: RemoteItem, since: dt.datetime | None) -> bool:
    """Whether ``r`` can have been made by a create journalled at ``since``: its creation
    time, rounded down by the service's precision and allowing for clock skew, is not
    older. Unknown times cannot rule it out."""
    if since is None or r.created_at is None:
        return True
    slack = CLOCK_SLACK + dt.timedelta(seconds=adapter.capabilities.timestamp_precision)
    return r.created_at + slack >= since


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
        tx.finish_intent(intent.key, IntentState.DONE, ref=found.ref)  # for its history
    return True


def _may_lag(ex: Executor, adapter: Adapter, intent: Intent) -> bool:
    """True while a create's marker may still be missing from the service's search."""
    lag = adapter.capabilities.marker_lag
    if lag <= 0 or intent.created_at is None:
        return False
    return (ex.now() - intent.created_at).total_seconds() < lag
