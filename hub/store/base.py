"""The state store's interface: what synchub remembers between rounds.

Terminology (see :mod:`hub.model`): a **link** ties the copies of one item across a flow's
endpoints. For every link we keep the agreed canonical value (``base``) and, per copy, the
value that copy last agreed on (``CopyState.base``) and the last content we saw in it
(``CopyState.snapshot``). Keeping a base *per copy* is what makes a failed write safe: the copy
that missed an update still compares equal to its own base, so next round it is recognised as
"behind", not as "edited back to the old value" (which would lose the update).

Both engines (SQLite, PostgreSQL) implement :class:`Store` with the same schema and pass the
same tests. Every write goes through :meth:`Store.transaction`, so a link, its copies, the
intent that produced them and (last) the cursors commit atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from hub.model import Item

SCHEMA_VERSION = 9


@dataclass(frozen=True)
class CopyState:
    endpoint: str
    ref: str
    base: Item  # what this copy last agreed on (per field)
    snapshot: Item  # the last content observed in (or written to) this copy
    version: str | None = None  # remote etag/revision of ``snapshot``


@dataclass(frozen=True)
class Provenance:
    """Who last decided a field's value: for ``synchub explain``."""

    endpoint: str  # the endpoint whose value won ("" for a manual resolution)
    run_id: int | None
    rule: str  # e.g. "one side changed", "conflict: newest", "prefer: jira", "manual"
    at: dt.datetime
    #: the winning copy's own last-modified time: an edit that surfaces later (a lagging or
    #: unreachable service) but was made *before* this one is a conflict, not a new value.
    edited_at: dt.datetime | None = None


@dataclass(frozen=True)
class LinkState:
    flow: str
    link_id: str
    base: Item
    copies: Mapping[str, CopyState] = field(default_factory=dict)  # endpoint -> copy
    provenance: Mapping[str, Provenance] = field(default_factory=dict)  # field -> provenance
    #: endpoints this link deliberately has no copy on (the user deleted it there under the
    #: ``unlink`` policy, or it left that endpoint's scope): never re-created there.
    detached: frozenset[str] = frozenset()
    #: a propagated delete is under way; remaining copies are deleted next round if a write
    #: failed this round.
    deleting: bool = False


class IntentState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class Intent:
    """A journalled write: recorded before it is attempted, closed when its result commits."""

    key: str  # idempotency key, unique
    flow: str
    link_id: str
    endpoint: str
    kind: str  # "create" | "update" | "delete"
    payload: Mapping[str, Any]  # JSON-able: item json, fields, ref, expected version
    state: IntentState = IntentState.PENDING
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class ConflictRecord:
    id: int | None
    flow: str
    link_id: str
    field: str
    values: Mapping[str, Any]  # endpoint -> JSON value of the field
    created_at: dt.datetime | None = None
    resolved_with: str | None = None  # endpoint chosen, None while open
    resolved_at: dt.datetime | None = None


@dataclass(frozen=True)
class RunRecord:
    id: int
    flow: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "running"  # running | ok | partial | failed | refused
    counts: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None
    undoes: int | None = None  # the run this one undid (``synchub undo``), None for a sync


@dataclass(frozen=True)
class WriteRecord:
    """One write of a run as ``synchub history`` shows it and ``synchub undo`` reverses it.

    The journal's intent says what was *sent*; this also says what it *replaced*: the copy's
    last observed values of the fields written (``before``), so a write can be put back
    after the journal's settled intents are pruned (history lives as long as its run).
    ``before`` / ``after`` map field -> JSON value: an update holds the fields it wrote, a
    create only ``after`` (every sync field), a delete only ``before`` (the copy as last
    seen, what a restore re-creates). ``state`` follows the intent (pending, done,
    abandoned); ``ref`` is filled in when a create lands."""

    run_id: int
    key: str  # the intent's idempotency key
    flow: str
    link_id: str
    endpoint: str
    kind: str  # "create" | "update" | "delete"
    ref: str | None
    title: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    state: IntentState = IntentState.PENDING
    at: dt.datetime | None = None


