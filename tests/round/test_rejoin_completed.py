"""Completed Todoist tasks after a lost state file (issue 11, item 6).

A full Todoist listing omits completed tasks. A task completed while the state was lost was
left out of its re-formed link, so the completion never reached the other services, and when
it was reopened later its stale fields read as edits and reverted what had changed meanwhile.
Now a full listing also returns the tasks completed recently, as ``rejoin_only``: they rejoin
their link, and are never copied as new items (a first sync copies no history).
"""

from __future__ import annotations

from dataclasses import replace

from adapters.base import ChangeSet
from adapters.memory import MemoryAdapter
from hub.model import Item, StatusKind
from tests.support.memstore import MemStore
from tests.support.world import World, ts

NAMES = ("a", "b", "c")
DONE = {"kind": StatusKind.DONE}



class TodoistLike(MemoryAdapter):
    """A full listing (no cursor) returns open tasks, and the completed ones apart, as
    ``rejoin_only``, like adapters/todoist (``/sync`` plus ``tasks/completed``)."""

    def changes(self, cursor: str | None) -> ChangeSet:
        cs = super().changes(cursor)
        if cursor is not None:
            return cs
        return replace(cs, items=tuple(replace(r, rejoin_only=r.item.status.kind.closed)
                                       for r in cs.items))


def world(names: tuple[str, ...] = NAMES) -> World:
    w = World(names)
    w.adapters["a"] = TodoistLike(w.services["a"], name="a")
    return w


def synced(w: World, titles: list[str], where: str = "b") -> dict[str, dict[str, str]]:
    """title -> service -> ref, once every service holds each item."""
    for t in titles:
        w.services[where].user_create(Item(title=t, updated_at=ts(0)))
    w.sync()
    refs = {t: {n: ref for n in w.names for ref, i in w.live(n).items() if i.title == t}
            for t in titles}
    assert all(len(r) == len(w.names) for r in refs.values()), refs
    return refs


def status(w: World, name: str, title: str) -> StatusKind:
    (item,) = [i for i in w.live(name).values() if i.title == title]
    return item.status.kind


def test_a_task_completed_while_the_state_was_lost_closes_its_copies() -> None:
    w = world()
    refs = synced(w, ["x", "y"])
    w.services["a"].user_edit(refs["x"]["a"], status=DONE, updated_at=ts(3))
    w.store = MemStore()  # lost before the completion was synced
    rep = w.sync()
    assert rep.counts["create"] == 0, rep.plan
    assert [status(w, n, "x") for n in NAMES] == [StatusKind.DONE] * 3
    assert [status(w, n, "y") for n in NAMES] == [StatusKind.OPEN] * 3
    w.assert_quiet()


def test_with_two_services_the_completion_goes_through_the_conflict_policy() -> None:
    w = world(("a", "b"))
    refs = synced(w, ["x"])
    w.services["a"].user_edit(refs["x"]["a"], status=DONE, updated_at=ts(3))
    w.store = MemStore()
    w.sync()
    assert [status(w, n, "x") for n in ("a", "b")] == [StatusKind.DONE] * 2  # newest
    w.assert_quiet()


def test_a_reopened_task_does_not_revert_what_changed_while_it_was_completed() -> None:
    w = world()
    refs = synced(w, ["x"])
    w.services["a"].user_edit(refs["x"]["a"], status=DONE, updated_at=ts(2))
    w.sync()
    w.store = MemStore()
    w.sync()  # the completed task rejoins its link (it was left out before)
    w.services["b"].user_edit(refs["x"]["b"], title="renamed in b", updated_at=ts(4))
    w.sync()
    w.services["a"].user_edit(refs["x"]["a"], status={"kind": StatusKind.OPEN},
                              updated_at=ts(6))
    w.sync()
    for n in NAMES:
        assert w.titles(n) == ["renamed in b"], n
        assert status(w, n, "renamed in b") is StatusKind.OPEN, n
    w.assert_quiet()


def test_a_first_sync_copies_no_completed_task() -> None:
    w = world()
    w.services["a"].user_create(Item(title="done long ago", status=DONE, updated_at=ts(0)))
    w.services["a"].user_create(Item(title="open", updated_at=ts(0)))
    rep = w.sync()
    assert rep.counts["create"] == 2  # "open", in b and c
    assert w.titles("b") == w.titles("c") == ["open"]
    w.assert_quiet()


def test_a_completed_task_never_closes_an_item_it_only_shares_a_title_with() -> None:
    w = world()
    w.services["a"].user_create(Item(title="weekly report", status=DONE, updated_at=ts(0)))
    w.services["b"].user_create(Item(title="weekly report", updated_at=ts(1)))
    w.sync()
    assert status(w, "b", "weekly report") is StatusKind.OPEN
    assert sorted((i.title, i.status.kind) for i in w.live("a").values()) == [
        ("weekly report", StatusKind.DONE), ("weekly report", StatusKind.OPEN)]
    w.assert_quiet()


def test_a_completed_task_sharing_a_title_never_joins_a_re_formed_link() -> None:
    """After a lost state the key of a re-formed link is no identity for history: the
    completed "weekly report" in a is not that link's copy (its own was deleted and
    unlinked), and taking it in would close the open copies in b and c."""
    w = World(NAMES, delete="unlink")
    w.adapters["a"] = TodoistLike(w.services["a"], name="a")
    w.services["a"].user_create(Item(title="weekly report", status=DONE, updated_at=ts(0)))
    ref_b = w.services["b"].user_create(Item(title="weekly report", updated_at=ts(1)))
    w.sync()
    ours = [r for r, i in w.live("a").items() if not i.status.kind.closed]
    assert len(ours) == 1
    w.services["a"].user_delete(ours[0])
    w.sync()  # unlinked in a; b and c go on
    w.store = MemStore()
    w.sync()
    assert w.live("b")[ref_b].status.kind is StatusKind.OPEN
    assert [i.status.kind for i in w.live("c").values()] == [StatusKind.OPEN]
    w.assert_quiet()


def test_a_link_known_only_from_completed_copies_takes_no_open_item_by_title() -> None:
    """Two services: the link's only copy listed after the loss is a completed task in a
    (its b copy was deleted and unlinked); an unrelated open item in b with the same title
    is not taken for its copy (the task would be reopened, the items joined)."""
    w = World(("a", "b"), delete="unlink")
    w.adapters["a"] = TodoistLike(w.services["a"], name="a")
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    w.sync()
    (ref_b,) = w.live("b")
    w.services["a"].user_edit(ref_a, status=DONE, updated_at=ts(1))
    w.sync()
    w.services["b"].user_delete(ref_b)
    w.sync()  # unlinked in b
    other = w.services["b"].user_create(Item(title="x", updated_at=ts(3)))
    w.store = MemStore()
    w.sync()
    assert w.live("a")[ref_a].status.kind is StatusKind.DONE
    assert w.live("b")[other].status.kind is StatusKind.OPEN
    w.assert_quiet()
