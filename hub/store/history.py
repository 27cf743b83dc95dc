"""Runs and their writes in the SQL store (:class:`hub.store.base.RunRecord`,
:class:`hub.store.base.WriteRecord`), shared by both engines.

A record is added in the transaction that journals its intent and settled in the one that
finishes it (:func:`settle`, called by ``finish_intent``), so the history says what became of
every write as surely as the journal does. Records live as long as their run: retention
prunes them with it (:func:`prune`), not with the journal, whose settled intents go sooner.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, Protocol

from hub.store import codec
from hub.store.base import IntentState, RunRecord, WriteRecord

_COLUMNS = ("run_id, key, flow, link_id, endpoint, kind, ref, title, old_values, "
            "new_values, state, at")


class _Plumbing(Protocol):
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


_RUN_COLUMNS = "id, flow, started_at, finished_at, status, counts, error, undoes"


def start_run(s: _Plumbing, flow: str, now: dt.datetime, undoes: int | None) -> int:
    cur = s._exec("INSERT INTO runs (flow, started_at, status, counts, undoes) "
                  "VALUES (?, ?, 'running', '{}', ?) RETURNING id", (flow, codec.ts(now), undoes))
    return int(cur.fetchone()[0])


def finish_run(s: _Plumbing, run_id: int, now: dt.datetime, status: str,
               counts: Mapping[str, int], error: str | None) -> None:
    s._exec("UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE id = ?",
            (codec.ts(now), status, json.dumps(dict(counts)), error, run_id))


def runs(s: _Plumbing, flow: str | None, limit: int) -> list[RunRecord]:
    sql, params = codec.of_flow(f"SELECT {_RUN_COLUMNS} FROM runs", flow)
    return [_run(row) for row in s._query(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))]


def run(s: _Plumbing, run_id: int) -> RunRecord | None:
    rows = s._query(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
    return _run(rows[0]) if rows else None


def _run(row: tuple[Any, ...]) -> RunRecord:
    i, f, started, fin, st, c, e, undoes = row
    return RunRecord(id=int(i), flow=f, started_at=codec.ts_load(started)
                     or dt.datetime.now(dt.UTC), finished_at=codec.ts_load(fin), status=st,
                     counts=json.loads(c), error=e,
                     undoes=int(undoes) if undoes is not None else None)


def add(s: _Plumbing, r: WriteRecord) -> None:
    s._exec(f"INSERT INTO run_writes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (run_id, key) DO NOTHING",
            (r.run_id, r.key, r.flow, r.link_id, r.endpoint, r.kind, r.ref, r.title,
             json.dumps(dict(r.before), sort_keys=True), json.dumps(dict(r.after),
                                                                    sort_keys=True),
             r.state.value, codec.ts(r.at or dt.datetime.now(dt.UTC))))


def settle(s: _Plumbing, key: str, state: IntentState, ref: str | None) -> None:
    """The pending record(s) of intent ``key`` take its outcome (one run journals a key once;
    a key planned again in a later run has its own record there)."""
    s._exec("UPDATE run_writes SET state = ?, ref = COALESCE(?, ref) "
            "WHERE key = ? AND state = ?", (state.value, ref, key, IntentState.PENDING.value))


def of_run(s: _Plumbing, run_id: int) -> list[WriteRecord]:
    rows = s._query(f"SELECT {_COLUMNS} FROM run_writes WHERE run_id = ? ORDER BY at, key",
                    (run_id,))
    return [WriteRecord(run_id=int(rid), key=key, flow=flow, link_id=lid, endpoint=ep,
                        kind=kind, ref=ref, title=title, before=json.loads(old),
                        after=json.loads(new), state=IntentState(state),
                        at=codec.ts_load(at))
            for rid, key, flow, lid, ep, kind, ref, title, old, new, state, at in rows]


def prune(s: _Plumbing) -> int:
    """Drop the records of runs that retention has deleted."""
    gone = s._exec("DELETE FROM run_writes WHERE run_id NOT IN (SELECT id FROM runs)").rowcount
    return max(int(gone), 0)