class QuarantineKind(StrEnum):
    READ = "read"  # the listing returned it, but it could not be converted (P14)
    WRITE = "write"  # the service rejects the write for good (400/422, a value it cannot hold)
    #: a new item held back unlinked: its match key is ambiguous (hub.planner.matching)
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class QuarantineRecord:
    """One item set aside so the rest of the round and its cursors go on (P14).

    Keyed by (flow, endpoint, ref, kind); ``ref`` is the remote id, or for a create that never
    landed the link id prefixed with ``link:``. ``fingerprint`` identifies *what* failed (the
    raw item read, or the payload written): the same failure again is retried with back-off
    and not reported again; a new change to the item is tried at once and reported anew.
    """

    flow: str
    endpoint: str
    ref: str
    kind: QuarantineKind
    title: str
    reason: str
    fingerprint: str
    link_id: str | None = None
    attempts: int = 1
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    next_try: dt.datetime | None = None


@dataclass(frozen=True)
class HealthRecord:
    """How one endpoint of a flow fared in its latest rounds (``synchub status``, the status
    page, ``/status.json``, ``/metrics``). Kept in the store because ``synchub status`` is
    another process than the one that ran the round.

    ``error`` is the service's own message of the latest failure, kept after a recovery (the
    status shows when it last failed, and why); ``since`` is when the current streak of
    failures began (None while the endpoint answers); ``next_try`` when the flow's next round
    is expected (the round after a failure retries it)."""

    flow: str
    endpoint: str
    ok: bool
    error: str | None = None
    since: dt.datetime | None = None
    last_failure: dt.datetime | None = None
    last_success: dt.datetime | None = None
    failures: int = 0  # rounds failed in a row
    next_try: dt.datetime | None = None


@dataclass(frozen=True)
class Incident:
    """Something a person was (or is about to be) told about (:mod:`hub.notify`), kept so
    that a message goes once when it starts and once when it is over, whichever process
    runs the rounds (the daemon, or ``synchub sync`` from cron).

    ``key`` is ``kind:flow:subject``; ``announced``: the targets told it started; ``closed``:
    those told it is over. A row whose condition is gone has ``recovered_at`` until every
    target told of it has been told it is over."""

    key: str
    flow: str
    kind: str
    subject: str
    text: str
    opened_at: dt.datetime
    recovered_at: dt.datetime | None = None
    announced: frozenset[str] = frozenset()
    closed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CommentCopy:
    """One service's copy of a comment (or the original itself)."""

    ref: str | None  # the comment's id there; None: a person deleted this copy (not again)
    digest: str = ""  # of its own text as last read (adapters.toolkit.comments.digest)
    #: of the thread's text this copy was last written from: what the service made of it
    #: (its Markdown spelled its own way, a text too long for it shortened) is ``digest``,
    #: so comparing with this one is what keeps a copy from being rewritten every round
    sent: str = ""


@dataclass(frozen=True)
class CommentThread:
    """A comment and its copies across a link's endpoints (:mod:`hub.round.comments`).

    ``source`` is where a person wrote it; ``body`` is its text as last agreed, so a copy can
    be written without reading the original again. ``deleting``: the original is gone and its
    copies are being deleted. ``pending``: a write of this thread has not landed yet, so the
    link's comments are read again next round even when nothing else touches it."""

    flow: str
    thread: str
    link_id: str
    source: str
    author: str
    created_at: dt.datetime | None
    link: str | None  # the original's address, for the copies' header
    body: str
    copies: Mapping[str, CommentCopy] = field(default_factory=dict)  # endpoint -> copy
    deleting: bool = False
    pending: bool = False


