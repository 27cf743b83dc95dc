"""The same store tests for SQLite and PostgreSQL (see tests/conftest.py for the engines)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import StateError
from hub.model import DateOnly, Item, Status, StatusKind
from hub.store import open_store
from hub.store.base import (
    SCHEMA_VERSION,
    ConflictRecord,
    CopyState,
    Intent,
    IntentState,
    LinkState,
    Provenance,
)
from tests.support.budget import examples

T = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)


def link(lid: str = "L1", title: str = "x", **kw: Any) -> LinkState:
    base = Item(title=title, status=Status(kind=StatusKind.IN_PROGRESS, raw="In Review"),
                due=DateOnly(date=dt.date(2026, 12, 1)), labels=("a",), updated_at=T)
    copies = {
        "jira": CopyState("jira", f"J-{lid}", base=base, snapshot=base, version="7"),
        "todo": CopyState("todo", f"T-{lid}", base=base.evolve(title="older"),
                          snapshot=base.evolve(title="newer", updated_at=T), version=None),
    }
    prov = {"title": Provenance("todo", 3, "changed on one side", T, edited_at=T)}
    return LinkState("f", lid, base, copies, prov, **kw)


def reopen(store: Any) -> Any:
    url = store.url
    store.close()
    s = open_store(url)
    s.migrate()
    return s


def test_links_round_trip_exactly_through_a_reopen(store: Any) -> None:
    original = link(detached=frozenset({"cal"}), deleting=True)
    with store.transaction() as tx:
        tx.save_link(original)
    store = reopen(store)
    got = store.load_links("f")["L1"]
    assert got == original
    assert got.copies["todo"].snapshot.title == "newer"
    assert got.base.status.raw == "In Review"
    assert got.copies["todo"].snapshot.updated_at == T
    assert got.provenance["title"].edited_at == T
    store.close()


def test_save_replaces_copies_and_drop_forgets(store: Any) -> None:
    with store.transaction() as tx:
        tx.save_link(link())
    smaller = link()
    smaller = LinkState(smaller.flow, smaller.link_id, smaller.base,
                        {"jira": smaller.copies["jira"]})
    with store.transaction() as tx:
        tx.save_link(smaller)
    assert set(store.load_links("f")["L1"].copies) == {"jira"}
    assert store.find_link_by_ref("f", "todo", "T-L1") is None
    assert store.find_link_by_ref("f", "jira", "J-L1") == "L1"
    with store.transaction() as tx:
        tx.drop_link("f", "L1")
    assert store.load_links("f") == {}
    assert reopen(store).load_links("f") == {}


def test_a_failed_transaction_leaves_nothing(store: Any) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.save_link(link())
        tx.set_cursor("f", "jira", "c1")
        raise RuntimeError("crash")
    assert store.load_links("f") == {} and store.get_cursor("f", "jira") is None
    store = reopen(store)
    assert store.load_links("f") == {} and store.get_cursor("f", "jira") is None
    store.close()


def test_cursors_intents_conflicts_runs(store: Any) -> None:
    with store.transaction() as tx:
        tx.set_cursor("f", "jira", "c1")
        tx.set_cursor("f", "jira", "c2")
        tx.add_intent(Intent("k1", "f", "L1", "jira", "create", {"item": {"title": "x"}}))
        tx.add_intent(Intent("k2", "f", "L2", "todo", "update", {}))
    assert store.get_cursor("f", "jira") == "c2"
    assert [i.key for i in store.pending_intents("f")] == ["k1", "k2"]
    assert store.pending_intents("f")[0].payload == {"item": {"title": "x"}}
    with store.transaction() as tx:
        tx.finish_intent("k1")
        tx.finish_intent("k2", IntentState.ABANDONED)
    assert store.pending_intents("f") == []

    with store.transaction() as tx:
        cid = tx.upsert_conflict(ConflictRecord(None, "f", "L1", "title", {"a": "1", "b": "2"}))
        again = tx.upsert_conflict(ConflictRecord(None, "f", "L1", "title", {"a": "1", "b": "3"}))
    assert cid == again
    (c,) = store.conflicts("f")
    assert dict(c.values) == {"a": "1", "b": "3"}
    with store.transaction() as tx:
        tx.resolve_conflict(cid, "b")
    assert store.conflicts("f") == []
    assert store.conflicts("f", open_only=False)[0].resolved_with == "b"

    r1 = store.start_run("f")
    store.finish_run(r1, "ok", {"writes": 3})
    r2 = store.start_run("f")
    runs = store.runs("f")
    assert [r.id for r in runs] == [r2, r1]
    assert runs[1].status == "ok" and runs[1].counts == {"writes": 3}
    assert runs[0].status == "running"


def test_migrate_is_idempotent_and_a_newer_schema_is_refused(store: Any) -> None:
    store.migrate()
    store.migrate()
    with store.transaction():
        store._exec("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StateError, match="newer synchub"):
        store.migrate()


def test_config_fingerprint_binding(store: Any) -> None:
    store.bind_config("fp-1")
    store.bind_config("fp-1")
    with store.transaction() as tx:
        tx.save_link(link())
    with pytest.raises(StateError, match="--rebind"):
        store.bind_config("fp-2")
    store.bind_config("fp-2", force=True)
    store.bind_config("fp-2")


@pytest.mark.parametrize("what", ["link", "cursor", "intent", "conflict", "nothing"])
def test_a_changed_config_is_refused_only_while_the_store_holds_something(
        store: Any, what: str) -> None:
    """A store only a plan opened (nothing synced: no link, cursor, intent or conflict)
    follows the new config; one holding any of them keeps refusing without --rebind."""
    store.bind_config("fp-1")
    with store.transaction() as tx:
        if what == "link":
            tx.save_link(link())
        elif what == "cursor":
            tx.set_cursor("f", "jira", "c1")
        elif what == "intent":
            tx.add_intent(Intent("i1", "f", "L1", "jira", "create", {"title": "x"}))
        elif what == "conflict":
            tx.upsert_conflict(ConflictRecord(None, "f", "L1", "title", {"a": "1", "b": "2"}))
    if what == "nothing":
        store.bind_config("fp-2")
        store.bind_config("fp-2")  # now bound to it
    else:
        with pytest.raises(StateError, match="--rebind"):
            store.bind_config("fp-2")


def test_leases(store: Any) -> None:
    assert store.try_lease("f", "replica-a", 60)
    assert store.try_lease("f", "replica-a", 60)  # renewal
    assert not store.try_lease("f", "replica-b", 60)
    with store.transaction():
        store._exec("UPDATE leases SET expires_at = 0 WHERE flow = 'f'")
    assert store.try_lease("f", "replica-b", 60)  # the dead holder's lease moved on
    store.release_lease("f", "replica-b")
    assert store.try_lease("f", "replica-a", 60)


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.db"
    s = open_store(f"sqlite:///{path}")
    s.migrate()
    with s.transaction() as tx:
        tx.save_link(link())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert s._query("PRAGMA journal_mode")[0][0] == "wal"
    for extra in (f"{path}-wal", f"{path}-shm"):
        if os.path.exists(extra):
            assert stat.S_IMODE(os.stat(extra).st_mode) & 0o077 == 0
    s.close()


def test_unwritable_state_path_is_a_clear_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: permissions are not enforced
            blocker = tmp_path / "file"
            blocker.write_text("")
            target = blocker / "state.db"  # a path *under a file* can never be created
        else:
            target = locked / "state.db"
        with pytest.raises(StateError, match="state"):
            open_store(f"sqlite:///{target}")
    finally:
        locked.chmod(0o700)


def test_bad_urls_are_clear_errors() -> None:
    with pytest.raises(StateError, match="unsupported state URL"):
        open_store("mysql://x")
    with pytest.raises(StateError, match="bad SQLite URL"):
        open_store("sqlite://relative.db")


ops = st.lists(st.tuples(st.sampled_from(["save", "drop"]), st.sampled_from(["L1", "L2", "L3"]),
                         st.sampled_from(["a", "b", "c"])), max_size=12)


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops)
def test_random_saves_and_drops_read_back_like_a_dict(store: Any, seq: list[tuple[str, str, str]]
                                                      ) -> None:
    with store.transaction() as tx:
        for lid in ("L1", "L2", "L3"):
            tx.drop_link("f", lid)
    model: dict[str, LinkState] = {}
    for op, lid, title in seq:
        with store.transaction() as tx:
            if op == "save":
                model[lid] = link(lid, title)
                tx.save_link(model[lid])
            else:
                model.pop(lid, None)
                tx.drop_link("f", lid)
    assert store.load_links("f") == model
    fresh = open_store(store.url)
    assert fresh.load_links("f") == model
    fresh.close()
