"""The one SQL implementation of :class:`hub.store.base.Store`, for SQLite and PostgreSQL.

The engines differ only in what :class:`Dialect` captures (placeholders, the auto-increment
column type, row locking for leases, how migrations are serialised) and in their writer locks
(:mod:`hub.store.locks`). Links are cached per flow after the first load, so a quiet round does
not re-parse 10,000 links; the cache is checked against the flow's *generation*, a counter every
commit that changes links bumps, so a process never acts on links another process has changed
since (the daemon beside a ``synchub sync`` typed by hand; P13). What a transaction writes is
:mod:`hub.store.transaction`; the side records (quarantine, notices, pruning) are
:mod:`hub.store.records`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from hub.errors import StateError
from hub.store import (
    codec,
    discovery,
    health,
    history,
    locks,
    records,
    replicas,
    threads,
    workset,
)
from hub.store.base import (
    SCHEMA_VERSION,
    CommentThread,
    ConflictRecord,
    HealthRecord,
    Incident,
    Intent,
    IntentState,
    LinkState,
    QuarantineRecord,
    RunRecord,
    WriteRecord,
)
from hub.store.schema import MIGRATIONS
from hub.store.transaction import SqlTransaction


@dataclass(frozen=True)
class Dialect:
    name: str
    placeholder: str  # "?" or "%s"
    serial: str  # auto-increment primary key column definition
    lock_for_lease: str  # suffix for SELECT ... on the lease row
    table_exists: str  # one row when table ``?`` exists
    #: run first in the migration transaction, so processes starting at once migrate one
    #: after another (each then sees the version the first one wrote)
    lock_for_migration: str
    read_snapshot: str  # starts a read transaction whose statements see one snapshot
    #: ``ALTER TABLE t {add_column} c``: PostgreSQL's IF NOT EXISTS makes a migration that
    #: adds a column safe to meet again (two replicas migrating one empty store at once were
    #: seen to both run it); SQLite serialises migrations with BEGIN IMMEDIATE and has none
    add_column: str = "ADD COLUMN"
    #: the canonical parent of a ``copies`` row, read from its JSON (migration 7's backfill);
    #: a NULL snapshot is the copy's base, a NULL base the link's
    copy_parent: str = ("json_extract(COALESCE(snapshot, base, (SELECT l.base FROM links l "
                        "WHERE l.flow = copies.flow AND l.link_id = copies.link_id)), "
                        "'$.parent')")

    def sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlStore:
    """Subclasses provide ``_connect`` and the dialect; everything else is shared."""

    dialect: Dialect

    def __init__(self, url: str, conn: Any) -> None:
        self.url = url
        self.conn = conn
        self._depth = 0  # > 0 inside a transaction of ours
        self.clock: Callable[[], float] = time.time  # lease expiry (wall clock: shared)
        #: a preview's store (:mod:`hub.store.preview`): never migrated or bound, only read
        self.read_only = False

    # -- plumbing -----------------------------------------------------------------------------

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self.dialect.sql(sql), params)
        return cur

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        rows = list(self._exec(sql, params).fetchall())
        if self._depth == 0:
            # A read outside our transactions ends at once: PostgreSQL would otherwise keep
            # the session "idle in transaction", holding locks that block other processes'
            # migrations and DDL (readers never disturb a writer, P13).
            self.conn.commit()
        return rows

    @contextmanager
    def _txn(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            self._depth -= 1
        self.conn.commit()

    # -- schema -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        if not self._query(self.dialect.table_exists, ("meta",)):
            return 0
        rows = self._query("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(rows[0][0]) if rows else 0

    def migrate(self) -> None:
        """Bring the schema up to date. Serialised across processes (an advisory lock on
        PostgreSQL, an immediate transaction on SQLite): two replicas starting at once on an
        empty database migrate one after the other instead of racing on CREATE TABLE."""
        version = self.schema_version()
        if version == SCHEMA_VERSION:
            return  # the usual case: no lock taken, nothing written (readers stay readers)
        if self.read_only and version < SCHEMA_VERSION:
            raise StateError(
                f"the state store {self.url_for_humans()} has schema version {version}; this "
                f"synchub uses version {SCHEMA_VERSION}. A preview changes nothing, so it "
                "cannot upgrade it: run `synchub sync` (or the daemon) once, then preview.")
        with self._txn():
            self._exec(self.dialect.lock_for_migration)
            current = 0
            if self._query(self.dialect.table_exists, ("meta",)):
                rows = self._query("SELECT value FROM meta WHERE key = 'schema_version'")
                current = int(rows[0][0]) if rows else 0
            if current > SCHEMA_VERSION:
                raise StateError(
                    f"the state store {self.url_for_humans()} has schema version {current}, but "
                    f"this synchub only knows up to version {SCHEMA_VERSION}: it was written by "
                    "a newer synchub. Upgrade synchub (or use another state file); nothing was "
                    "changed.")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for stmt in MIGRATIONS[version - 1]:
                    self._exec(stmt.format(serial=self.dialect.serial,
                                           add_column=self.dialect.add_column,
                                           copy_parent=self.dialect.copy_parent))
                self._upsert_meta("schema_version", str(version))

    def _upsert_meta(self, key: str, value: str) -> None:
        self._exec("INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def bind_config(self, fingerprint: str, *, force: bool = False) -> None:
        rows = self._query("SELECT value FROM meta WHERE key = 'config_fingerprint'")
        if rows and rows[0][0] != fingerprint and not force and self._holds_state():
            raise StateError(
                f"the state store {self.url_for_humans()} belongs to a configuration with other "
                "flows or endpoints (names, services or scopes changed). Syncing now could "
                "treat every item as new and duplicate it. If the change is intended, run "
                "`synchub sync --rebind` (`synchub plan --rebind` shows first what it would "
                "do); to start over, point state.url at a new file.")
        if (not rows or rows[0][0] != fingerprint) and not self.read_only:
            with self._txn():
                self._upsert_meta("config_fingerprint", fingerprint)

    def _holds_state(self) -> bool:
        """Whether anything here could be mistaken for another config's: a link, a cursor,
        a write intent or a conflict. A store that only a ``plan`` or a ``check`` opened holds
        none, and rebinding it (``synchub init --force``, then a plan) can duplicate nothing.
        """
        return any(self._query(f"SELECT 1 FROM {table} LIMIT 1")  # table names fixed here
                   for table in ("links", "cursors", "journal", "conflicts"))

    def url_for_humans(self) -> str:
        return self.url.split("@")[-1] if "@" in self.url else self.url

    # -- links --------------------------------------------------------------------------------

    def load_links(self, flow: str) -> dict[str, LinkState]:
        """Every link of the flow, read in one snapshot. Not cached: rounds read only their
        working set (:meth:`links_by_id`), and a cache of every link is what made a daemon's
        memory grow with the state (about 9 KiB a link) rather than with the work."""
        with self._snapshot():
            return self._load_links(flow)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Reads that must agree with each other (links and their copies) in one snapshot, so a
        reader without the writer lock never sees half of another process's commit."""
        if self._depth:
            yield
            return
        self.conn.commit()  # whatever implicit transaction was open: start a fresh one
        self._depth += 1
        try:
            self._exec(self.dialect.read_snapshot)
            yield
        finally:
            self._depth -= 1
            self.conn.commit()

    def _load_links(self, flow: str) -> dict[str, LinkState]:
        links: dict[str, LinkState] = {}
        bases: dict[str, Any] = {}
        rows = self._query("SELECT link_id, base, provenance, detached, deleting FROM links "
                           "WHERE flow = ?", (flow,))
        for link_id, base, prov, detached, deleting in rows:
            item = codec.item_load(base)
            bases[link_id] = item
            links[link_id] = LinkState(flow, link_id, item, {}, codec.provenance_load(prov),
                                       frozenset(json.loads(detached)), bool(deleting))
        copies: dict[str, dict[str, Any]] = {}
        for link_id, ep, ref, version, cbase, snap in self._query(
                "SELECT link_id, endpoint, ref, version, base, snapshot FROM copies "
                "WHERE flow = ?", (flow,)):
            if link_id in bases:
                copies.setdefault(link_id, {})[ep] = codec.copy_load(
                    bases[link_id], ep, ref, version, cbase, snap)
        for link_id, cs in copies.items():
            links[link_id] = replace(links[link_id], copies=cs)
        return links

    def get_link(self, flow: str, link_id: str) -> LinkState | None:
        return self.links_by_id(flow, [link_id]).get(link_id)

    # the working set of a round (hub.store.workset): read through indexes, never all links

    def links_by_id(self, flow: str, link_ids: Collection[str]) -> dict[str, LinkState]:
        with self._snapshot():
            return workset.load(self, flow, link_ids)

    def link_ids_by_ref(self, flow: str, refs: Collection[tuple[str, str]]) -> set[str]:
        return workset.ids_by_ref(self, flow, refs)

    def unsettled_link_ids(self, flow: str) -> set[str]:
        return workset.unsettled_ids(self, flow)

    def child_link_ids(self, flow: str, parents: Collection[str]) -> set[str]:
        return workset.child_ids(self, flow, parents)

    def link_ids_after(self, flow: str, endpoint: str, after: str, limit: int) -> list[str]:
        return workset.ids_after(self, flow, endpoint, after, limit)

    def count_links(self, flow: str) -> int:
        return workset.count(self, flow)

    def settled_under(self, flow: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?",
                           (workset.fingerprint_key(flow),))
        return str(rows[0][0]) if rows else None

    def find_link_by_ref(self, flow: str, endpoint: str, ref: str) -> str | None:
        rows = self._query("SELECT link_id FROM copies WHERE flow = ? AND endpoint = ? "
                           "AND ref = ?", (flow, endpoint, ref))
        return str(rows[0][0]) if rows else None

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        tx = SqlTransaction(self)
        self._depth += 1
        try:
            yield tx
            self._verify_writer()
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            self._depth -= 1
        self.conn.commit()

    # -- cursors, journal, conflicts, runs ----------------------------------------------------

    def get_cursor(self, flow: str, endpoint: str) -> str | None:
        rows = self._query("SELECT cursor FROM cursors WHERE flow = ? AND endpoint = ?",
                           (flow, endpoint))
        return rows[0][0] if rows else None

    def pending_intents(self, flow: str) -> list[Intent]:
        rows = self._query("SELECT key, link_id, endpoint, kind, payload, created_at "
                           "FROM journal WHERE flow = ? AND state = ? ORDER BY created_at, key",
                           (flow, IntentState.PENDING.value))
        return [Intent(key=k, flow=flow, link_id=lid, endpoint=ep, kind=kind,
                       payload=json.loads(payload), created_at=codec.ts_load(created))
                for k, lid, ep, kind, payload, created in rows]

    def conflicts(self, flow: str | None = None, *, open_only: bool = True
                  ) -> list[ConflictRecord]:
        sql = ("SELECT id, flow, link_id, field, vals, created_at, resolved_with, resolved_at "
               "FROM conflicts WHERE 1 = 1")
        params: tuple[Any, ...] = ()
        if flow is not None:
            sql += " AND flow = ?"
            params = (flow,)
        if open_only:
            sql += " AND resolved_with IS NULL"
        rows = self._query(sql + " ORDER BY id", params)
        return [ConflictRecord(id=int(i), flow=f, link_id=lid, field=fld, values=json.loads(v),
                               created_at=codec.ts_load(c), resolved_with=rw,
                               resolved_at=codec.ts_load(ra))
                for i, f, lid, fld, v, c, rw, ra in rows]

    def start_run(self, flow: str, *, undoes: int | None = None) -> int:
        with self._txn():
            return history.start_run(self, flow, _now(), undoes)

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, int],
                   error: str | None = None) -> None:
        with self._txn():
            history.finish_run(self, run_id, _now(), status, counts, error)

    def runs(self, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        return history.runs(self, flow, limit)

    def run(self, run_id: int) -> RunRecord | None:
        return history.run(self, run_id)

    def run_writes(self, run_id: int) -> list[WriteRecord]:
        return history.of_run(self, run_id)

    # -- quarantine, notices, retention (hub.store.records) ------------------------------------

    def quarantined(self, flow: str | None = None) -> list[QuarantineRecord]:
        return records.quarantined(self, flow)

    def health(self, flow: str | None = None) -> list[HealthRecord]:
        return health.health(self, flow)

    def incidents(self) -> list[Incident]:
        return health.incidents(self)

    def notified(self) -> dict[str, dt.datetime]:
        return health.notified(self)

    # -- what adapters discovered (hub.store.discovery) ---------------------------------------

    def discovered(self, key: str) -> tuple[str, dt.datetime] | None:
        return discovery.get(self, key)

    def put_discovered(self, key: str, value: str) -> None:
        # A preview writes nothing; inside a transaction of the round nothing either (its
        # commit or rollback is the round's, and a failed statement there would abort it on
        # PostgreSQL): the value serves this process, the next one asks the service again.
        if self.read_only or self._depth:
            return
        with self._txn():
            discovery.put(self, key, value, _now())

    def drop_discovered(self, prefix: str = "") -> int:
        if self.read_only or self._depth:
            return 0
        with self._txn():
            return discovery.drop(self, prefix)

    def comment_threads(self, flow: str, link_ids: Collection[str]
                        ) -> dict[str, list[CommentThread]]:
        return threads.by_link(self, flow, link_ids)

    def pending_comment_links(self, flow: str) -> set[str]:
        return threads.pending_links(self, flow)

    def add_notice(self, flow: str) -> None:
        with self._txn():
            records.add_notice(self, flow)

    def notice_mark(self, flow: str) -> int:
        return records.notice_mark(self, flow)

    def prune(self, *, runs_before: dt.datetime, journal_before: dt.datetime
              ) -> dict[str, int]:
        with self._txn():
            return records.prune(self, runs_before, journal_before)

    # -- writers (hub.store.locks) ------------------------------------------------------------

    def writer(self, flow: str, holder: str, *, wait: float,
               should_stop: Callable[[], bool] | None = None,
               on_wait: Callable[[str], None] | None = None
               ) -> AbstractContextManager[None]:
        return self._writer(flow, holder, wait, should_stop, on_wait)

    @contextmanager
    def _writer(self, flow: str, holder: str, wait: float,
                should_stop: Callable[[], bool] | None,
                on_wait: Callable[[str], None] | None) -> Iterator[None]:
        deadline = time.monotonic() + wait
        with locks.in_process(self.lock_namespace(), flow, wait=wait, should_stop=should_stop,
                              on_wait=on_wait), \
                self._process_lock(flow, holder, wait=max(0.0, deadline - time.monotonic()),
                                   should_stop=should_stop, on_wait=on_wait):
            yield

    def lock_namespace(self) -> str:
        """What identifies this state among others for the writer locks."""
        return self.url

    def _process_lock(self, flow: str, holder: str, *, wait: float,
                      should_stop: Callable[[], bool] | None,
                      on_wait: Callable[[str], None] | None) -> AbstractContextManager[None]:
        """The engine's cross-process lock (SQLite: flock; PostgreSQL: advisory lock)."""
        raise NotImplementedError

    def writer_holder(self, flow: str) -> str | None:
        raise NotImplementedError

    def _verify_writer(self) -> None:
        """Before a commit: the writer locks this store holds are still held (an engine whose
        locks can be lost under a living holder checks; SQLite's flock cannot be)."""

    # -- leases -------------------------------------------------------------------------------

    def try_lease(self, flow: str, holder: str, ttl_seconds: float) -> bool:
        now = self.clock()
        with self._txn():
            self._exec("INSERT INTO leases (flow, holder, expires_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (flow) DO NOTHING", (flow, holder, now + ttl_seconds))
            rows = self._query("SELECT holder, expires_at FROM leases WHERE flow = ?"
                               + self.dialect.lock_for_lease, (flow,))
            if not rows:
                return False  # another replica holds the row lock right now
            current, expires = rows[0]
            if current != holder and float(expires) > now:
                return False
            self._exec("UPDATE leases SET holder = ?, expires_at = ? WHERE flow = ?",
                       (holder, now + ttl_seconds, flow))
            return True

    def release_lease(self, flow: str, holder: str) -> None:
        with self._txn():
            self._exec("DELETE FROM leases WHERE flow = ? AND holder = ?", (flow, holder))

    def renew_leases(self, flows: Collection[str], holder: str, ttl_seconds: float
                     ) -> set[str]:
        with self._txn():
            return replicas.renew(self, sorted(flows), holder, self.clock(), ttl_seconds)

    def lease_holders(self) -> dict[str, str]:
        return replicas.holders(self, self.clock())

    # -- replicas (hub.store.replicas) --------------------------------------------------------

    def heartbeat(self, holder: str, ttl_seconds: float) -> None:
        with self._txn():
            replicas.heartbeat(self, holder, self.clock(), ttl_seconds)

    def leave(self, holder: str) -> None:
        with self._txn():
            replicas.leave(self, holder)

    def replicas_alive(self) -> list[str]:
        return replicas.alive(self, self.clock())

    def notice_marks(self) -> dict[str, int]:
        return replicas.notice_marks(self)

    def close(self) -> None:
        self.conn.close()
