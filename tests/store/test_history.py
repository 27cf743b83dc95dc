"""The history of runs' writes (schema version 5) on both engines: recorded with the
journal, settled with its intent, pruned with its run, and a version-4 state upgraded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hub.store import open_store
from hub.store.base import SCHEMA_VERSION, Intent, IntentState, WriteRecord
from tests.support.old_state import old_sqlite_state


def record(run_id: int, key: str, **kw: Any) -> WriteRecord:
    return WriteRecord(run_id=run_id, key=key, flow="f", link_id="L", endpoint="a",
                       kind=kw.pop("kind", "update"), ref=kw.pop("ref", "r1"), title="Fix",
                       **kw)


def journal(store: Any, rec: WriteRecord) -> None:
    with store.transaction() as tx:
        tx.add_intent(Intent(key=rec.key, flow="f", link_id="L", endpoint="a", kind=rec.kind,
                             payload={}))
        tx.add_write(rec)


def test_a_write_is_settled_with_its_intent(store: Any) -> None:
    run = store.start_run("f")
    journal(store, record(run, "k1", before={"title": "Fix"}, after={"title": "Fixed"}))
    journal(store, record(run, "k2", kind="create", ref=None, after={"title": "New"}))
    journal(store, record(run, "k3"))
    with store.transaction() as tx:
        tx.finish_intent("k1")
        tx.finish_intent("k2", ref="r9")
        tx.finish_intent("k3", IntentState.ABANDONED)
    got = {w.key: w for w in store.run_writes(run)}
    assert (got["k1"].state, got["k1"].before, got["k1"].after) == (
        IntentState.DONE, {"title": "Fix"}, {"title": "Fixed"})
    assert (got["k2"].state, got["k2"].ref) == (IntentState.DONE, "r9")  # where it landed
    assert got["k3"].state is IntentState.ABANDONED


def test_a_key_planned_again_in_a_later_run_has_its_own_record(store: Any) -> None:
    first, second = store.start_run("f"), store.start_run("f")
    journal(store, record(first, "k"))
    with store.transaction() as tx:
        tx.finish_intent("k", IntentState.ABANDONED)
    journal(store, record(second, "k"))
    with store.transaction() as tx:
        tx.finish_intent("k")
    assert [w.state for w in store.run_writes(first)] == [IntentState.ABANDONED]
    assert [w.state for w in store.run_writes(second)] == [IntentState.DONE]


def test_an_undo_run_names_the_run_it_undid(store: Any) -> None:
    run = store.start_run("f")
    undo = store.start_run("f", undoes=run)
    assert store.run(undo).undoes == run and store.run(run).undoes is None
    assert store.run(12345) is None


def test_retention_drops_the_writes_with_their_run(store: Any) -> None:
    old, newest = store.start_run("f"), store.start_run("f")
    for rid in (old, newest):
        journal(store, record(rid, f"k{rid}"))
        store.finish_run(rid, "ok", {})
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    gone = store.prune(runs_before=later, journal_before=later - dt.timedelta(days=1))
    assert gone["runs"] == 1 and gone["writes"] == 1
    assert store.run_writes(old) == [] and len(store.run_writes(newest)) == 1


def test_a_version_4_state_is_upgraded_keeping_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    old_sqlite_state(path, 4, "INSERT INTO runs (flow, started_at, status, counts) VALUES "
                              "('f', '2026-01-01T00:00:00+00:00', 'ok', '{\"writes\": 2}')")
    s = open_store(f"sqlite:///{path}")
    s.migrate()
    assert s.schema_version() == SCHEMA_VERSION  # type: ignore[attr-defined]
    (run,) = s.runs("f")
    assert (run.counts, run.undoes, s.run_writes(run.id)) == ({"writes": 2}, None, [])
    s.close()
