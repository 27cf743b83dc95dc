"""Carrying out a plan: journal, write, commit, one action at a time.

Order of every write (design.md, "Apply"):

1. the intent (with its idempotency key) is journalled and committed;
2. the write is made, retried by tenacity on :class:`RateLimited` (waiting the full
   ``Retry-After``) and :class:`Transient`; before retrying a create whose answer was lost the
   copy is looked up by its origin marker, so a retry never duplicates;
3. the copy's new state, the link's base and the intent's completion commit in one transaction.

A crash between 2 and 3 leaves a pending intent; :meth:`Executor.recover` heals it at the start
of the next round by finding the origin marker. Nothing here decides *what* to write.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
)
from tenacity.stop import stop_base

from adapters.base import Adapter, BatchingAdapter, RemoteItem, WriteKind, WriteOp
from hub.errors import (
    Conflict,
    NotFound,
    RateLimited,
    SyncHubError,
    Transient,
    ValidationRejected,
)
from hub.model import SYNC_FIELDS, Item
from hub.planner.types import LinkPlan, Write
from hub.round.budget import budget_for, hold_for
from hub.round.parents import ParentIndex
from hub.round.quarantine import Quarantine, is_permanent, write_ref
from hub.store.base import (
    ConflictRecord,
    CopyState,
    Intent,
    IntentState,
    LinkState,
    Store,
)

T = TypeVar("T")
log = logging.getLogger("synchub.executor")


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 900.0  # never wait longer than this for one Retry-After
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass
class ApplyStats:
    writes: dict[str, int] = field(default_factory=dict)  # endpoint -> successful writes
    failed: dict[str, int] = field(default_factory=dict)
    waits: list[tuple[str, float]] = field(default_factory=list)  # (endpoint, seconds), all
    #: the part of ``waits`` a service's rate limit caused: its ``Retry-After`` and our
    #: staying under its request budget (the rest is back-off after a transient failure)
    rate_limit_waits: list[tuple[str, float]] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)  # endpoint -> requests sent again
    errors: list[tuple[str, SyncHubError]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    held: int = 0  # writes not sent: quarantined after a permanent rejection, unchanged since
    created: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> refs made/found

    def bump(self, d: dict[str, int], ep: str) -> None:
        d[ep] = d.get(ep, 0) + 1


def _payload(w: Write) -> dict[str, Any]:
    return {
        "ref": w.ref,
        "fields": sorted(w.fields),
        "expected_version": w.expected_version,
        "item": w.item.model_dump(mode="json") if w.item else None,
    }


class _StopWhen(stop_base):
    """Retry no more once ``should_stop`` says so (a shutdown)."""

    def __init__(self, should_stop: Callable[[], bool] | None) -> None:
        self.should_stop = should_stop

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.should_stop is not None and self.should_stop()


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
    ) -> None:
        self.flow = flow
        self.now = now
        #: (link, endpoint) of creates that may have landed but are not confirmed yet: planned
        #: creates there wait, or a second copy could be made before the first is found
        self.unsettled: set[tuple[str, str]] = set()
        #: (endpoint, ref) of creates found by their marker after a lost answer: what landed
        #: may be less than what was sent (a create of several requests that failed midway)
        self.found_by_marker: set[tuple[str, str]] = set()
        self.store = store
        self.adapters = adapters
        self.retry = retry or RetryPolicy()
        self.dry_run = dry_run
        #: a shutdown: no request is sent once it is asked for (waits end early through the
        #: policy's sleep), so a round in back-off or under a Retry-After hold ends within
        #: the daemon's grace period instead of sleeping through it
        self.should_stop = should_stop
        self.stats = ApplyStats()
        self.parents: ParentIndex | None = None  # set by the engine once links are loaded
        #: poison writes (P14): set by the engine; a write rejected for good waits out a
        #: back-off instead of failing every round, unless what it writes changed
        self.quarantine: Quarantine | None = None
        self.holds = {name: hold_for(a, clock=self.retry.clock) for name, a in adapters.items()}
        self.budgets = {
            name: budget_for(a, a.capabilities.request_budget, clock=self.retry.clock)
            for name, a in adapters.items() if a.capabilities.request_budget is not None
        }

    # -- retries ------------------------------------------------------------------------------

    def _pace(self, endpoint: str) -> None:
        """Wait, if needed, until the endpoint's last ``Retry-After`` has passed and to stay
        under its documented request budget (P12)."""
        hold = self.holds[endpoint].remaining() if endpoint in self.holds else 0.0
        if hold > 0:
            self._wait(endpoint, hold, rate_limit=True)
        budget = self.budgets.get(endpoint)
        if budget is not None:
            pause = budget.reserve()
            if pause > 0:
                self._wait(endpoint, pause, rate_limit=True)

    def _wait(self, endpoint: str, seconds: float, *, rate_limit: bool,
              sleep: bool = True) -> None:
        self.stats.waits.append((endpoint, seconds))
        if rate_limit:
            self.stats.rate_limit_waits.append((endpoint, seconds))
        if sleep:
            self.retry.sleep(seconds)

    def _request(self, endpoint: str, fn: Callable[[], T]) -> T:
        """One paced request. A ``Retry-After`` it earns holds back *every* later request to
        the endpoint, not only this call's retry: after the last attempt, or after a failed
        marker lookup, the next write to the same service must wait too."""
        self._pace(endpoint)
        if self.should_stop is not None and self.should_stop():
            # Never sent (a hold may not have passed): nothing to look for, nothing applied.
            raise Transient("not sent: synchub is stopping", service=endpoint)
        try:
            return fn()
        except RateLimited as exc:
            if exc.retry_after is not None and endpoint in self.holds:
                self.holds[endpoint].extend(min(exc.retry_after, self.retry.max_retry_after))
            raise

    def call(self, endpoint: str, fn: Callable[[], T], *,
             before_retry: Callable[[], T | None] | None = None) -> T:
        """Run ``fn`` with retries. ``before_retry`` may short-cut a retry (a create that had
        landed after all); it runs only after a failure that may have been applied."""
        policy = self.retry

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            limited = isinstance(exc, RateLimited) and exc.retry_after is not None
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                delay = min(max(exc.retry_after, 0.0), policy.max_retry_after)
            else:
                delay = min(policy.base_delay * 2 ** (state.attempt_number - 1), policy.max_delay)
            self._wait(endpoint, delay, rate_limit=limited, sleep=False)  # tenacity sleeps
            self.stats.bump(self.stats.retries, endpoint)
            return delay

        found: list[T] = []

        def attempt() -> T:
            if found:
                return found[0]
            return self._request(endpoint, fn)

        def after_failure(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if before_retry is not None and isinstance(exc, Transient) and exc.maybe_applied:
                try:
                    hit = self._request(endpoint, before_retry)  # a request too (P12)
                except SyncHubError as lookup:
                    # Whether the write landed is unknown: trying it again could duplicate.
                    # Stop here as "maybe applied"; recover() looks again next round.
                    raise Transient(f"{exc.message}; looking for its marker failed too: "
                                    f"{lookup.message}", service=exc.service,
                                    maybe_applied=True) from lookup
                if hit is not None:
                    found.append(hit)
                elif self.adapters[endpoint].capabilities.marker_lag > 0:
                    # Not found may only mean "not searchable yet": trying again could make a
                    # second copy. recover() looks again once the search has caught up.
                    raise Transient(f"{exc.message}; its marker is not searchable yet",
                                    service=exc.service, maybe_applied=True)

        retrying = Retrying(
            retry=retry_if_exception_type((RateLimited, Transient)),
            stop=stop_any(stop_after_attempt(policy.attempts), _StopWhen(self.should_stop)),
            wait=wait,
            sleep=policy.sleep,
            before_sleep=after_failure,
            reraise=True,
        )
        return retrying(attempt)

    # -- recovery -----------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Settle intents left pending by a crash. Returns human-readable notes."""
        notes: list[str] = []
        for intent in self.store.pending_intents(self.flow):
            adapter = self.adapters.get(intent.endpoint)
            state = IntentState.ABANDONED
            if intent.kind == WriteKind.CREATE and adapter is not None:
                find = functools.partial(adapter.find_by_origin, intent.link_id)
                try:
                    found = self.call(intent.endpoint, find)
                except SyncHubError as exc:
                    notes.append(f"{intent.endpoint}: cannot check unfinished create yet: {exc}")
                    self.unsettled.add((intent.link_id, intent.endpoint))
                    continue
                if found is None and self._may_lag(adapter, intent):
                    notes.append(f"{intent.endpoint}: unfinished create not found by its marker "
                                 "yet; the service's search may lag, looked for again next round")
                    self.unsettled.add((intent.link_id, intent.endpoint))
                    continue
                link = self.store.get_link(self.flow, intent.link_id)
                if found is not None and link is not None and intent.endpoint not in link.copies:
                    # Agreed on what was sent, unlike a copy found in the same round (see
                    # after_write): by now a person may have edited it, and that edit must
                    # count as one.
                    item_json = intent.payload.get("item")
                    agreed = self._agreed(intent.endpoint, Item.model_validate(item_json), None) \
                        if item_json else found.item
                    link = replace(link, copies={**link.copies, intent.endpoint: CopyState(
                        intent.endpoint, found.ref, base=agreed, snapshot=found.item,
                        version=found.version)})
                    notes.append(f"{intent.endpoint}: unfinished create found by its marker "
                                 f"({found.ref}); linked, not created again")
                    self.stats.created.setdefault(intent.endpoint, []).append(found.ref)
                    with self.store.transaction() as tx:
                        tx.save_link(link)
                        tx.finish_intent(intent.key, IntentState.DONE)
                    continue
            with self.store.transaction() as tx:
                tx.finish_intent(intent.key, state)
        return notes

    def _may_lag(self, adapter: Adapter, intent: Intent) -> bool:
        """True while a create's marker may still be missing from the service's search."""
        lag = adapter.capabilities.marker_lag
        if lag <= 0 or intent.created_at is None:
            return False
        return (self.now() - intent.created_at).total_seconds() < lag

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
                hit = a.find_by_origin(origin)
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

    def _agreed(self, endpoint: str, item: Item, fields: frozenset[str] | None) -> Item:
        """What the copy agrees on after a successful write: the values as the service
        represents them (see :class:`adapters.base.Representing`)."""
        represent = getattr(self.adapters[endpoint], "represent", None)
        if represent is None:
            return item
        names = fields if fields is not None else frozenset(SYNC_FIELDS)
        return item.evolve(**{f: represent(f, getattr(item, f)) for f in names})

    def after_write(self, state: LinkState, w: Write, result: RemoteItem | None) -> LinkState:
        """The link once ``w`` has succeeded with ``result``."""
        copies = dict(state.copies)
        if w.kind is WriteKind.DELETE:
            copies.pop(w.endpoint, None)
            return replace(state, copies=copies, detached=state.detached | {w.endpoint})
        if w.kind is WriteKind.CREATE:
            assert result is not None and w.item is not None
            # A copy found by its marker right after a lost answer (seconds later, in the same
            # call) agrees on what it holds, not on what was sent: if part of the create did
            # not land, the copy is "behind" and brought up to the agreed value next round,
            # instead of looking edited there and spreading the gap. (recover() differs.)
            base = result.item if (w.endpoint, result.ref) in self.found_by_marker else \
                self._agreed(w.endpoint, w.item, None)
            copies[w.endpoint] = CopyState(w.endpoint, result.ref, base=base,
                                           snapshot=result.item, version=result.version)
        else:
            assert result is not None and w.item is not None
            c = copies[w.endpoint]
            written = self._agreed(w.endpoint, w.item, w.fields)
            agreed = c.base.evolve(**{f: getattr(written, f) for f in w.fields})
            # The marker the copy carries: an adapter that does not read markers back on
            # every write (Todoist's comments) returns none, and a marker once known is kept.
            snapshot = result.item if result.item.origin else result.item.evolve(
                origin=w.origin or c.snapshot.origin)
            copies[w.endpoint] = replace(c, base=agreed, snapshot=snapshot,
                                         version=result.version)
        return replace(state, copies=copies)

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

    def _journal(self, link_id: str, writes: Sequence[Write]) -> None:
        with self.store.transaction() as tx:
            for w in writes:
                tx.add_intent(Intent(key=w.key, flow=self.flow, link_id=link_id,
                                     endpoint=w.endpoint, kind=w.kind.value, payload=_payload(w)))

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
        state = self.after_write(state, w, result)
        if w.kind is WriteKind.CREATE and result is not None:
            self.stats.created.setdefault(w.endpoint, []).append(result.ref)
        if self.parents is not None and result is not None:
            self.parents.add(link_id, w.endpoint, result.ref)
        with self.store.transaction() as tx:
            if state.copies:
                tx.save_link(state)
            else:
                tx.drop_link(self.flow, link_id)
            tx.finish_intent(w.key)
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
            pair = self._to_send(planned)
            if pair is None:
                continue  # only an unresolvable parent to write: try again next round
            send, w = pair
            self._journal(lp.link_id, [w])
            try:
                result = self._write(send)
            except SyncHubError as exc:
                state = self._commit_failure(lp.link_id, state, w, exc)
                continue
            state = self._commit_success(lp.link_id, state, w, result)
        return state if state.copies else None

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
        queued: dict[str, list[tuple[str, Write, Write]]] = {n: [] for n in batching}
        total = len(plans)
        for done, lp in enumerate(plans, 1):
            if should_stop is not None and should_stop():
                return False
            singles = [w for w in lp.writes if w.endpoint not in batching]
            if len(singles) == len(lp.writes):
                states[lp.link_id] = self.apply_link(lp)
            else:
                state = self.prepare(lp)
                states[lp.link_id] = state
                if state is not None:
                    for planned in singles:
                        states[lp.link_id] = state = self._apply_one(lp.link_id, state, planned)
                    for planned in lp.writes:
                        pair = self._to_send(planned) if planned.endpoint in batching else None
                        if pair is not None:
                            queued[planned.endpoint].append((lp.link_id, *pair))
            if progress is not None:
                progress(done, total)
        for endpoint, items in queued.items():
            size = self.adapters[endpoint].capabilities.batch_size
            for i in range(0, len(items), size):
                if should_stop is not None and should_stop():
                    return False
                self._apply_batch(endpoint, items[i:i + size], states)
        return True

    def _apply_one(self, link_id: str, state: LinkState, planned: Write) -> LinkState:
        pair = self._to_send(planned)
        if pair is None:
            return state
        send, w = pair
        self._journal(link_id, [w])
        try:
            result = self._write(send)
        except SyncHubError as exc:
            return self._commit_failure(link_id, state, w, exc)
        return self._commit_success(link_id, state, w, result)

    def _apply_batch(self, endpoint: str, items: list[tuple[str, Write, Write]],
                     states: dict[str, LinkState | None]) -> None:
        adapter = self.adapters[endpoint]
        assert isinstance(adapter, BatchingAdapter)
        with self.store.transaction() as tx:
            for link_id, _, w in items:
                tx.add_intent(Intent(key=w.key, flow=self.flow, link_id=link_id,
                                     endpoint=w.endpoint, kind=w.kind.value, payload=_payload(w)))
        ops = [WriteOp(kind=send.kind, idempotency_key=send.key, item=send.item, ref=send.ref,
                       fields=send.fields, expected_version=send.expected_version,
                       origin=send.origin) for _, send, _ in items]
        try:
            # A retried batch is safe: every op carries its idempotency key.
            results = self.call(endpoint, lambda: adapter.write_batch(ops))
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
            else:
                states[link_id] = self._commit_success(link_id, state, w, result.remote)
