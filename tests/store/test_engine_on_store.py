"""Whole rounds over the real SQLite and PostgreSQL stores, not only the test double."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.faults import FaultKind
from hub.model import Item, StatusKind
from hub.round import conflicts
from hub.store import open_store
from tests.support.world import World


def test_full_story_on_a_real_store(store: Any) -> None:
    w = World(store=store, conflict="manual")
    ref_a = w.services["a"].user_create(Item(title="x", priority=1))
    assert w.sync().counts["create"] == 1
    assert w.sync().counts["writes"] == 0
    ref_b, _ = w.only("b")
    w.services["a"].user_edit(ref_a, title="from a")
    w.services["b"].user_edit(ref_b, title="from b", priority=4)
    rep = w.sync()
    assert rep.counts["conflict"] == 1 and w.only("a")[1].priority == 4
    (c,) = store.conflicts("f")
    conflicts.resolve(store, c, "a")
    w.sync()
    assert w.titles("a") == w.titles("b") == ["from a"]
    w.services["b"].user_delete(ref_b)
    w.sync()
    assert w.only("a")[1].status.kind is StatusKind.DONE
    assert w.sync().counts["writes"] == 0
    assert [r.status for r in store.runs("f", limit=3)] == ["ok", "ok", "ok"]


def test_unfinished_create_is_healed_from_the_journal(store: Any) -> None:
    w = World(store=store)
    w.retry = replace(w.retry, attempts=1)  # the lost answer is not retried this round
    w.services["a"].user_create(Item(title="x"))
    w.services["b"].faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="create")
    w.services["b"].faults.inject(FaultKind.LAG, count=None, delay=5)  # listing won't show it
    rep = w.sync()
    assert rep.status == "partial"
    assert [i.kind for i in store.pending_intents("f")] == ["create"]
    rep = w.sync()  # recovery finds the copy by its origin marker
    assert any("found by its marker" in n for n in rep.notes)
    assert store.pending_intents("f") == []
    w.services["b"].faults.clear()
    w.sync()
    assert w.titles("b") == ["x"]
    assert w.sync().counts["writes"] == 0


def test_state_survives_a_restart(store: Any) -> None:
    w = World(store=store)
    w.services["a"].user_create(Item(title="x"))
    w.sync()
    url = store.url
    store.close()
    w.store = open_store(url)
    w.store.migrate()
    assert w.sync().counts["writes"] == 0
    ref_a = next(iter(w.live("a")))
    w.services["a"].user_edit(ref_a, title="y")
    w.sync()
    assert w.titles("b") == ["y"]
    w.store.close()
