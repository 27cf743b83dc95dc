"""Poison items are set aside, never a stopper (P14).

Two kinds of poison, one treatment:

- **read**: a listing returned an item its adapter cannot convert (``ChangeSet.unreadable``:
  a date out of range, a malformed value). The listing, the other items and the cursor go on;
  the item is re-read with ``get`` later (with back-off) and joins the round once it reads.
- **write**: a service rejects a write for good (:class:`hub.errors.ValidationRejected`,
  :class:`hub.errors.Fatal`: a Jira summary over 255 characters, a value it cannot hold). The
  same write is not sent again every round: it waits out a back-off, unless what would be
  written changes (a person fixed the title), in which case it is tried at once.

Each record carries a *fingerprint* of what failed (the reason read, or the payload written),
so a failure is reported once per change: the round report's ``quarantined_new`` lists only
records that are new or whose fingerprint changed; ``synchub status``, the status page and
``/status.json`` list every record while it lasts. A record goes when the item reads (or the
write succeeds), or when the item is deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from adapters.base import Unreadable
from hub.errors import Fatal, SyncHubError
from hub.planner.types import Held
from hub.round.health import item_next
from hub.store.base import QuarantineKind, QuarantineRecord, Store

FIRST_RETRY = dt.timedelta(minutes=5)
MAX_RETRY = dt.timedelta(hours=6)


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def backoff(attempts: int) -> dt.timedelta:
    """5 min, 10, 20, ... up to 6 h: an item nobody fixes costs a request a few times a day."""
    doubled: dt.timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(MAX_RETRY, doubled)


def is_permanent(err: SyncHubError) -> bool:
    """A failure that sending the same write again cannot fix (400/422, a bug)."""
    return isinstance(err, Fatal)


def write_ref(ref: str | None, link_id: str) -> str:
    """The quarantine key of a write: the remote id, or the link for a create."""
    return ref if ref else f"link:{link_id}"


class Quarantine:
    """One flow's quarantine for one round, over the store's records."""

    def __init__(self, flow: str, store: Store, now: Callable[[], dt.datetime], *,
                 read_only: bool = False) -> None:
        """``read_only``: a dry run's view (``synchub plan``, ``sync --dry-run``): it reads
        the set-aside items again as a round would, and stores nothing."""
        self.flow = flow
        self.store = store
        self.now = now
        self.read_only = read_only
        self.records: dict[tuple[str, str, QuarantineKind], QuarantineRecord] = {
            (q.endpoint, q.ref, q.kind): q for q in store.quarantined(flow)}
        self.new: list[QuarantineRecord] = []  # new or changed this round: report these

    def _put(self, rec: QuarantineRecord) -> None:
        key = (rec.endpoint, rec.ref, rec.kind)
        old = self.records.get(key)
        now = self.now()
        if old is not None and old.fingerprint == rec.fingerprint:
            rec = replace(rec, attempts=old.attempts + 1, first_seen=old.first_seen,
                          last_seen=now, next_try=now + backoff(old.attempts + 1))
        else:
            rec = replace(rec, attempts=1, first_seen=now, last_seen=now,
                          next_try=now + backoff(1))
            self.new.append(rec)
        self.records[key] = rec
        if self.read_only:
            return
        with self.store.transaction() as tx:
            tx.put_quarantine(rec)

    def _clear(self, endpoint: str, ref: str, kind: QuarantineKind) -> None:
        if self.records.pop((endpoint, ref, kind), None) is not None and not self.read_only:
            with self.store.transaction() as tx:
                tx.clear_quarantine(self.flow, endpoint, ref, kind)

    # -- reads --------------------------------------------------------------------------------

    def unreadable(self, endpoint: str, item: Unreadable, link_id: str | None) -> None:
        self._put(QuarantineRecord(
            flow=self.flow, endpoint=endpoint, ref=item.ref, kind=QuarantineKind.READ,
            title=item.title, reason=item.reason, fingerprint=fingerprint(item.reason),
            link_id=link_id))

    def still_unreadable(self, endpoint: str, ref: str, reason: str) -> None:
        old = self.records.get((endpoint, ref, QuarantineKind.READ))
        if old is not None:
            self._put(replace(old, reason=reason, fingerprint=fingerprint(reason)))

    def readable(self, endpoint: str, ref: str) -> None:
        self._clear(endpoint, ref, QuarantineKind.READ)

    def due_reads(self, endpoint: str) -> list[QuarantineRecord]:
        """Items of ``endpoint`` to read again: unreadable ones whose back-off has passed, and
        every held-back one (an incremental listing would not return it again, and the
        round that can link it needs it beside the item a person just renamed)."""
        now = self.now()
        return [q for (ep, _ref, kind), q in self.records.items()
                if ep == endpoint and (kind is QuarantineKind.AMBIGUOUS or (
                    kind is QuarantineKind.READ and (q.next_try is None or q.next_try <= now)))]

    # -- held back (ambiguous match keys) -------------------------------------------------------

    def hold(self, held: Iterable[Held], present: set[tuple[str, str]]) -> None:
        """Record the items this round held back (with their key, as the fingerprint);
        forget the held items that were seen this round and not held again (linked, unique
        now). One not seen (its service did not answer, reading it failed) stays held."""
        now_held = set()
        for h in held:
            now_held.add((h.endpoint, h.ref))
            self._put(QuarantineRecord(
                flow=self.flow, endpoint=h.endpoint, ref=h.ref, kind=QuarantineKind.AMBIGUOUS,
                title=h.title, reason=h.reason, fingerprint=h.key, link_id=None))
        for ep, ref, kind in list(self.records):
            if kind is QuarantineKind.AMBIGUOUS and (ep, ref) in present \
                    and (ep, ref) not in now_held:
                self._clear(ep, ref, kind)

    def held_keys(self) -> dict[tuple[str, str], str]:
        """(endpoint, ref) -> match-key id of every item held back (for the planner)."""
        return {(ep, ref): q.fingerprint for (ep, ref, kind), q in self.records.items()
                if kind is QuarantineKind.AMBIGUOUS}

    def gone(self, endpoint: str, ref: str) -> None:
        """A held-back item that no longer exists."""
        self._clear(endpoint, ref, QuarantineKind.AMBIGUOUS)

    # -- writes -------------------------------------------------------------------------------

    def held(self, endpoint: str, ref: str, payload: Any) -> QuarantineRecord | None:
        """The record that holds this write back: the same write failed for good and its
        back-off has not passed. A changed write is never held."""
        q = self.records.get((endpoint, ref, QuarantineKind.WRITE))
        if q is None or q.fingerprint != fingerprint(payload):
            return None
        return q if q.next_try is not None and q.next_try > self.now() else None

    def rejected(self, endpoint: str, ref: str, payload: Any, *, link_id: str, title: str,
                 err: SyncHubError) -> None:
        self._put(QuarantineRecord(
            flow=self.flow, endpoint=endpoint, ref=ref, kind=QuarantineKind.WRITE,
            title=title, reason=err.message, fingerprint=fingerprint(payload),
            link_id=link_id))

    def written(self, endpoint: str, ref: str) -> None:
        self._clear(endpoint, ref, QuarantineKind.WRITE)

    def still_needed(self, planned: set[tuple[str, str]], observed: set[str]) -> None:
        """Forget refused writes that nothing needs any more (the item was deleted, or its
        copy came to agree another way): the round planned no write there although the
        endpoint was listed. ``planned`` holds (endpoint, :func:`write_ref`) pairs."""
        for ep, ref, kind in list(self.records):
            if kind is QuarantineKind.WRITE and ep in observed and (ep, ref) not in planned:
                self._clear(ep, ref, kind)

    def current(self) -> list[QuarantineRecord]:
        return sorted(self.records.values(), key=lambda q: (q.endpoint, q.ref, q.kind.value))


def as_json(q: QuarantineRecord) -> dict[str, Any]:
    """One record as ``synchub status --json`` and the daemon's ``/status.json`` show it."""
    return {"service": q.endpoint, "id": q.ref, "title": q.title,
            "problem": f"{q.kind.value}: {q.reason}", "attempts": q.attempts,
            "since": q.first_seen.isoformat() if q.first_seen else None,
            "next_try": q.next_try.isoformat() if q.next_try else None,
            "next": item_next(q)}
