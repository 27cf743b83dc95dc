"""Carrying out a plan: journal, write, commit, one action at a time.

Order of every write (design.md, "Apply"):

1. the intent (with its idempotency key) is journalled and committed;
2. the write is made through :mod:`hub.round.calls` (paced, retried by tenacity on
   :class:`RateLimited` and :class:`Transient`; before retrying a create whose answer was lost
   the copy is looked up by its origin marker, so a retry never duplicates);
3. the copy's new state (:mod:`hub.round.outcome`), the link's base and the intent's
   completion commit in one transaction.

A crash between 2 and 3 leaves a pending intent; :meth:`Executor.recover`
(:mod:`hub.round.recovery`) heals it at the start of the next round by finding the origin
marker. Nothing here decides *what* to write.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from adapters.base import Adapter, BatchingAdapter, RemoteItem, WriteKind, WriteOp
from hub.errors import Conflict, NotFound, SyncHubError, Transient, ValidationRejected
from hub.history.record import record_of
from hub.model import SYNC_FIELDS, Item
from hub.planner.types import LinkPlan, Write
from hub.round.calls import Caller, CallStats, RetryPolicy
from hub.round.outcome import after_write
from hub.round.parents import ParentIndex
from hub.round.quarantine import Quarantine, is_permanent, write_ref
from hub.round.recovery import find_by_key, recover
from hub.store.base import ConflictRecord, Intent, IntentState, LinkState, Store

T = TypeVar("T")
log = logging.getLogger("synchub.executor")
#: a write queued for a batch: (link id, the write as sent, the write as planned)
Queued = tuple[str, Write, Write]


@dataclass
class ApplyStats(CallStats):
    writes: dict[str, int] = field(default_factory=dict)  # endpoint -> successful writes
    failed: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, SyncHubError]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held: int = 0  # writes not sent: quarantined after a permanent rejection, unchanged since
    created: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> refs made/found


def _payload(w: Write) -> dict[str, Any]:
    return {
        "ref": w.ref,
        "fields": sorted(w.fields),
        "expected_version": w.expected_version,
        "item": w.item.model_dump(mode="json") if w.item else None,
    }


def _what(w: Write) -> dict[str, Any]:
    """What a write would change, for the quarantine's fingerprint: the values it writes, not
    the item's metadata (its ``updated_at`` moves every round without anything to fix)."""
    names = sorted(w.fields) if w.kind is WriteKind.UPDATE else sorted(SYNC_FIELDS)
    values = w.item.model_dump(mode="json", include=set(names)) if w.item else None
    return {"kind": w.kind.value, "ref": w.ref, "values": values}


