"""The store's side records, shared by both engines: quarantined items (P14), change notices
handed between replicas, and the pruning of old runs and settled intents.

Kept apart from :mod:`hub.store.sql` (links, cursors, journal, leases) so each module has one
job; both take the store's ``_exec``/``_query``/``_txn`` plumbing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from hub.store import codec, history
from hub.store.base import IntentState, QuarantineKind, QuarantineRecord


class _Plumbing(Protocol):
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def put_quarantine(s: _Plumbing, q: QuarantineRecord) -> None:
    now = _now()
    s._exec(
        "INSERT INTO quarantine (flow, endpoint, ref, kind, link_id, title, reason, "
        "fingerprint, attempts, first_seen, last_seen, next_try) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (flow, endpoint, ref, kind) DO UPDATE SET link_id = excluded.link_id, "
        "title = excluded.title, reason = excluded.reason, fingerprint = excluded.fingerprint, "
        "attempts = excluded.attempts, first_seen = excluded.first_seen, "
        "last_seen = excluded.last_seen, next_try = excluded.next_try",
        (q.flow, q.endpoint, q.ref, q.kind.value, q.link_id, q.title, q.reason, q.fingerprint,
         q.attempts, codec.ts(q.first_seen or now), codec.ts(q.last_seen or now),
         codec.ts(q.next_try or now)))


def clear_quarantine(s: _Plumbing, flow: str, endpoint: str, ref: str,
                     kind: QuarantineKind | None) -> None:
    sql = "DELETE FROM quarantine WHERE flow = ? AND endpoint = ? AND ref = ?"
    params: tuple[Any, ...] = (flow, endpoint, ref)
    if kind is not None:
        sql += " AND kind = ?"
        params = (*params, kind.value)
    s._exec(sql, params)


def quarantined(s: _Plumbing, flow: str | None) -> list[QuarantineRecord]:
    sql, params = codec.of_flow("SELECT flow, endpoint, ref, kind, link_id, title, reason, "
                                "fingerprint, attempts, first_seen, last_seen, next_try "
                                "FROM quarantine", flow)
    rows = s._query(sql + " ORDER BY flow, endpoint, first_seen, ref", params)
    return [QuarantineRecord(flow=f, endpoint=ep, ref=ref, kind=QuarantineKind(kind),
                             link_id=lid, title=title, reason=reason, fingerprint=fp,
                             attempts=int(n), first_seen=codec.ts_load(first),
                             last_seen=codec.ts_load(last), next_try=codec.ts_load(nxt))
            for f, ep, ref, kind, lid, title, reason, fp, n, first, last, nxt in rows]


def add_notice(s: _Plumbing, flow: str) -> None:
    s._exec("INSERT INTO notices (flow, seq) VALUES (?, 1) ON CONFLICT (flow) DO UPDATE "
            "SET seq = notices.seq + 1", (flow,))


def notice_mark(s: _Plumbing, flow: str) -> int:
    rows = s._query("SELECT seq FROM notices WHERE flow = ?", (flow,))
    return int(rows[0][0]) if rows else 0


def prune(s: _Plumbing, runs_before: dt.datetime, journal_before: dt.datetime
          ) -> dict[str, int]:
    """Finished runs before ``runs_before`` (the newest run of each flow stays, so ``status``
    always has a last result) with their write records, and settled intents before
    ``journal_before``."""
    runs = s._exec(
        "DELETE FROM runs WHERE finished_at IS NOT NULL AND started_at < ? "
        "AND id NOT IN (SELECT max(id) FROM runs GROUP BY flow)",
        (codec.ts(runs_before),)).rowcount
    journal = s._exec(
        "DELETE FROM journal WHERE state <> ? AND created_at < ?",
        (IntentState.PENDING.value, codec.ts(journal_before))).rowcount
    return {"runs": max(int(runs), 0), "journal": max(int(journal), 0),
            "writes": history.prune(s)}
