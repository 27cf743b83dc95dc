"""Todoist sections as statuses beside sub-tasks (issue 15), over the emulators: in Todoist a
sub-task always lives in its parent's section, so a section is no status of a sub-task.

A status written to a sub-task never moves it (an ``item_move`` to a section would make it a
root task: the hierarchy lost), and a parent moved to a section carries its sub-tasks along
without that reading as their status (which would reach Jira as an edit nobody made)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import EndpointContext, ValueMap
from adapters.jira.sandbox import JiraSandbox
from adapters.memory import ALL_FIELDS, MemoryAdapter, MemoryService
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope
from adapters.todoist.emulator import TodoistEmulator
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item, Status, StatusKind
from hub.round.engine import RoundReport, run_flow
from tests.adapters.jira.conftest import build as build_jira
from tests.adapters.todoist.conftest import build
from tests.support.memstore import MemStore

BOARD = {"Doing": "in_progress", "To do": "open"}


class Board:
    """A Todoist project with the sections "To do" and "Doing" as statuses, synced with
    another service (Jira, or a memory service where Jira's hierarchy rules get in the way)."""

    def __init__(self, emu: TodoistEmulator, other: str) -> None:
        self.emu = emu
        self.pid = emu.add_project("Work")
        self.sections = {name: emu.add_section(self.pid, name) for name in ("To do", "Doing")}
        self.jira: JiraSandbox | None = None
        self.mem = MemoryService(name="a")
        todoist = build(emu, value_maps={"status": ValueMap.from_pairs(BOARD)})
        if other == "jira":
            self.jira = JiraSandbox()
            self.adapters: dict[str, Any] = {"todoist": todoist, "jira": build_jira(self.jira)}
        else:
            self.adapters = {"todoist": todoist,
                             "a": MemoryAdapter(self.mem, name="a", fields=ALL_FIELDS)}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters})
        self.store = MemStore()

    def sync(self) -> RoundReport:
        return run_flow("f", self.cfg, self.adapters, self.store)

    def quiet(self) -> None:
        rep = self.sync()
        assert rep.counts["writes"] == 0, rep.plan
        assert not rep.errors, rep.errors

    def task(self, title: str, section: str | None = "To do", parent: str | None = None
             ) -> str:
        if parent is not None:
            return self.emu.add_item(self.pid, title, parent_id=parent)
        return self.emu.add_item(self.pid, title,
                                 section_id=self.sections[section] if section else None)

    def section_of(self, tid: str) -> str | None:
        sid = self.emu.items[tid]["section_id"]
        return None if sid is None else str(self.emu.sections[sid]["name"])

    def issue(self, title: str) -> dict[str, Any]:
        assert self.jira is not None
        return next(i for i in self.jira.emu.issues.values() if i["fields"]["summary"] == title)

    def jira_status(self, title: str) -> str:
        return str(self.issue(title)["fields"]["status"]["name"])

    def stop(self) -> None:
        if self.jira is not None:
            self.jira.stop()


@pytest.fixture
def emu() -> Iterator[TodoistEmulator]:
    e = TodoistEmulator()
    e.start(0)
    try:
        yield e
    finally:
        e.stop()


@pytest.fixture
def jira_board(emu: TodoistEmulator) -> Iterator[Board]:
    b = Board(emu, "jira")
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def mem_board(emu: TodoistEmulator) -> Board:
    return Board(emu, "memory")


def test_a_sub_task_added_under_a_parent_lives_in_its_section(jira_board: Board) -> None:
    """The emulator as Todoist: a sub-task takes its parent's project and section."""
    parent = jira_board.task("Parent", "Doing")
    child = jira_board.task("Child", parent=parent)
    assert jira_board.section_of(child) == "Doing"


def test_a_status_written_to_a_sub_task_keeps_it_under_its_parent(jira_board: Board) -> None:
    b = jira_board
    parent = b.task("Parent")
    child = b.task("Child", parent=parent)
    b.sync()
    assert b.issue("Child")["fields"]["parent"]["id"] == b.issue("Parent")["id"]
    b.quiet()

    assert b.jira is not None
    b.jira.emu.move(b.issue("Child")["key"], "In Progress")
    b.sync()
    assert b.emu.items[child]["parent_id"] == parent  # not made a root task in "Doing"
    assert b.section_of(child) == "To do"  # its parent's section, as in Todoist
    assert b.jira_status("Child") == "In Progress"  # the edit stands where it was made
    b.quiet()  # and Todoist, which cannot hold it, is not written again and again
    assert b.jira_status("Child") == "In Progress" and b.jira_status("Parent") == "To Do"

    b.jira.emu.move(b.issue("Child")["key"], "Done")
    b.sync()
    assert b.emu.items[child]["checked"] and b.emu.items[child]["parent_id"] == parent
    b.quiet()


