"""The store's records of what people see and are told: endpoint health and notification
incidents (schema version 6), shared by both engines like :mod:`hub.store.records`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Protocol

from hub.store import codec
from hub.store.base import HealthRecord, Incident


class _Plumbing(Protocol):
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


def put_health(s: _Plumbing, h: HealthRecord) -> None:
    s._exec(
        "INSERT INTO health (flow, endpoint, ok, error, since, last_failure, last_success, "
        "failures, next_try) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (flow, endpoint) DO UPDATE SET ok = excluded.ok, error = excluded.error, "
        "since = excluded.since, last_failure = excluded.last_failure, "
        "last_success = excluded.last_success, failures = excluded.failures, "
        "next_try = excluded.next_try",
        (h.flow, h.endpoint, int(h.ok), h.error, codec.ts(h.since), codec.ts(h.last_failure),
         codec.ts(h.last_success), h.failures, codec.ts(h.next_try)))


def health(s: _Plumbing, flow: str | None) -> list[HealthRecord]:
    sql, params = codec.of_flow("SELECT flow, endpoint, ok, error, since, last_failure, "
                                "last_success, failures, next_try FROM health", flow)
    rows = s._query(sql + " ORDER BY flow, endpoint", params)
    return [HealthRecord(flow=f, endpoint=ep, ok=bool(ok), error=err,
                         since=codec.ts_load(since), last_failure=codec.ts_load(lf),
                         last_success=codec.ts_load(ls), failures=int(n),
                         next_try=codec.ts_load(nxt))
            for f, ep, ok, err, since, lf, ls, n, nxt in rows]


def put_incident(s: _Plumbing, i: Incident) -> None:
    s._exec(
        "INSERT INTO incidents (key, flow, kind, subject, text, opened_at, recovered_at, "
        "announced, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
        "text = excluded.text, opened_at = excluded.opened_at, "
        "recovered_at = excluded.recovered_at, announced = excluded.announced, "
        "closed = excluded.closed",
        (i.key, i.flow, i.kind, i.subject, i.text, codec.ts(i.opened_at), codec.ts(i.recovered_at),
         json.dumps(sorted(i.announced)), json.dumps(sorted(i.closed))))


def drop_incident(s: _Plumbing, key: str) -> None:
    s._exec("DELETE FROM incidents WHERE key = ?", (key,))


def incidents(s: _Plumbing) -> list[Incident]:
    rows = s._query("SELECT key, flow, kind, subject, text, opened_at, recovered_at, "
                    "announced, closed FROM incidents ORDER BY opened_at, key")
    return [Incident(key=k, flow=f, kind=kind, subject=subj, text=text,
                     opened_at=codec.ts_load(opened) or dt.datetime.now(dt.UTC),
                     recovered_at=codec.ts_load(rec),
                     announced=frozenset(json.loads(ann)), closed=frozenset(json.loads(cl)))
            for k, f, kind, subj, text, opened, rec, ann, cl in rows]


def set_notified(s: _Plumbing, target: str, at: dt.datetime) -> None:
    s._exec("INSERT INTO notified (target, at) VALUES (?, ?) ON CONFLICT (target) "
            "DO UPDATE SET at = excluded.at", (target, codec.ts(at)))


def notified(s: _Plumbing) -> dict[str, dt.datetime]:
    out = {}
    for target, at in s._query("SELECT target, at FROM notified"):
        when = codec.ts_load(at)
        if when is not None:
            out[str(target)] = when
    return out
