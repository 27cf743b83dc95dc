"""PostgreSQL engine: for teams and for several ``synchub run`` replicas sharing one state.

Replicas lease flows through a row lock (``FOR UPDATE SKIP LOCKED``) plus an expiry time, so
work spreads and a dead replica's flows move on once its lease expires. ``?schema=NAME`` in
the URL keeps synchub's tables in their own schema (created if missing).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hub.errors import ConfigError, ConfigProblem, StateError
from hub.store import locks
from hub.store.sql import Dialect, SqlStore

#: one advisory lock key for synchub's migrations, whatever the schema (schema creation races
#: too: CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent one)
MIGRATION_LOCK = 0x53594E43  # "SYNC"

POSTGRES = Dialect(name="postgresql", placeholder="%s", serial="BIGSERIAL PRIMARY KEY",
                   lock_for_lease=" FOR UPDATE SKIP LOCKED",
                   table_exists="SELECT 1 WHERE to_regclass(%s) IS NOT NULL",
                   lock_for_migration=f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})",
                   read_snapshot="SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                   add_column="ADD COLUMN IF NOT EXISTS",
                   copy_parent="(COALESCE(snapshot, base, (SELECT l.base FROM links l "
                               "WHERE l.flow = copies.flow AND l.link_id = copies.link_id))"
                               "::json ->> 'parent')")

#: the writer-lock connection notices a dead server within about idle + interval * count
#: seconds (libpq's options), and the server a dead us (its own tcp_keepalives_* settings,
#: which default to the OS's two hours, and tcp_user_timeout for unacknowledged data), so a
#: lost host's writer lock does not outlive it by much
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
             "keepalives_count": 3,
             "options": "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 "
                        "-c tcp_keepalives_count=3 -c tcp_user_timeout=30000"}


def split_schema(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


#: psycopg comes with the ``postgres`` extra: SQLite users need not install it
INSTALL_DRIVER = "pip install 'synchub[postgres]'"
MISSING_DRIVER = (f"a postgresql:// state URL needs the psycopg driver, which is not installed: "
                  f"{INSTALL_DRIVER}")


def driver_missing() -> bool:
    """Whether psycopg is not installed, found without importing it."""
    try:
        return importlib.util.find_spec("psycopg") is None
    except (ImportError, ValueError):
        return True


def _import_driver() -> Any:
    try:
        import psycopg
    except ModuleNotFoundError as exc:
        if exc.name != "psycopg":
            raise
        raise ConfigError(ConfigProblem(MISSING_DRIVER, path="state.url")) from exc
    except ImportError as exc:  # installed, but found no libpq it can use
        raise ConfigError(ConfigProblem(
            f"a postgresql:// state URL needs the psycopg driver, which cannot be imported "
            f"({exc}): {INSTALL_DRIVER}", path="state.url")) from exc
    return psycopg


def _connect(conninfo: str, **extra: Any) -> Any:
    psycopg = _import_driver()

    try:
        return psycopg.connect(conninfo, connect_timeout=10, **extra)
    except psycopg.Error as exc:
        raise StateError(f"cannot connect to the PostgreSQL state store: "
                         f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                         ) from exc


def _lock_connection(conninfo: str, schema: str | None) -> Any:
    conn = _connect(conninfo, autocommit=True, **KEEPALIVE)
    if schema is not None:
        conn.execute(f'SET search_path TO "{schema}"')
    return conn


class PostgresStore(SqlStore):
    dialect = POSTGRES

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        """``read_only``: a preview's session (:mod:`hub.store.preview`): the server refuses
        every write, the schema is neither created nor upgraded, the config only checked."""
        conninfo, schema = split_schema(url)
        if schema is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise StateError(f"invalid schema name {schema!r} in the state URL")
        self.schema = schema
        self._conninfo = conninfo
        conn = self._connect()
        if read_only:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            conn.commit()
        elif schema is not None:
            conn.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.commit()
        if schema is not None:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.commit()
        super().__init__(url, conn)
        self.read_only = read_only
        # The lock connection's factory must not refer to self: a store dropped without
        # close() is then freed (and its session ended) at once, not at the next GC cycle.
        self._locks = locks.AdvisoryLocks(functools.partial(_lock_connection, conninfo, schema),
                                          f"synchub:{schema or ''}")

    def _connect(self) -> Any:
        return _connect(self._conninfo)

    def _process_lock(self, flow: str, holder: str, *, wait: float,
                      should_stop: Callable[[], bool] | None,
                      on_wait: Callable[[str], None] | None) -> AbstractContextManager[None]:
        return self._locks.hold(flow, holder, wait=wait, should_stop=should_stop,
                                on_wait=on_wait)

    def writer_holder(self, flow: str) -> str | None:
        return self._locks.holder(flow)

    def _verify_writer(self) -> None:
        self._locks.verify()

    def lock_namespace(self) -> str:
        return self._locks.namespace

    def close(self) -> None:
        self._locks.close()
        super().close()
