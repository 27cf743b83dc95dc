"""One writer per flow (P13), across threads, processes and hosts.

Two writers of one flow at once duplicate items: each lists the same new item, each creates
its copies, each commits its own link. So every command that writes (``sync``, ``conflicts
resolve``, a daemon round) holds the flow's *writer lock* for as long as it writes; readers
(``status``, ``explain``, ``plan``) take none and are never in the way.

The lock must die with its holder, whatever the death (kill -9, OOM, a lost host), or a
crashed ``synchub sync`` would stop a flow until someone cleaned up. So it is never a row with
a flag in it, but a lock the operating system or the database server releases by itself:

- **SQLite**: ``flock`` on a small file per flow beside the state file. ``flock`` belongs to the
  open file description, so (unlike SQLite's own POSIX locks) no other open or close of a file
  in this process can drop it, and the kernel drops it when the process dies.
- **PostgreSQL**: a session-level advisory lock, held on a connection of its own; the server
  drops it when that session ends (the process died, or TCP keepalives found the host gone).
- In one process, a plain per-flow lock first, because both of the above are re-entrant for
  their owner (an advisory lock stacks within one session) and two threads must still exclude
  each other.

A holder writes a one-line description of itself where waiting processes can read it, so a
second writer says *for whom* it waits ("synchub sync, pid 4242 on build-7, since 10:02:11").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hub.errors import Busy, StateError

POLL_SECONDS = 0.1  # how often a waiting writer tries again

_local_guard = threading.Lock()
_local_locks: dict[tuple[str, str], threading.Lock] = {}


def describe(command: str) -> str:
    """This process, as another one waiting for it should read it."""
    since = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"{command}, pid {os.getpid()} on {socket.gethostname()}, since {since}"


def _local(store_key: str, flow: str) -> threading.Lock:
    with _local_guard:
        return _local_locks.setdefault((store_key, flow), threading.Lock())


def wait_for(try_once: Callable[[], bool], who: Callable[[], str | None], flow: str, *,
             wait: float, should_stop: Callable[[], bool] | None,
             on_wait: Callable[[str], None] | None,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> None:
    """Call ``try_once`` until it succeeds; raise :class:`Busy` after ``wait`` seconds (or at
    once when ``should_stop`` says so). ``on_wait`` hears who holds it, once."""
    start = clock()
    told = False
    while not try_once():
        holder = who()
        if holder is None and try_once():
            return  # nobody holds it: a reader's probe was in the way for an instant
        holder = holder or "another synchub process"
        waited = clock() - start
        if waited >= wait or (should_stop is not None and should_stop()):
            raise Busy(flow, holder, waited)
        if not told and on_wait is not None:
            on_wait(holder)
            told = True
        sleep(min(POLL_SECONDS, max(wait - waited, 0.0)))


@contextlib.contextmanager
def in_process(store_key: str, flow: str, *, wait: float,
               should_stop: Callable[[], bool] | None,
               on_wait: Callable[[str], None] | None) -> Iterator[None]:
    """The per-process part of the writer lock (threads of one daemon, tests)."""
    lock = _local(store_key, flow)
    wait_for(lambda: lock.acquire(blocking=False), lambda: "another thread of this process",
             flow, wait=wait, should_stop=should_stop, on_wait=on_wait)
    try:
        yield
    finally:
        lock.release()


def _safe_name(flow: str) -> str:
    """A file name for ``flow`` that cannot escape the lock directory or collide."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", flow)[:40]
    return f"{stem}-{hashlib.sha256(flow.encode()).hexdigest()[:12]}.lock"


class FileLocks:
    """``flock`` per flow, in ``<state file>.locks/``, each file holding its holder's line."""

    def __init__(self, db_path: Path) -> None:
        self.dir = Path(f"{db_path}.locks")

    def _path(self, flow: str) -> Path:
        return self.dir / _safe_name(flow)

    @contextlib.contextmanager
    def hold(self, flow: str, holder: str, *, wait: float,
             should_stop: Callable[[], bool] | None,
             on_wait: Callable[[str], None] | None) -> Iterator[None]:
        import fcntl

        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self._path(flow), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError(f"cannot create the lock file for flow {flow!r} in {self.dir}: "
                             f"{exc.strerror}") from exc

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        try:
            wait_for(try_once, lambda: self.holder(flow), flow, wait=wait,
                     should_stop=should_stop, on_wait=on_wait)
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)  # nobody holds it now (the file itself stays: no race)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self, flow: str) -> str | None:
        """The holder's line, if the lock is held now (probed without taking it for long)."""
        import fcntl

        path = self._path(flow)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = os.pread(fd, 4096, 0).decode(errors="replace").strip()
                return text or "another synchub process"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