def test_a_parent_moved_to_a_section_invents_no_status_for_its_sub_tasks(
        jira_board: Board) -> None:
    b = jira_board
    parent = b.task("Parent")
    child = b.task("Child", parent=parent)
    b.sync()
    b.quiet()

    assert b.jira is not None
    b.jira.emu.move(b.issue("Parent")["key"], "In Progress")
    b.sync()
    assert b.section_of(parent) == "Doing"
    assert b.section_of(child) == "Doing" and b.emu.items[child]["parent_id"] == parent
    b.sync()
    assert b.jira_status("Child") == "To Do"  # carried along in Todoist, edited by nobody
    assert b.jira_status("Parent") == "In Progress"
    b.quiet()

    b.emu.edit_item(parent, section_id=b.sections["To do"])  # a person drags it back
    b.emu.edit_item(child, section_id=b.sections["To do"])  # (Todoist moves both)
    b.sync()
    assert b.jira_status("Parent") == "To Do" and b.jira_status("Child") == "To Do"
    b.quiet()


def test_a_task_made_a_sub_task_keeps_its_status_elsewhere(mem_board: Board) -> None:
    """A task in "Doing" a person puts under a parent in "To do" now lives in "To do" (its
    parent's section): that is no status edit, the other service keeps "in progress"; and
    a sub-task made a root task again by synchub is put in its status's section."""
    b = mem_board
    parent = b.task("Parent")
    task = b.task("Task", "Doing")
    b.sync()
    (mine,) = [r for r, i in b.mem.live().items() if i.title == "Task"]
    assert b.mem.live()[mine].status.kind is StatusKind.IN_PROGRESS
    b.quiet()

    b.emu.move_item(task, parent_id=parent)  # dragged under the parent in the app
    b.sync()
    live = b.mem.live()
    (mine_parent,) = [r for r, i in live.items() if i.title == "Parent"]
    assert live[mine].parent == mine_parent
    assert live[mine].status.kind is StatusKind.IN_PROGRESS  # not "open" from "To do"
    b.quiet()

    b.mem.user_edit(mine, parent=None)  # made a root task elsewhere
    for _ in range(2):
        b.sync()
    assert b.emu.items[task]["parent_id"] is None and b.section_of(task) == "Doing"
    assert b.mem.live()[mine].status.kind is StatusKind.IN_PROGRESS
    b.quiet()


def test_a_sub_task_created_from_elsewhere_is_placed_under_its_parent(
        mem_board: Board) -> None:
    b = mem_board
    top = b.mem.user_create(Item(title="Top", status=Status(kind=StatusKind.IN_PROGRESS)))
    b.sync()
    b.mem.user_create(Item(title="Sub", parent=top,
                           status=Status(kind=StatusKind.IN_PROGRESS)))
    b.sync()
    (sub,) = [t for t, i in b.emu.items.items() if i["content"] == "Sub"]
    (top_t,) = [t for t, i in b.emu.items.items() if i["content"] == "Top"]
    assert b.emu.items[sub]["parent_id"] == top_t and b.section_of(sub) == "Doing"
    b.quiet()
    assert {i.title: i.status.kind for i in b.mem.live().values()} == {
        "Top": StatusKind.IN_PROGRESS, "Sub": StatusKind.IN_PROGRESS}


def test_a_sub_task_whose_parent_is_out_of_a_label_scope_is_not_moved(emu: TodoistEmulator
                                                                       ) -> None:
    """With a label scope the parent may be outside it: the hub knows no parent, yet the
    task is a sub-task in Todoist, and a status written to it neither moves it nor comes
    back as "open" to the service where it was set."""
    b = Board(emu, "jira")
    try:
        conn = TodoistConnection(token="test-token",  # type: ignore[arg-type]
                                 base_url=emu.base_url)
        b.adapters["todoist"] = TodoistAdapterFactory().build(
            conn, TodoistScope(project="Work", label="sync"),
            EndpointContext(name="todoist", flow="t",
                            value_maps={"status": ValueMap.from_pairs(BOARD)}))
        parent = b.task("Parent")
        child = b.emu.add_item(b.pid, "Child", parent_id=parent, labels=["sync"])
        b.sync()
        assert b.jira_status("Child") == "To Do"
        b.quiet()
        assert b.jira is not None
        b.jira.emu.move(b.issue("Child")["key"], "In Progress")
        b.sync()
        assert b.emu.items[child]["parent_id"] == parent
        for _ in range(2):
            b.sync()
        assert b.jira_status("Child") == "In Progress"
        b.quiet()
    finally:
        b.stop()
