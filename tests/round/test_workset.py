"""A round reads only its working set (hub.round.workset, issue 17): after a sync, a quiet
round loads no link from the store; an edit loads its link (and, the round after, once more
to find it settled); a changed config or a first sync loads everything once; a round where
an endpoint did not answer marks nothing settled. On every store engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.base import ChangeSet, RemoteItem
from adapters.faults import FaultKind
from hub.config.models import EndpointConfig
from hub.model import Item
from hub.planner.types import EndpointView
from hub.round import workset
from hub.store import open_store
from hub.store.base import CopyState, LinkState
from tests.support.memstore import MemStore
from tests.support.old_state import old_sqlite_state
from tests.support.world import World

N = 30


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield MemStore()
        return
    url = request.getfixturevalue("store_url") if request.param == "postgresql" \
        else f"sqlite:///{tmp_path / 'ws.db'}"
    s = open_store(url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL only (the conftest fixture of that name runs both engines)."""
    import uuid

    from tests.conftest import PG_SKIP, PG_URL, _drop_schema

    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={schema}"
    _drop_schema(schema)


def synced(store: Any) -> tuple[World, list[str]]:
    w = World(store=store, mass_change_limit=1.0)
    refs = [w.services["a"].user_create(Item(title=f"t{i}", priority=1 + i % 4))
            for i in range(N)]
    w.sync()
    w.sync()
    return w, refs


def test_a_quiet_round_loads_no_link(any_store: Any) -> None:
    w, _ = synced(any_store)
    rep = w.sync()
    assert rep.plan is not None
    assert rep.loaded_links == 0 and rep.plan.planned == 0
    assert rep.plan.total_links == N  # the mass-change guard still counts every link


def test_an_edit_loads_its_link_and_is_settled_the_round_after(any_store: Any) -> None:
    w, refs = synced(any_store)
    w.services["a"].user_edit(refs[3], title="edited")
    rep = w.sync()
    assert rep.loaded_links == 1 and rep.counts["update"] == 1
    assert "edited" in w.titles("b")
    again = w.sync()  # saved by the edit's round: loaded once more, found settled
    assert again.loaded_links == 1 and again.counts["writes"] == 0
    assert w.sync().loaded_links == 0


def test_a_changed_config_loads_every_link_once(any_store: Any) -> None:
    w, refs = synced(any_store)
    w.cfg = w.cfg.model_copy(update={"endpoints": {
        "a": EndpointConfig(connection="a"),
        "b": EndpointConfig(connection="b", only=("title",))}})
    assert w.sync().loaded_links == N
    assert w.sync().loaded_links == 0
    w.services["a"].user_edit(refs[0], title="renamed", priority=4)
    w.sync()
    b = {i.title: i for i in w.live("b").values()}
    assert "renamed" in b and b["renamed"].priority != 4  # b no longer takes priorities


def test_a_round_with_an_endpoint_down_marks_nothing_settled(any_store: Any) -> None:
    w, _ = synced(any_store)
    w.services["b"].faults.inject(FaultKind.OUTAGE, op="changes", count=None)
    w.services["a"].user_create(Item(title="made while b is down"))
    down = w.sync()
    assert "b" in down.unreachable
    w.services["b"].faults.clear()
    up = w.sync()  # the new link was not marked settled while b was down: loaded, created
    assert up.loaded_links >= 1 and up.counts["create"] == 1
    assert "made while b is down" in w.titles("b")
    w.sync()
    assert w.sync().loaded_links == 0


def test_a_copy_listed_again_is_routed_to_its_settled_link(any_store: Any) -> None:
    """A settled link is not loaded, but a copy of it that is listed (the calendar lists our
    own writes back) finds it by ref: no duplicate."""
    w, refs = synced(any_store)
    w.services["a"].user_edit(refs[5], title="t5")  # touched, same value
    rep = w.sync()
    assert rep.loaded_links == 1 and rep.counts["writes"] == 0
    assert len(w.live("b")) == N


def family_link(lid: str, parent: str | None) -> LinkState:
    item = Item(title=lid, parent=parent)
    return LinkState("f", lid, item, {"todo": CopyState("todo", f"r-{lid}", item, item)})


def test_the_family_of_a_touched_link_is_loaded_where_completion_nests(any_store: Any) -> None:
    with any_store.transaction() as tx:
        for lid, parent in (("P", None), ("C1", "P"), ("C2", "P"), ("G", "C1"), ("X", None)):
            tx.save_link(family_link(lid, parent))
        tx.mark_settled("f", ["P", "C1", "C2", "G", "X"], "fp", fresh=True)
    seen = {"todo": ChangeSet(items=(RemoteItem("r-C1", Item(title="C1", parent="r-P"), "2"),))}
    nests = {"todo": EndpointView("todo", frozenset({"title"}), nests_completion=True)}
    flat = {"todo": EndpointView("todo", frozenset({"title"}))}
    ws = workset.load("f", any_store, seen, nests, "fp", everything=False)
    assert set(ws.links) == {"P", "C1", "C2", "G"} and ws.total == 5 and not ws.full
    # without nesting, the parent is loaded (for canonical parents), not the family
    assert set(workset.load("f", any_store, seen, flat, "fp", everything=False).links) \
        == {"P", "C1"}
    assert workset.load("f", any_store, seen, flat, "other", everything=False).full


def test_a_version_6_state_file_is_upgraded_with_parents_indexed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    kid = Item(title="kid", parent="P").model_dump_json()
    old_sqlite_state(
        path, 6,
        "INSERT INTO links VALUES ('f', 'P', '{\"title\": \"P\"}', '{}', '[]', 0)",
        f"INSERT INTO links VALUES ('f', 'K', '{kid}', '{{}}', '[]', 0)",
        "INSERT INTO copies VALUES ('f', 'P', 'todo', 'r-P', '1', NULL, NULL)",
        "INSERT INTO copies VALUES ('f', 'K', 'todo', 'r-K', '1', NULL, NULL)")
    s = open_store(f"sqlite:///{path}")
    s.migrate()
    assert s.child_link_ids("f", ["P"]) == {"K"}
    assert s.unsettled_link_ids("f") == {"P", "K"}  # nothing is taken as settled
    assert s.get_link("f", "K").copies["todo"].snapshot.parent == "P"  # type: ignore[union-attr]
    s.close()