class Executor:
    def __init__(
        self,
        flow: str,
        store: Store,
        adapters: Mapping[str, Adapter],
        *,
        retry: RetryPolicy | None = None,
        dry_run: bool = False,
        should_stop: Callable[[], bool] | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        match: Sequence[str] = ("title",),
        unmarked: Collection[str] = (),
        run_id: int | None = None,
    ) -> None:
        self.flow = flow
        #: the run whose history records each write journalled (None: a dry run, no history)
        self.run_id = run_id
        self.now = now
        #: the flow's match key, and the endpoints with ``markers: false``: a create whose
        #: answer was lost is looked for there by that key (:func:`recovery.find_by_key`)
        self.match = tuple(match)
        self.unmarked = frozenset(unmarked)
        #: (link, endpoint) of creates that may have landed but are not confirmed yet: planned
        #: creates there wait, or a second copy could be made before the first is found
        self.unsettled: set[tuple[str, str]] = set()
        #: (endpoint, ref) of creates found by their marker after a lost answer: what landed
        #: may be less than what was sent (a create of several requests that failed midway)
        self.found_by_marker: set[tuple[str, str]] = set()
        #: (endpoint, ref) of the copies this round's plan holds (set by the engine): a
        #: lost create looked for by its key never takes one of them
        self.planned: set[tuple[str, str]] = set()
        #: intent key -> when this process first journalled it: a lost create looked for by
        #: its key only takes an item made after that
        self.journalled: dict[str, dt.datetime] = {}
        self.store = store
        self.adapters = adapters
        self.dry_run = dry_run
        self.stats = ApplyStats()
        #: every request of the round goes through it: paced, retried, stopped on shutdown
        self.calls = Caller(adapters, retry or RetryPolicy(), should_stop, self.stats)
        self.parents: ParentIndex | None = None  # set by the engine once links are loaded
        #: poison writes (P14): set by the engine; a write rejected for good waits out a
        #: back-off instead of failing every round, unless what it writes changed
        self.quarantine: Quarantine | None = None

    def call(self, endpoint: str, fn: Callable[[], T], *,
             before_retry: Callable[[], T | None] | None = None, calls: int = 1) -> T:
        """One request with pacing and retries: :meth:`hub.round.calls.Caller.call`."""
        return self.calls.call(endpoint, fn, before_retry=before_retry, calls=calls)

    # -- recovery -----------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Settle intents left pending by a crash (:func:`hub.round.recovery.recover`).
        Returns human-readable notes."""
        return recover(self)

    # -- applying -----------------------------------------------------------------------------

    def _write(self, w: Write) -> RemoteItem | None:
        try:
            return self._write_once(w)
        except SyncHubError:
            raise
        except Exception as exc:
            # An adapter that cannot express this item (an overflow, a value its converter
            # does not expect) fails this write, not the round: the item is quarantined (P14).
            log.warning("%s: cannot write %s", w.endpoint, w.ref or "a new item", exc_info=True)
            raise ValidationRejected(f"cannot be written: {type(exc).__name__}: {exc}",
                                     service=w.endpoint) from exc

    def _write_once(self, w: Write) -> RemoteItem | None:
        a = self.adapters[w.endpoint]
        if w.kind is WriteKind.CREATE:
            assert w.item is not None and w.origin is not None
            item, origin = w.item, w.origin

            def lookup() -> RemoteItem | None:
                hit = self._by_key(w.endpoint, item, self.journalled.get(w.key)) \
                    if w.endpoint in self.unmarked else a.find_by_origin(origin)
                if hit is not None:
                    self.found_by_marker.add((w.endpoint, hit.ref))
                return hit
            return self.call(
                w.endpoint,
                lambda: a.create(item, origin=origin, idempotency_key=w.key),
                before_retry=lookup,
            )
        if w.kind is WriteKind.UPDATE:
            assert w.item is not None and w.ref is not None
            item, ref = w.item, w.ref
            # ``origin`` only when there is a marker to write: adapters written before it
            # existed keep working for every other update.
            marking = {"origin": w.origin} if w.origin is not None else {}
            return self.call(w.endpoint, lambda: a.update(
                ref, item, fields=w.fields, expected_version=w.expected_version,
                idempotency_key=w.key, **marking))
        assert w.ref is not None
        ref = w.ref
        self.call(w.endpoint, lambda: a.delete(ref, expected_version=w.expected_version))
        return None

    def _by_key(self, endpoint: str, item: Item, since: dt.datetime | None
                ) -> RemoteItem | None:
        """A lost create on an endpoint without markers, found by its match key: the one
        unlinked item with it made since the intent, or None (not there: trying again is
        safe). Several raise "maybe applied": which is ours cannot be told, and another try
        could add one more; the intent stays pending and recovery reports it next round."""
        hits = find_by_key(self, endpoint, item, since=since)
        if len(hits) > 1:
            raise Transient(f"{len(hits)} unlinked items match {item.title!r} by key; not "
                            "created again", service=endpoint, maybe_applied=True)
        return hits[0] if hits else None

    def _on_failure(self, state: LinkState, w: Write, exc: SyncHubError) -> LinkState:
        """Record what a failed write tells us; never turn a failure into a delete."""
        a = self.adapters[w.endpoint]
        if isinstance(exc, Conflict) and w.ref:
            # Changed since we read it: take the fresh copy; next round re-plans against it.
            try:
                fresh = self.call(w.endpoint, lambda: a.get(w.ref or ""))
            except SyncHubError:
                return state
            if fresh is not None:
                c = state.copies[w.endpoint]
                self.stats.notes.append(f"{w.endpoint}: {w.ref} changed meanwhile; re-planned")
                return replace(state, copies={**state.copies, w.endpoint: replace(
                    c, snapshot=fresh.item, version=fresh.version)})
            return state
        if isinstance(exc, NotFound) and w.kind is WriteKind.UPDATE:
            # Gone without a delete report: unlink it there, delete nothing elsewhere.
            copies = {k: v for k, v in state.copies.items() if k != w.endpoint}
            self.stats.notes.append(f"{w.endpoint}: {w.ref} no longer exists; unlinked there")
            return replace(state, copies=copies, detached=state.detached | {w.endpoint})
        return state

    # -- one link's writes ---------------------------------------------------------------

    def prepare(self, lp: LinkPlan) -> LinkState | None:
        """Commit what the plan already knows (snapshots, agreements, conflicts) before any
        write; returns the link's state, or None if it is dropped."""
        if self.dry_run:
            return lp.interim
        conflicts = [ConflictRecord(id=None, flow=self.flow, link_id=c.link_id, field=c.field,
                                    values=dict(c.values)) for c in lp.conflicts]
        with self.store.transaction() as tx:
            if lp.drop:
                tx.drop_link(self.flow, lp.link_id)
                return None
            tx.save_link(lp.interim)
            for c in conflicts:
                tx.upsert_conflict(c)
        return lp.interim

    def _journal(self, writes: Iterable[tuple[str, Write, LinkState | None]]) -> None:
        """Record the intents of (link id, write, link state) triples before any of them is
        sent, and in the same transaction their run's history: what each write replaces
        (the copy as the state last saw it, :mod:`hub.history.record`)."""
        now = self.now()
        with self.store.transaction() as tx:
            for link_id, w, state in writes:
                at = self.journalled.setdefault(w.key, now)
                tx.add_intent(Intent(key=w.key, flow=self.flow, link_id=link_id,
                                     endpoint=w.endpoint, kind=w.kind.value, payload=_payload(w),
                                     created_at=at))
                if self.run_id is not None:
                    tx.add_write(replace(record_of(self.run_id, self.flow, link_id, w, state),
                                         at=at))

    def _commit_failure(self, link_id: str, state: LinkState, w: Write, exc: SyncHubError
                        ) -> LinkState:
        self.stats.bump(self.stats.failed, w.endpoint)
        if self.quarantine is not None and is_permanent(exc):
            title = w.item.title if w.item is not None else state.base.title
            self.quarantine.rejected(w.endpoint, write_ref(w.ref, link_id), _what(w),
                                     link_id=link_id, title=title, err=exc)
            exc = type(exc)(f"{title!r} ({w.ref or 'new'}): {exc.message}",
                            service=exc.service)
        self.stats.errors.append((w.endpoint, exc))
        state = self._on_failure(state, w, exc)
        maybe = isinstance(exc, Transient) and exc.maybe_applied
        if maybe and w.kind is WriteKind.CREATE:
            self.unsettled.add((link_id, w.endpoint))
        with self.store.transaction() as tx:
            tx.save_link(state)
            if not maybe:  # a maybe-applied create stays pending for recover()
                tx.finish_intent(w.key, IntentState.ABANDONED)
        return state

    def _commit_success(self, link_id: str, state: LinkState, w: Write,
                        result: RemoteItem | None) -> LinkState:
        """Copy + base + intent in one transaction: the unit of progress."""
        self.stats.bump(self.stats.writes, w.endpoint)
        if self.quarantine is not None:
            self.quarantine.written(w.endpoint, write_ref(w.ref, link_id))
        if result is not None and result.item.parent is not None:
            result = replace(result, item=result.item.evolve(parent=w.item.parent
                                                            if w.item else None))
        found = result is not None and (w.endpoint, result.ref) in self.found_by_marker
        state = after_write(state, w, result, self.adapters[w.endpoint], found_by_marker=found)
        if w.kind is WriteKind.CREATE and result is not None:
            self.stats.created.setdefault(w.endpoint, []).append(result.ref)
        if self.parents is not None and result is not None:
            self.parents.add(link_id, w.endpoint, result.ref)
        with self.store.transaction() as tx:
            if state.copies:
                tx.save_link(state)
            else:
                tx.drop_link(self.flow, link_id)
            tx.finish_intent(w.key, ref=result.ref if result is not None else None)
        return state

    def _to_send(self, planned: Write) -> tuple[Write, Write] | None:
        if planned.kind is WriteKind.CREATE and (planned.origin or "",
                                                 planned.endpoint) in self.unsettled:
            return None  # an earlier create there may have landed: confirm it first
        pair = self.parents.to_remote(planned) if self.parents else (planned, planned)
        if pair is not None and self.quarantine is not None:
            w = pair[1]
            held = self.quarantine.held(w.endpoint, write_ref(w.ref, planned.origin or ""),
                                        _what(w))
            if held is not None:
                self.stats.held += 1
                return None  # rejected for good before, unchanged since: wait out back-off
        return pair

    def apply_link(self, lp: LinkPlan) -> LinkState | None:
        """Apply one link's plan, one write at a time; returns the committed state."""
        state = self.prepare(lp)
        if state is None or self.dry_run:
            return state
        for planned in lp.writes:
            state = self._apply_one(lp.link_id, state, planned)
        return state if state.copies else None

    def _apply_one(self, link_id: str, state: LinkState, planned: Write) -> LinkState:
        """Journal, send and commit one write; the link's state after it."""
        pair = self._to_send(planned)
        if pair is None:
            return state  # held, or only an unresolvable parent to write: next round
        send, w = pair
        self._journal([(link_id, w, state)])
        try:
            result = self._write(send)
        except SyncHubError as exc:
            return self._commit_failure(link_id, state, w, exc)
        return self._commit_success(link_id, state, w, result)

    # -- a whole plan, batching where the service can -------------------------------------

    def apply_plan(self, plans: Sequence[LinkPlan], *,
                   progress: Callable[[int, int], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> bool:
        """Apply every link's plan. Writes to a :class:`BatchingAdapter` go out in batches
        (journalled per batch, committed per write); the others one by one. Returns False if
        ``should_stop`` interrupted it (between links or batches, never inside a write)."""
        batching = {name for name, a in self.adapters.items()
                    if isinstance(a, BatchingAdapter) and a.capabilities.batch_size > 1}
        states: dict[str, LinkState | None] = {}
        queued: dict[str, list[tuple[str, Write]]] = {n: [] for n in batching}
        total = len(plans)
        for done, lp in enumerate(plans, 1):
            if should_stop is not None and should_stop():
                return False
            states[lp.link_id] = self._apply_or_queue(lp, batching, queued)
            if progress is not None:
                progress(done, total)
        return self._send_batches(queued, states, should_stop)

    def _apply_or_queue(self, lp: LinkPlan, batching: set[str],
                        queued: dict[str, list[tuple[str, Write]]]) -> LinkState | None:
        """One link: its writes to a batching service queued, the others applied now."""
        singles = [w for w in lp.writes if w.endpoint not in batching]
        if len(singles) == len(lp.writes):
            return self.apply_link(lp)
        state = self.prepare(lp)
        if state is None:
            return None
        for planned in singles:
            state = self._apply_one(lp.link_id, state, planned)
        for planned in lp.writes:
            if planned.endpoint in batching:  # resolved when its batch is sent (_waves)
                queued[planned.endpoint].append((lp.link_id, planned))
        return state

    def _send_batches(self, queued: dict[str, list[tuple[str, Write]]],
                      states: dict[str, LinkState | None],
                      should_stop: Callable[[], bool] | None) -> bool:
        for endpoint, queue in queued.items():
            size = self.adapters[endpoint].capabilities.batch_size
            for wave in _waves(queue):
                items = [(lid, *pair) for lid, planned in wave
                         if (pair := self._to_send(planned)) is not None]
                for i in range(0, len(items), size):
                    if should_stop is not None and should_stop():
                        return False
                    self._apply_batch(endpoint, items[i:i + size], states)
        return True

    def _apply_batch(self, endpoint: str, items: list[Queued],
                     states: dict[str, LinkState | None]) -> None:
        adapter = self.adapters[endpoint]
        assert isinstance(adapter, BatchingAdapter)
        self._journal((link_id, w, states.get(link_id)) for link_id, _, w in items)
        ops = [WriteOp(kind=send.kind, idempotency_key=send.key, item=send.item, ref=send.ref,
                       fields=send.fields, expected_version=send.expected_version,
                       origin=send.origin, occurrence_done=send.occurrence_done)
               for _, send, _ in items]
        try:
            # A retried batch is safe: every op carries its idempotency key.
            results = self.call(endpoint, lambda: adapter.write_batch(ops), calls=len(ops))
        except SyncHubError as exc:
            for link_id, _, w in items:
                state = states.get(link_id)
                if state is not None:
                    states[link_id] = self._commit_failure(link_id, state, w, exc)
            return
        for (link_id, _, w), result in zip(items, results, strict=True):
            state = states.get(link_id)
            if state is None:
                continue
            if result.error is not None:
                states[link_id] = self._commit_failure(link_id, state, w, result.error)
                continue
            if result.partial and result.remote is not None:  # agree on what landed
                self.found_by_marker.add((endpoint, result.remote.ref))
            states[link_id] = self._commit_success(link_id, state, w, result.remote)


def _waves(queue: Sequence[tuple[str, Write]]) -> Iterator[list[tuple[str, Write]]]:
    """A batching endpoint's queued writes, in waves: a write that places an item under a
    parent whose create is queued in the same wave waits for the next one, since a parent's
    ref is known only once it is created (else the child would be made without it and moved
    under it later, which Jira refuses: an issue's type, sub-task or not, is fixed when it is
    made). A cycle of such waits goes out as it is."""
    pending = list(queue)
    while pending:
        creating = {lid for lid, w in pending if w.kind is WriteKind.CREATE}
        waits = [w.item is not None and w.item.parent in creating and w.item.parent != lid
                 and (w.kind is WriteKind.CREATE or "parent" in w.fields)
                 for lid, w in pending]
        if all(waits):
            yield pending
            return
        yield [x for x, wait in zip(pending, waits, strict=True) if not wait]
        pending = [x for x, wait in zip(pending, waits, strict=True) if wait]