class Transaction(Protocol):
    def save_link(self, link: LinkState) -> None:
        """Insert or replace a link and all of its copies (copies not in ``link`` are removed)."""

    def drop_link(self, flow: str, link_id: str) -> None: ...

    def mark_settled(self, flow: str, link_ids: Collection[str], fingerprint: str, *,
                     fresh: bool) -> None:
        """Record that a round found ``link_ids`` settled under the planning ``fingerprint``
        (:mod:`hub.store.workset`); ``fresh``: the fingerprint is new, so every other link of
        the flow is unsettled first. A later save of a link unsettles it again."""

    def set_cursor(self, flow: str, endpoint: str, cursor: str | None) -> None: ...

    def add_intent(self, intent: Intent) -> None: ...

    def finish_intent(self, key: str, state: IntentState = IntentState.DONE,
                      ref: str | None = None) -> None:
        """Settle an intent, and the pending :class:`WriteRecord` with its key (its run's
        history follows what became of the write); ``ref``: where a create landed."""

    def add_write(self, record: WriteRecord) -> None:
        """Record a run's write for its history, in the transaction that journals it."""

    def upsert_conflict(self, c: ConflictRecord) -> int:
        """One open conflict per (flow, link, field): a repeated conflict updates its values."""

    def resolve_conflict(self, conflict_id: int, endpoint: str) -> None: ...

    def put_quarantine(self, q: QuarantineRecord) -> None:
        """Insert or replace the record with the same (flow, endpoint, ref, kind)."""

    def clear_quarantine(self, flow: str, endpoint: str, ref: str,
                         kind: QuarantineKind | None = None) -> None: ...

    def save_thread(self, thread: CommentThread) -> None:
        """Insert or replace a comment thread (dropping a link drops its threads)."""

    def drop_thread(self, flow: str, thread: str) -> None: ...

    def comments_dirty(self, flow: str, link_ids: Collection[str], dirty: bool) -> None:
        """Mark links whose comments must be read next round (a read failed), or clear them."""

    def put_health(self, h: HealthRecord) -> None:
        """Insert or replace the record of (flow, endpoint)."""

    def put_incident(self, i: Incident) -> None:
        """Insert or replace the incident with the same key."""

    def drop_incident(self, key: str) -> None: ...

    def set_notified(self, target: str, at: dt.datetime) -> None:
        """When ``target`` was last sent a message (its ``min_interval`` counts from it)."""


