"""PostgreSQL engine: for teams and for several ``synchub run`` replicas sharing one state.

Replicas lease flows through a row lock (``FOR UPDATE SKIP LOCKED``) plus an expiry time, so
work spreads and a dead replica's flows move on once its lease expires. ``?schema=NAME`` in
the URL keeps synchub's tables in their own schema (created if missing).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hub.errors import StateError
from hub.store.sql import Dialect, SqlStore

POSTGRES = Dialect(name="postgresql", placeholder="%s", serial="BIGSERIAL PRIMARY KEY",
                   lock_for_lease=" FOR UPDATE SKIP LOCKED")


def split_schema(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


class PostgresStore(SqlStore):
    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        import psycopg

        conninfo, schema = split_schema(url)
        if schema is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise StateError(f"invalid schema name {schema!r} in the state URL")
        try:
            conn = psycopg.connect(conninfo, connect_timeout=10)
        except psycopg.Error as exc:
            raise StateError(f"cannot connect to the PostgreSQL state store: "
                             f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                             ) from exc
        if schema is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.execute(f'SET search_path TO "{schema}"')
            conn.commit()
        super().__init__(url, conn)
