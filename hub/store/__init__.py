"""The state store: one interface (:mod:`.base`), SQLite and PostgreSQL engines."""

from __future__ import annotations

import os
from pathlib import Path

from hub.errors import StateError
from hub.store.base import Store

SCHEMES = ("sqlite://", "postgresql://", "postgres://")


def resolve_url(url: str, base_dir: Path) -> str:
    """A relative SQLite path means "next to the config file", not "wherever I ran from"."""
    if url.startswith("sqlite:///") and not url.startswith(("sqlite:////", "sqlite:///~")) \
            and ":memory:" not in url:
        return f"sqlite:///{(base_dir / url[len('sqlite:///'):]).resolve()}"
    return url


def _for_humans(url: str) -> str:
    head, sep, rest = url.partition("://")
    return f"{head}{sep}{rest.rsplit('@', 1)[-1]}" if sep else url  # no password shown


def url_problem(url: str) -> str | None:
    """What makes ``url`` unusable, found without opening it (``synchub check`` says so
    instead of the first ``sync`` failing): an unknown scheme, an SQLite file or folder that
    cannot be written, a PostgreSQL URL without the ``postgres`` extra installed. A PostgreSQL
    server is only reached by ``check --probe``."""
    if not url.startswith(SCHEMES):
        return (f"unsupported state URL {_for_humans(url)!r}: use sqlite:///path/to/state.db "
                "or postgresql://user@host/db")
    if not url.startswith("sqlite://"):
        from hub.store.postgres import MISSING_DRIVER, driver_missing

        return MISSING_DRIVER if driver_missing() else None
    rest = url[len("sqlite://"):]
    if rest in (":memory:", "/:memory:"):
        return None
    if not rest.startswith("/"):
        return f"bad SQLite URL {url!r}: use sqlite:///path/to/state.db"
    path = Path(rest[1:]).expanduser()
    if path.exists():
        if not path.is_file():
            return f"the state path {path} is not a file"
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            return (f"the state file {path} (or its folder, where SQLite keeps its journal) "
                    "is not writable")
        return None
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return f"the state file {path} cannot be created: {folder} is not a writable folder"
    return None


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


__all__ = ["Store", "open_store", "resolve_url", "url_problem"]
