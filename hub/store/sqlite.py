"""SQLite engine: the embedded default. A file, WAL mode, readable only by its owner (0600)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from hub.errors import StateError
from hub.store.sql import Dialect, SqlStore

SQLITE = Dialect(name="sqlite", placeholder="?", serial="INTEGER PRIMARY KEY AUTOINCREMENT",
                 lock_for_lease="")


def _private_file(path: Path) -> None:
    """Create ``path`` (and its WAL companions, if any) readable by the owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if p.exists() and p.stat().st_mode & 0o077:
                p.chmod(0o600)
    except OSError as exc:
        raise StateError(f"cannot create the state file {path}: {exc.strerror}. Choose a "
                         "writable location with state.url: sqlite:///path/to/state.db"
                         ) from exc


class SqliteStore(SqlStore):
    dialect = SQLITE

    def __init__(self, url: str, path: str) -> None:
        self.path: Path | None = None
        if path == ":memory:":
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            self.path = Path(path).expanduser()
            _private_file(self.path)
            if not os.access(self.path, os.W_OK):
                raise StateError(f"the state file {self.path} is not writable")
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

    def migrate(self) -> None:
        old = os.umask(0o077)
        try:
            super().migrate()
        finally:
            os.umask(old)
        if self.path is not None:
            with contextlib.suppress(OSError):
                _private_file(self.path)
