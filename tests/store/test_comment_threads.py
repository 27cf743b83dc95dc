"""Comment threads in both engines (SQLite and PostgreSQL, see tests/conftest.py): saved and
read back exactly, by link and by ``pending``, dropped with their link, and an older state
file upgraded in place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hub.model import Item
from hub.store import open_store
from hub.store.base import SCHEMA_VERSION, CommentCopy, CommentThread, CopyState, LinkState
from tests.support.old_state import old_sqlite_state

T = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def thread(tid: str, lid: str = "L1", **kw: Any) -> CommentThread:
    return CommentThread(
        flow="f", thread=tid, link_id=lid, source="jira", author="Ana Lima", created_at=T,
        link="https://acme.atlassian.net/browse/OPS-3", body="Ship it\n\n- one",
        copies={"jira": CommentCopy("10001", "d1"), "todo": CommentCopy("n9", "d1"),
                "notion": CommentCopy(None)}, **kw)


def a_link(lid: str) -> LinkState:
    item = Item(title=lid)
    return LinkState("f", lid, item, {"jira": CopyState("jira", f"J-{lid}", item, item)})


def test_threads_round_trip_by_link_and_pending(store: Any) -> None:
    with store.transaction() as tx:
        tx.save_thread(thread("t1"))
        tx.save_thread(thread("t2", pending=True))
        tx.save_thread(thread("t3", lid="L2", deleting=True))
    got = store.comment_threads("f", ["L1", "L2", "L9"])
    assert got == {"L1": [thread("t1"), thread("t2", pending=True)],
                   "L2": [thread("t3", lid="L2", deleting=True)]}
    assert store.pending_comment_links("f") == {"L1"}
    with store.transaction() as tx:
        tx.save_thread(thread("t2"))  # replaced: no longer pending
        tx.drop_thread("f", "t1")
    assert store.comment_threads("f", ["L1"]) == {"L1": [thread("t2")]}
    assert store.pending_comment_links("f") == set()
    assert store.comment_threads("other", ["L1"]) == {}


def test_dirty_links_are_pending_until_cleared(store: Any) -> None:
    with store.transaction() as tx:
        tx.comments_dirty("f", ["L1", "L2"], True)
        tx.comments_dirty("f", ["L1"], True)  # again: no error
    assert store.pending_comment_links("f") == {"L1", "L2"}
    with store.transaction() as tx:
        tx.comments_dirty("f", ["L1"], False)
    assert store.pending_comment_links("f") == {"L2"}


def test_dropping_a_link_drops_its_threads_and_marks(store: Any) -> None:
    with store.transaction() as tx:
        tx.save_link(a_link("L1"))
        tx.save_link(a_link("L2"))
        tx.save_thread(thread("t1"))
        tx.save_thread(thread("t2", lid="L2"))
        tx.comments_dirty("f", ["L1"], True)
    with store.transaction() as tx:
        tx.drop_link("f", "L1")
    assert store.comment_threads("f", ["L1", "L2"]) == {"L2": [thread("t2", lid="L2")]}
    assert store.pending_comment_links("f") == set()


def test_many_links_are_read_in_chunks(store: Any) -> None:
    with store.transaction() as tx:
        for n in range(1200):
            tx.save_thread(thread(f"t{n}", lid=f"L{n}"))
    got = store.comment_threads("f", [f"L{n}" for n in range(1200)])
    assert len(got) == 1200 and got["L1199"][0].thread == "t1199"


def test_a_version_3_state_file_is_upgraded_keeping_its_links(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_sqlite_state(path, 3)
    s = open_store(f"sqlite:///{path}")
    s.migrate()
    with s.transaction() as tx:
        tx.save_link(a_link("L1"))
        tx.save_thread(thread("t1"))
    assert s.schema_version() == SCHEMA_VERSION  # type: ignore[attr-defined]
    assert s.comment_threads("f", ["L1"]) == {"L1": [thread("t1")]}
    s.close()
