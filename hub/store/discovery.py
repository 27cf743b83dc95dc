"""What adapters discovered about their services (schema version 8): one row a key, the
value as JSON text and when it was fetched, shared by both engines like
:mod:`hub.store.health`. The rule for how long a value holds is the adapters' own
(:mod:`adapters.context`: a TTL per kind, and a drop when the service refuses an id); the
store only keeps what they hand it. It is a cache: written outside the round's
transactions (inside one, with it), lost without harm."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from hub.store import codec


class _Plumbing(Protocol):
    read_only: bool
    _depth: int

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


def get(s: _Plumbing, key: str) -> tuple[str, dt.datetime] | None:
    rows = s._query("SELECT value, fetched_at FROM discovery WHERE key = ?", (key,))
    if not rows:
        return None
    at = codec.ts_load(rows[0][1])
    return (str(rows[0][0]), at) if at is not None else None


def put(s: _Plumbing, key: str, value: str, at: dt.datetime) -> None:
    s._exec("INSERT INTO discovery (key, value, fetched_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "fetched_at = excluded.fetched_at", (key, value, codec.ts(at)))


def drop(s: _Plumbing, prefix: str) -> int:
    if not prefix:
        cur = s._exec("DELETE FROM discovery")
    else:  # substr, not LIKE: a key may hold % or _
        cur = s._exec("DELETE FROM discovery WHERE substr(key, 1, ?) = ?",
                      (len(prefix), prefix))
    return max(0, int(cur.rowcount or 0))
