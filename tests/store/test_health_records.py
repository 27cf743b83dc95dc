"""Endpoint health and notification incidents survive a reopen, on SQLite, PostgreSQL and the
in-memory store the engine tests use (one behaviour for all three)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.store.base import HealthRecord, Incident
from tests.store.test_store import reopen
from tests.support.memstore import MemStore

T = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)


def _exercise(store: Any, again: Any) -> None:
    failing = HealthRecord("f", "notion", ok=False, error="503 Service Unavailable",
                           since=T, last_failure=T + dt.timedelta(minutes=5),
                           last_success=T - dt.timedelta(hours=1), failures=2,
                           next_try=T + dt.timedelta(minutes=10))
    fine = HealthRecord("f", "jira", ok=True, last_success=T)
    opened = Incident("failing:f:notion", "f", "failing", "notion", "notion is failing",
                      T, announced=frozenset({"team"}))
    with store.transaction() as tx:
        tx.put_health(failing)
        tx.put_health(fine)
        tx.put_incident(opened)
        tx.put_incident(Incident("poison:f:x", "f", "poison", "x", "t", T))
        tx.set_notified("team", T)
    store = again(store)
    assert store.health("f") == [fine, failing]
    assert store.health("other") == []
    assert store.incidents()[0] == opened
    assert store.notified() == {"team": T}
    over = Incident(**{**opened.__dict__, "recovered_at": T, "closed": frozenset({"team"})})
    with store.transaction() as tx:
        tx.put_incident(over)
        tx.drop_incident("poison:f:x")
        tx.set_notified("team", T + dt.timedelta(hours=1))
    store = again(store)
    assert store.incidents() == [over]
    assert store.notified() == {"team": T + dt.timedelta(hours=1)}


def test_health_and_incidents_survive_a_reopen(store: Any) -> None:
    _exercise(store, reopen)


def test_the_memory_store_keeps_them_the_same_way() -> None:
    _exercise(MemStore(), lambda s: s)