class Store(Protocol):
    """Opened with a URL (``sqlite:///path`` or ``postgresql://...``) by :func:`open_store`."""

    url: str

    def migrate(self) -> None:
        """Create or upgrade the schema; refuse (StateError) a schema newer than the code."""

    def bind_config(self, fingerprint: str, *, force: bool = False) -> None:
        """Record the config fingerprint on first use; on later opens raise StateError if it
        differs (unless ``force``) while the store holds links, cursors, write intents or
        conflicts, so a renamed flow is never mistaken for a first run. A store holding none
        of them (only a ``plan`` opened it) is rebound: nothing in it can be duplicated."""

    def transaction(self) -> AbstractContextManager[Transaction]: ...

    def load_links(self, flow: str) -> dict[str, LinkState]: ...

    def get_link(self, flow: str, link_id: str) -> LinkState | None: ...

    # A round's working set (hub.store.workset), through indexes: never every link.

    def links_by_id(self, flow: str, link_ids: Collection[str]) -> dict[str, LinkState]:
        """The links of ``link_ids`` that exist."""

    def link_ids_by_ref(self, flow: str, refs: Collection[tuple[str, str]]) -> set[str]:
        """The links with a copy at any of the (endpoint, ref) pairs."""

    def unsettled_link_ids(self, flow: str) -> set[str]:
        """The links no round has found settled since they were last saved."""

    def child_link_ids(self, flow: str, parents: Collection[str]) -> set[str]:
        """The links with a copy whose parent (as last seen) is one of ``parents``."""

    def link_ids_after(self, flow: str, endpoint: str, after: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of links with a copy at ``endpoint``, after ``after``, in order
        (the comment sweep's turn, :mod:`hub.round.comments`)."""

    def count_links(self, flow: str) -> int: ...

    def settled_under(self, flow: str) -> str | None:
        """The planning fingerprint the flow's settled marks were made under."""

    def find_link_by_ref(self, flow: str, endpoint: str, ref: str) -> str | None: ...

    def get_cursor(self, flow: str, endpoint: str) -> str | None: ...

    def pending_intents(self, flow: str) -> list[Intent]: ...

    def conflicts(self, flow: str | None = None, *, open_only: bool = True
                  ) -> list[ConflictRecord]: ...

    def start_run(self, flow: str, *, undoes: int | None = None) -> int: ...

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, int],
                   error: str | None = None) -> None: ...

    def runs(self, flow: str | None = None, limit: int = 20) -> list[RunRecord]: ...

    def run(self, run_id: int) -> RunRecord | None: ...

    def run_writes(self, run_id: int) -> list[WriteRecord]:
        """The writes a run journalled, in the order it made them."""

    def quarantined(self, flow: str | None = None) -> list[QuarantineRecord]: ...

    def health(self, flow: str | None = None) -> list[HealthRecord]: ...

    def incidents(self) -> list[Incident]: ...

    def notified(self) -> dict[str, dt.datetime]:
        """Target name -> when it was last sent a message."""

    # What adapters discovered (schema 8, :mod:`hub.store.discovery`): outside transactions,
    # a cache that may be lost at any time (a miss only costs the requests again).

    def discovered(self, key: str) -> tuple[str, dt.datetime] | None:
        """The value stored under ``key`` (JSON text) and when it was fetched."""

    def put_discovered(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, fetched now (a read-only store writes nothing)."""

    def drop_discovered(self, prefix: str = "") -> int:
        """Forget the entries whose key starts with ``prefix`` (all with ""); how many."""

    def comment_threads(self, flow: str, link_ids: Collection[str]
                        ) -> dict[str, list[CommentThread]]:
        """The comment threads of these links, by link (links with none left out)."""

    def pending_comment_links(self, flow: str) -> set[str]:
        """The links with a comment thread whose writes have not all landed, and those
        marked with :meth:`Transaction.comments_dirty`."""

    def prune(self, *, runs_before: dt.datetime, journal_before: dt.datetime
              ) -> dict[str, int]:
        """Delete finished runs and settled intents older than the given times (pending
        intents and the newest run of each flow are always kept), and the write records of
        the runs deleted; returns rows deleted by table (runs, journal, writes)."""

    def writer(self, flow: str, holder: str, *, wait: float,
               should_stop: Callable[[], bool] | None = None,
               on_wait: Callable[[str], None] | None = None
               ) -> AbstractContextManager[None]:
        """Be the only writer of ``flow`` (P13) across processes and hosts while the block
        runs. Waits up to ``wait`` seconds (calling ``on_wait(holder)`` once, with the other
        writer's description) and then raises :class:`hub.errors.Busy`. The lock dies with
        its process (kill -9 included); ``holder`` describes this one to others."""

    def writer_holder(self, flow: str) -> str | None:
        """Who is writing ``flow`` now (their description), None when nobody is."""

    def add_notice(self, flow: str) -> None:
        """A change notice for ``flow`` accepted by any process: the one running the flow sees
        it through :meth:`notice_mark` (webhooks reaching a replica that does not run it)."""

    def notice_mark(self, flow: str) -> int:
        """A number that grows with every :meth:`add_notice` for ``flow``."""

    def try_lease(self, flow: str, holder: str, ttl_seconds: float) -> bool:
        """Take or renew the lease on ``flow`` for ``holder``; False if another live holder has
        it. SQLite (one process) may always grant; PostgreSQL uses row locks with expiry."""

    def release_lease(self, flow: str, holder: str) -> None: ...

    def renew_leases(self, flows: Collection[str], holder: str, ttl_seconds: float
                     ) -> set[str]:
        """Renew ``holder``'s unexpired leases on ``flows`` at once; the ones it still holds."""

    def lease_holders(self) -> dict[str, str]:
        """flow -> holder, for every lease that has not expired."""

    def heartbeat(self, holder: str, ttl_seconds: float) -> None:
        """``holder`` (a replica) is alive for ``ttl_seconds`` more."""

    def leave(self, holder: str) -> None:
        """``holder`` stops: it no longer counts among the live replicas."""

    def replicas_alive(self) -> list[str]:
        """The replicas whose heartbeat has not expired, oldest first."""

    def notice_marks(self) -> dict[str, int]:
        """:meth:`notice_mark` of every flow that has had a notice, at once."""

    def close(self) -> None: ...

