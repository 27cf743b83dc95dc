"""Replicas of ``synchub run`` sharing one state, and the leases they hold (schema 9).

Each replica writes a heartbeat row (``replicas``: who, until when); one alive is one whose
row has not expired. With the leases' table, that is all a replica needs to take its fair
share of the flows and no more (:mod:`hub.daemon.balance`). Both tables use the wall clock
(``expires_at`` in seconds since the epoch): replicas on several hosts compare times, so
their clocks must agree to well within ``daemon.lease_seconds`` (NTP does). Shared by both
engines like :mod:`hub.store.records`; on SQLite there is one process, and these rows only
tell it what it already knows.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol


class _Plumbing(Protocol):
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


def heartbeat(s: _Plumbing, holder: str, now: float, ttl: float) -> None:
    s._exec("INSERT INTO replicas (holder, started_at, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (holder) DO UPDATE SET expires_at = excluded.expires_at",
            (holder, now, now + ttl))
    # The dead are forgotten after a while (a lease long expired is taken over anyway);
    # their rows would otherwise pile up, one a restart.
    s._exec("DELETE FROM replicas WHERE expires_at < ?", (now - 3600,))


def leave(s: _Plumbing, holder: str) -> None:
    s._exec("DELETE FROM replicas WHERE holder = ?", (holder,))


def alive(s: _Plumbing, now: float) -> list[str]:
    return [str(r[0]) for r in s._query(
        "SELECT holder FROM replicas WHERE expires_at > ? ORDER BY started_at, holder", (now,))]


def holders(s: _Plumbing, now: float) -> dict[str, str]:
    """flow -> the replica whose lease on it has not expired."""
    return {str(f): str(h) for f, h in s._query(
        "SELECT flow, holder FROM leases WHERE expires_at > ?", (now,))}


def renew(s: _Plumbing, flows: Collection[str], holder: str, now: float, ttl: float
          ) -> set[str]:
    """Extend ``holder``'s unexpired leases on ``flows`` in one statement; the flows whose
    lease it still held (one that expired may have been taken over meanwhile: not renewed)."""
    if not flows:
        return set()
    marks = ", ".join("?" for _ in flows)
    s._exec(f"UPDATE leases SET expires_at = ? WHERE holder = ? AND expires_at > ? "
            f"AND flow IN ({marks})", (now + ttl, holder, now, *flows))
    return {str(r[0]) for r in s._query(
        f"SELECT flow FROM leases WHERE holder = ? AND expires_at > ? AND flow IN ({marks})",
        (holder, now, *flows))}


def notice_marks(s: _Plumbing) -> dict[str, int]:
    """Every flow's notice mark in one query (a replica with 300 flows polls them each
    second: one statement, not 300)."""
    return {str(f): int(n) for f, n in s._query("SELECT flow, seq FROM notices")}
