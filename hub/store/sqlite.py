"""SQLite engine: the embedded default. A file, WAL mode, readable only by its owner (0600).

One rule matters more than any other here: **this process never opens and closes the state
file (or its -wal/-shm) behind SQLite's back while a connection is open.** SQLite's locks are
POSIX locks, which Linux drops for the whole process when *any* descriptor of the file is
closed; another process then believes it is the last user, checkpoints and deletes the WAL
while this one keeps writing into it (commits lost, "database disk image is malformed").
So permissions are set with chmod on paths, and the file is created only when it is absent.
Writer locks are ``flock`` on separate files (:class:`hub.store.locks.FileLocks`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from hub.errors import StateError
from hub.store import locks
from hub.store.sql import Dialect, SqlStore

SQLITE = Dialect(name="sqlite", placeholder="?", serial="INTEGER PRIMARY KEY AUTOINCREMENT",
                 lock_for_lease="",
                 table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                 # BEGIN IMMEDIATE takes SQLite's write lock at once: a second process's
                 # migration waits (busy timeout) and then sees the new version.
                 lock_for_migration="BEGIN IMMEDIATE",
                 read_snapshot="BEGIN")  # deferred: a read transaction, one WAL snapshot


def _private_file(path: Path) -> None:
    """Create ``path`` readable by the owner only, and make its WAL companions private too.

    Only a file that does not exist yet is opened (O_EXCL), so no SQLite lock of this process
    on an existing state file can be dropped by it (module docstring)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process created it first
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
        _chmod_private(path)
    except OSError as exc:
        raise StateError(f"cannot create the state file {path}: {exc.strerror}. Choose a "
                         "writable location with state.url: sqlite:///path/to/state.db"
                         ) from exc


def _chmod_private(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            if p.stat().st_mode & 0o077:
                p.chmod(0o600)


class SqliteStore(SqlStore):
    dialect = SQLITE

    def __init__(self, url: str, path: str) -> None:
        self.path: Path | None = None
        self._files: locks.FileLocks | None = None
        if path == ":memory:":
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            self.path = Path(path).expanduser().resolve()
            _private_file(self.path)
            if not os.access(self.path, os.W_OK):
                raise StateError(f"the state file {self.path} is not writable")
            self._files = locks.FileLocks(self.path)
            old = os.umask(0o077)  # the -wal/-shm files SQLite creates stay private too
            try:
                conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as exc:
                raise StateError(f"cannot open the state file {self.path}: {exc}") from exc
            finally:
                os.umask(old)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        super().__init__(url, conn)

    @classmethod
    def over(cls, url: str, conn: sqlite3.Connection) -> SqliteStore:
        """A store on a connection of its own, a private in-memory copy (a preview's:
        :mod:`hub.store.preview`): no file, no file locks."""
        store = cls.__new__(cls)
        store.path = None
        store._files = None
        conn.execute("PRAGMA foreign_keys=ON")
        SqlStore.__init__(store, url, conn)
        return store

    def migrate(self) -> None:
        old = os.umask(0o077)
        try:
            super().migrate()
        finally:
            os.umask(old)
        if self.path is not None:
            with contextlib.suppress(OSError):
                _chmod_private(self.path)  # never open(): see the module docstring

    def lock_namespace(self) -> str:
        return str(self.path) if self.path is not None else f"memory:{id(self)}"

    def _process_lock(self, flow: str, holder: str, *, wait: float,
                      should_stop: Callable[[], bool] | None,
                      on_wait: Callable[[str], None] | None) -> AbstractContextManager[None]:
        if self._files is None:  # :memory: is private to this connection: threads only
            return contextlib.nullcontext()
        return self._files.hold(flow, holder, wait=wait, should_stop=should_stop,
                                on_wait=on_wait)

    def writer_holder(self, flow: str) -> str | None:
        return self._files.holder(flow) if self._files is not None else None
