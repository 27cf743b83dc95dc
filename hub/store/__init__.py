"""The state store: one interface (:mod:`.base`), SQLite and PostgreSQL engines."""

from __future__ import annotations

from hub.errors import StateError
from hub.store.base import Store


def open_store(url: str) -> Store:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite:///~/state.db``,
    ``sqlite://:memory:``, or ``postgresql://user@host/db[?schema=NAME]``."""
    if url.startswith("sqlite://"):
        from hub.store.sqlite import SqliteStore

        rest = url[len("sqlite://"):]
        if rest in (":memory:", "/:memory:"):
            return SqliteStore(url, ":memory:")
        if not rest.startswith("/"):
            raise StateError(f"bad SQLite URL {url!r}: use sqlite:///path/to/state.db")
        return SqliteStore(url, rest[1:])  # "/rel.db" -> rel.db, "//abs.db" -> /abs.db
    if url.startswith(("postgresql://", "postgres://")):
        from hub.store.postgres import PostgresStore

        return PostgresStore(url)
    raise StateError(f"unsupported state URL {url!r}: use sqlite:///path or postgresql://...")


__all__ = ["Store", "open_store"]