def advisory_key(namespace: str, flow: str) -> tuple[int, int]:
    """Two signed 32-bit ints for ``pg_advisory_lock(int, int)``: one for synchub's writer
    locks in this schema, one for the flow."""
    digest = hashlib.sha256(f"{namespace}\0{flow}".encode()).digest()
    return (int.from_bytes(digest[:4], "big", signed=True),
            int.from_bytes(digest[4:8], "big", signed=True))


class AdvisoryLocks:
    """Session advisory locks on a connection used for nothing else (autocommit), so that a
    rollback of the store's own transactions never touches them. The holder's line goes in
    the ``writers`` table through the same connection.

    The lock lives as long as that session, which can end under a living holder (a server
    restart, ``idle_session_timeout``, a proxy's idle cut, ``pg_terminate_backend``). So while
    a lock is held the session is never silently replaced, and :meth:`verify` (called by the
    store before every commit) checks the locks are still this session's: a holder that lost
    its lock stops writing instead of writing beside the next one (P13)."""

    def __init__(self, connect: Callable[[], Any], namespace: str) -> None:
        self._connect = connect
        self._conn: Any = None
        self._guard = threading.Lock()
        #: held across verify's look at ``_held`` and its query, and across an unlock and
        #: its removal from ``_held``: rounds of several flows share this session, and a
        #: lock released between the two would read as lost (seen with 8 rounds at once)
        self._book = threading.Lock()
        self.namespace = namespace
        self._held: dict[tuple[int, int], str] = {}  # key -> flow, while held

    def _run(self, sql: str, params: tuple[Any, ...]) -> Any:
        import psycopg

        with self._guard:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    if self._held:
                        raise self._lost()
                    self._conn = self._connect()
                try:
                    return self._conn.execute(sql, params).fetchone()
                except psycopg.OperationalError as exc:
                    # The session is gone (server restart, network), and its locks with it.
                    with contextlib.suppress(Exception):
                        self._conn.close()
                    self._conn = None
                    if self._held:
                        raise self._lost() from exc
                    if attempt == 2:  # holding nothing: a fresh session may start, once
                        raise StateError(f"lost the connection to the PostgreSQL state store "
                                         f"({str(exc).splitlines()[0] if str(exc) else exc!r})"
                                         ) from exc
            raise AssertionError("unreachable")

    def _lost(self) -> StateError:
        flows = ", ".join(sorted(self._held.values()))
        return StateError(f"lost the writer lock of flow {flows} (its PostgreSQL session "
                          "ended); stopped writing so that no other writer is written beside. "
                          "What was committed is safe; the next round goes on from there.")

    @contextlib.contextmanager
    def hold(self, flow: str, holder: str, *, wait: float,
             should_stop: Callable[[], bool] | None,
             on_wait: Callable[[str], None] | None) -> Iterator[None]:
        key = advisory_key(self.namespace, flow)

        def try_once() -> bool:
            got = bool(self._run("SELECT pg_try_advisory_lock(%s, %s)", key)[0])
            if got:
                self._held[key] = flow
            return got

        wait_for(try_once, lambda: self.holder(flow), flow, wait=wait,
                 should_stop=should_stop, on_wait=on_wait)
        try:
            self._run("INSERT INTO writers (flow, holder, since) VALUES (%s, %s, %s) "
                      "ON CONFLICT (flow) DO UPDATE SET holder = excluded.holder, "
                      "since = excluded.since RETURNING flow",
                      (flow, holder, dt.datetime.now(dt.UTC).isoformat()))
            yield
        finally:
            with self._book:
                with contextlib.suppress(Exception):  # a dead session has dropped it already
                    self._run("SELECT pg_advisory_unlock(%s, %s)", key)
                self._held.pop(key, None)
            if not self._held and self._conn is not None and self._conn.closed:
                self._conn = None  # holding nothing now: the next lock may start afresh

    def verify(self) -> None:
        """Raise :class:`StateError` unless every lock held is still this session's."""
        with self._book:
            self._verify()

    def _verify(self) -> None:
        if not self._held:
            return
        keys = list(self._held)
        row = self._run(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND objsubid = 2 AND (classid, objid) IN ("
            + ", ".join("(%s::bigint::oid, %s::bigint::oid)" for _ in keys) + ")",
            tuple(v & 0xFFFFFFFF for k in keys for v in k))
        if not row or int(row[0]) != len(keys):
            raise self._lost()

    def holder(self, flow: str) -> str | None:
        key = advisory_key(self.namespace, flow)
        row = self._run(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 2",
            (key[0] & 0xFFFFFFFF, key[1] & 0xFFFFFFFF))
        if not row or not row[0]:
            return None
        line = self._run("SELECT holder FROM writers WHERE flow = %s", (flow,))
        return str(line[0]) if line else "another synchub process"

    def close(self) -> None:
        with self._guard:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
