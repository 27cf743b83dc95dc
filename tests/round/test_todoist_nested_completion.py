"""Completing a Todoist parent completes its sub-tasks, and reopening a sub-task reopens its
parents (Todoist's ``item_complete`` and ``item_uncomplete``), over the Jira and Todoist
emulators: synchub never makes either write when it would change a sub-task or parent that
is not meant to change, since that change would read back as a person's and reach Jira."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.jira.sandbox import JiraSandbox
from adapters.memory import ALL_FIELDS, MemoryAdapter, MemoryService
from adapters.todoist.emulator import TodoistEmulator
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Status, StatusKind
from hub.round.engine import RoundReport, run_flow
from tests.adapters.jira.conftest import build as build_jira
from tests.adapters.todoist.conftest import build
from tests.support.memstore import MemStore


class Pair:
    def __init__(self, emu: TodoistEmulator, jira: JiraSandbox) -> None:
        self.emu, self.jira = emu, jira
        self.pid = emu.add_project("Work")
        self.adapters: dict[str, Any] = {"todoist": build(emu), "jira": build_jira(jira)}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters})
        self.store = MemStore()

    def sync(self) -> RoundReport:
        rep = run_flow("f", self.cfg, self.adapters, self.store)
        assert not rep.errors, rep.errors
        return rep

    def quiet(self) -> None:
        assert self.sync().counts["writes"] == 0

    def key(self, title: str) -> str:
        return next(str(i["key"]) for i in self.jira.emu.issues.values()
                    if i["fields"]["summary"] == title)

    def status(self, title: str) -> str:
        return next(str(i["fields"]["status"]["name"]) for i in self.jira.emu.issues.values()
                    if i["fields"]["summary"] == title)

    def done(self, tid: str) -> bool:
        return bool(self.emu.items[tid]["checked"])


@pytest.fixture
def pair() -> Iterator[Pair]:
    emu, jira = TodoistEmulator(), JiraSandbox()
    emu.start(0)
    try:
        p = Pair(emu, jira)
        yield p
    finally:
        jira.stop()
        emu.stop()


def family(pair: Pair) -> tuple[str, str, str]:
    parent = pair.emu.add_item(pair.pid, "Parent")
    one = pair.emu.add_item(pair.pid, "One", parent_id=parent)
    two = pair.emu.add_item(pair.pid, "Two", parent_id=parent)
    pair.sync()
    assert {pair.status(t) for t in ("Parent", "One", "Two")} == {"To Do"}
    pair.quiet()
    return parent, one, two


def test_a_parent_done_elsewhere_is_not_closed_over_open_sub_tasks(pair: Pair) -> None:
    parent, one, two = family(pair)
    pair.jira.emu.move(pair.key("Parent"), "Done")
    rep = pair.sync()
    assert not pair.done(parent) and not pair.done(one) and not pair.done(two)
    assert any("Parent" in n and "sub-task" in n for n in rep.notes), rep.notes
    pair.sync()
    assert pair.status("One") == pair.status("Two") == "To Do"  # no completion invented
    assert pair.status("Parent") == "Done"  # and the one made stands

    pair.jira.emu.move(pair.key("One"), "Done")
    pair.sync()
    assert pair.done(one) and not pair.done(parent)  # "Two" is still open
    pair.jira.emu.move(pair.key("Two"), "Done")
    pair.sync()
    pair.sync()  # the held close goes through once no open sub-task is left
    assert pair.done(parent) and pair.done(one) and pair.done(two)
    pair.quiet()


def test_a_parent_and_its_sub_tasks_done_together_close_in_one_go(pair: Pair) -> None:
    parent, one, two = family(pair)
    for title in ("Parent", "One", "Two"):
        pair.jira.emu.move(pair.key(title), "Done")
    pair.sync()
    pair.sync()
    assert pair.done(parent) and pair.done(one) and pair.done(two)
    pair.quiet()


def test_a_parent_completed_in_todoist_completes_its_sub_tasks_everywhere(pair: Pair) -> None:
    """The person's own act: Todoist completes the sub-tasks with the parent, and that is
    what they did, so it flows as any completion."""
    parent, one, two = family(pair)
    pair.emu.complete_item(parent)
    assert pair.done(one) and pair.done(two)  # Todoist's own cascade
    pair.sync()
    assert {pair.status(t) for t in ("Parent", "One", "Two")} == {"Done"}
    pair.quiet()


def test_a_sub_task_reopened_elsewhere_does_not_reopen_its_done_parent(pair: Pair) -> None:
    parent, one, two = family(pair)
    pair.emu.complete_item(parent)
    pair.sync()
    pair.quiet()
    pair.jira.emu.move(pair.key("One"), "To Do")
    rep = pair.sync()
    assert pair.done(parent) and pair.done(one)  # Todoist would reopen the parent with it
    assert any("One" in n and "parent" in n for n in rep.notes), rep.notes
    pair.sync()
    assert pair.status("Parent") == "Done" and pair.status("One") == "To Do"

    pair.jira.emu.move(pair.key("Parent"), "To Do")  # the parent reopened too: both go
    pair.sync()
    pair.sync()
    assert not pair.done(parent) and not pair.done(one) and pair.done(two)
    pair.quiet()


class MemPair:
    """Todoist and a memory service ``a`` (where a parent can be trashed, and nested deeper
    than Jira allows) in flow ``f``."""

    def __init__(self, emu: TodoistEmulator) -> None:
        self.emu = emu
        self.pid = emu.add_project("Work")
        self.mem = MemoryService(name="a")
        self.adapters: dict[str, Any] = {
            "todoist": build(emu), "a": MemoryAdapter(self.mem, name="a", fields=ALL_FIELDS)}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters})
        self.store = MemStore()

    def sync(self) -> RoundReport:
        return run_flow("f", self.cfg, self.adapters, self.store)


@pytest.fixture
def mem_pair() -> Iterator[MemPair]:
    emu = TodoistEmulator()
    emu.start(0)
    try:
        yield MemPair(emu)
    finally:
        emu.stop()


def test_a_parent_deleted_elsewhere_under_delete_complete_waits_for_its_sub_tasks(
        mem_pair: MemPair) -> None:
    """``delete: complete`` (the default): a parent trashed in another service completes the
    link, but not the Todoist parent over its open sub-tasks; the sub-tasks stay open."""
    emu, pid, mem = mem_pair.emu, mem_pair.pid, mem_pair.mem
    sync = mem_pair.sync
    parent = emu.add_item(pid, "Parent")
    child = emu.add_item(pid, "Child", parent_id=parent)
    sync()
    assert sync().counts["writes"] == 0
    refs = {i.title: r for r, i in mem.live().items()}
    mem.user_delete(refs["Parent"])
    rep = sync()
    assert not emu.items[parent]["checked"] and not emu.items[child]["checked"]
    assert any("sub-task" in n for n in rep.notes), rep.notes
    sync()
    assert mem.live()[refs["Child"]].status.kind is StatusKind.OPEN
    assert sync().counts["writes"] == 0
    mem.user_edit(refs["Child"], status=Status(kind=StatusKind.DONE))
    for _ in range(2):
        sync()
    assert emu.items[parent]["checked"] and emu.items[child]["checked"]


def test_an_open_grandchild_holds_its_grandparents_close(mem_pair: MemPair) -> None:
    """Todoist completes every descendant, not only the children: a sub-sub-task still open
    holds the top task's close, though its own parent is being completed with it."""
    emu, pid, mem = mem_pair.emu, mem_pair.pid, mem_pair.mem
    sync = mem_pair.sync
    top = emu.add_item(pid, "Top")
    mid = emu.add_item(pid, "Mid", parent_id=top)
    low = emu.add_item(pid, "Low", parent_id=mid)
    for _ in range(2):
        sync()
    refs = {i.title: r for r, i in mem.live().items()}
    for title in ("Top", "Mid"):
        mem.user_edit(refs[title], status=Status(kind=StatusKind.DONE))
    rep = sync()
    assert not any(emu.items[t]["checked"] for t in (top, mid, low))
    assert sum("'Low'" in n for n in rep.notes) == 2, rep.notes  # both held by it
    sync()
    assert mem.live()[refs["Low"]].status.kind is StatusKind.OPEN
    mem.user_edit(refs["Low"], status=Status(kind=StatusKind.DONE))
    for _ in range(2):
        sync()
    assert all(emu.items[t]["checked"] for t in (top, mid, low))
    assert sync().counts["writes"] == 0
