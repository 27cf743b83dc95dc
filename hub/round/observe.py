"""Step 1 of a round: each endpoint's changes since its cursor, with its quarantine applied.

A listing that fails marks its endpoint *unreachable* for the round (no deletes are read from
it, nothing is written there); a bug in an adapter's listing is such a failure too, so it
never stops the other endpoints. Items a listing could not convert are set aside (P14), ones
that read again are released, and set-aside ones whose back-off has passed are read again
with ``get`` and join the round once they read.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.base import Adapter, ChangeSet, RemoteItem
from hub.errors import Fatal, SyncHubError, ValidationRejected
from hub.round.calls import Caller
from hub.round.quarantine import Quarantine
from hub.store.base import QuarantineKind, Store

log = logging.getLogger("synchub.engine")


@dataclass
class Observed:
    """What the endpoints of a flow said this round."""

    changes: dict[str, ChangeSet] = field(default_factory=dict)  # of those that answered
    errors: list[tuple[str, SyncHubError]] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def observe_all(flow: str, adapters: Mapping[str, Adapter], cursors: Mapping[str, str | None],
                calls: Caller, q: Quarantine | None, store: Store) -> Observed:
    """Every endpoint's changes (in ``cursors`` order); a failed listing is recorded."""
    out = Observed()
    for name, cursor in cursors.items():
        try:
            out.changes[name] = observe(name, adapters[name], calls, cursor, q, store, flow)
        except SyncHubError as exc:
            out.errors.append((name, exc))
            out.unreachable.append(name)
    return out


def observe(name: str, adapter: Adapter, calls: Caller, cursor: str | None,
            q: Quarantine | None, store: Store, flow: str) -> ChangeSet:
    """One endpoint's changes, with its quarantine applied (P14): unreadable items recorded,
    fixed ones released, and quarantined ones whose back-off passed read again."""
    cs = _listing(name, adapter, calls, cursor)
    if q is None:
        return cs
    listed = {r.ref for r in cs.items}
    _sort_out(name, cs, listed, q, store, flow)
    found = _read_again(name, adapter, calls, q, skip=listed | {b.ref for b in cs.unreadable})
    if not found:
        return cs
    return ChangeSet(items=(*cs.items, *found), gone=cs.gone, cursor=cs.cursor,
                     requests=cs.requests, unreadable=cs.unreadable)


def _listing(name: str, adapter: Adapter, calls: Caller, cursor: str | None) -> ChangeSet:
    try:
        return calls.call(name, functools.partial(adapter.changes, cursor))
    except SyncHubError:
        raise
    except Exception as exc:  # a bug reading one service must not stop the others
        log.exception("%s: listing failed", name)
        raise Fatal(f"reading failed: {type(exc).__name__}: {exc}", service=name) from exc


def _sort_out(name: str, cs: ChangeSet, listed: set[str], q: Quarantine, store: Store,
              flow: str) -> None:
    """Set aside what the listing could not read; release what it now reads."""
    for bad in cs.unreadable:
        q.unreadable(name, bad, store.find_link_by_ref(flow, name, bad.ref))
    for rec in list(q.records.values()):
        if rec.endpoint == name and rec.ref in listed and rec.kind is QuarantineKind.READ:
            q.readable(name, rec.ref)


def _read_again(name: str, adapter: Adapter, calls: Caller, q: Quarantine, *,
                skip: set[str]) -> list[RemoteItem]:
    """The set-aside items whose back-off has passed, read one by one (those the listing
    just returned, readable or not, are ``skip``ped)."""
    found: list[RemoteItem] = []
    for rec in q.due_reads(name):
        if rec.ref in skip:
            continue
        try:
            got = calls.call(name, functools.partial(adapter.get, rec.ref))
        except ValidationRejected as exc:
            q.still_unreadable(name, rec.ref, exc.message)
            continue
        except SyncHubError:
            continue  # the service failed: try again next round
        if rec.kind is QuarantineKind.AMBIGUOUS:
            if got is None:
                q.gone(name, rec.ref)
            else:
                found.append(got)
            continue
        q.readable(name, rec.ref)
        if got is not None:
            found.append(got)
    return found
