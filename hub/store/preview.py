"""The state store as a preview reads it (``synchub plan``, ``sync --dry-run``): strictly
read-only. A preview must not create a state file, bind a config to it, upgrade its schema
or leave anything behind, so that "look first" is free (issue 16: a plan used to create and
bind a state file, and then a scope edit made the next command exit 3).

- **SQLite**: the state file is copied into memory with SQLite's backup API and the round runs
  on the copy; the file is opened read-only (``mode=ro`` while a writer holds it open, its WAL
  beside it; ``immutable=1`` otherwise, which creates no ``-wal``/``-shm`` files, as
  ``mode=ro`` would). No file yet: an empty store in memory (the plan of a first sync).
  A schema older than this synchub's is upgraded in the copy only.
- **PostgreSQL**: the session is ``READ ONLY``, so the server itself refuses any write; an
  older schema is refused with advice (upgrading it is a write), no synchub tables yet is an
  empty store in memory, and the config is checked against the store, never bound to it.

Opening and closing the file read-only is safe beside the daemon (another process); within
one process it must not run while that process holds the file open for writing (SQLite's
POSIX locks: see :mod:`hub.store.sqlite`), which no command does.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from urllib.parse import quote

from hub.errors import StateError
from hub.store.base import Store


def open_preview(url: str) -> Store:
    """A read-only view of the state at ``url`` (see the module docstring), migrated and
    ready for a dry round."""
    if url.startswith("sqlite://"):
        return _sqlite(url)
    from hub.store import open_store

    if url.startswith(("postgresql://", "postgres://")):
        from hub.store.postgres import PostgresStore

        store = PostgresStore(url, read_only=True)
        if store.schema_version() == 0:  # never used: nothing to read
            store.close()
            return _empty(url)
        store.migrate()  # refuses an older schema: see PostgresStore
        return store
    return open_store(url)  # the unsupported scheme's error, as everywhere


def _empty(url: str) -> Store:
    from hub.store.sqlite import SqliteStore

    store = SqliteStore(url, ":memory:")
    store.migrate()
    return store


def _sqlite(url: str) -> Store:
    from hub.store.sqlite import SqliteStore

    rest = url[len("sqlite://"):]
    if rest in (":memory:", "/:memory:") or not rest.startswith("/"):
        from hub.store import open_store

        return open_store(url)  # a private database, or the bad URL's error
    path = Path(rest[1:]).expanduser().resolve()
    if not path.exists():
        return _empty(url)
    if not path.is_file():
        raise StateError(f"the state path {path} is not a file")
    held = Path(f"{path}-wal").exists()  # a writer has it open (or left its WAL)
    source_uri = f"file:{quote(str(path))}?{'mode=ro' if held else 'immutable=1'}"
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        source = sqlite3.connect(source_uri, uri=True, timeout=30)
        try:
            source.backup(memory)
        finally:
            source.close()
    except sqlite3.Error as exc:
        with contextlib.suppress(sqlite3.Error):
            memory.close()
        raise StateError(f"cannot read the state file {path} for a preview: {exc}") from exc
    store = SqliteStore.over(url, memory)
    store.migrate()  # in the copy only
    return store


__all__ = ["open_preview"]
