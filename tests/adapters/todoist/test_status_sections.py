"""Issue 15: a Todoist project's sections as the workflow, through a status value map whose
keys are section names: read, written (``item_move``), refused when misconfigured, and a round
with Jira over the emulators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import EndpointContext, ValueMap
from adapters.jira.sandbox import JiraSandbox
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope
from adapters.todoist.emulator import TodoistEmulator
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import ConfigError
from hub.model import Item, Status, StatusKind
from hub.round.engine import run_flow
from tests.adapters.jira.conftest import build as build_jira
from tests.adapters.todoist.conftest import build
from tests.support.memstore import MemStore

BOARD = {"Doing": "in_progress", "Review": "in_progress", "To do": "open"}


@pytest.fixture
def emu() -> Iterator[TodoistEmulator]:
    e = TodoistEmulator()
    e.start(0)
    pid = e.add_project("Work")
    for name in ("To do", "Doing", "Review", "Later"):
        e.add_section(pid, name)
    try:
        yield e
    finally:
        e.stop()


def project(emu: TodoistEmulator) -> str:
    return next(p for p, v in emu.projects.items() if v["name"] == "Work")


def section(emu: TodoistEmulator, name: str) -> str:
    return next(s for s, v in emu.sections.items() if v["name"] == name)


def section_of(emu: TodoistEmulator, tid: str) -> str | None:
    sid = emu.items[tid]["section_id"]
    return None if sid is None else str(emu.sections[sid]["name"])


def board(emu: TodoistEmulator, pairs: dict[str, str] | None = None) -> Any:
    return build(emu, value_maps={"status": ValueMap.from_pairs(pairs or BOARD)})


def test_reading_a_task_in_a_mapped_section_has_its_status(emu: TodoistEmulator) -> None:
    pid = project(emu)
    doing = emu.add_item(pid, "doing", section_id=section(emu, "Doing"))
    review = emu.add_item(pid, "review", section_id=section(emu, "Review"))
    todo = emu.add_item(pid, "todo", section_id=section(emu, "To do"))
    later = emu.add_item(pid, "later", section_id=section(emu, "Later"))  # not in the map
    loose = emu.add_item(pid, "no section")
    done = emu.add_item(pid, "done in Doing", section_id=section(emu, "Doing"))
    emu.complete_item(done)
    a = board(emu)
    a.verify()
    kinds = {r.ref: r.item.status.kind for r in a.changes(None).items}
    assert kinds[doing] is kinds[review] is StatusKind.IN_PROGRESS
    assert kinds[todo] is kinds[later] is kinds[loose] is StatusKind.OPEN
    got = a.get(done)
    assert got is not None and got.item.status.kind is StatusKind.DONE


def test_writing_a_status_moves_the_task_to_its_section(emu: TodoistEmulator) -> None:
    pid = project(emu)
    tid = emu.add_item(pid, "t", section_id=section(emu, "To do"))
    a = board(emu)
    a.changes(None)
    a.update(tid, Item(title="t", status=Status(kind=StatusKind.IN_PROGRESS)),
             fields=frozenset({"status"}), expected_version=None, idempotency_key="k1")
    assert section_of(emu, tid) == "Doing"  # the first section the map gives for the kind
    a.update(tid, Item(title="t", status=Status(kind=StatusKind.DONE)),
             fields=frozenset({"status"}), expected_version=None, idempotency_key="k2")
    assert emu.items[tid]["checked"] and section_of(emu, tid) == "Doing"  # left where it was
    a.update(tid, Item(title="t", status=Status(kind=StatusKind.OPEN)),
             fields=frozenset({"status"}), expected_version=None, idempotency_key="k3")
    assert not emu.items[tid]["checked"] and section_of(emu, tid) == "To do"
    created = a.create(Item(title="new", status=Status(kind=StatusKind.IN_PROGRESS)),
                       origin="L", idempotency_key="k4")
    assert section_of(emu, created.ref) == "Doing"


def test_open_with_no_section_of_its_own_leaves_the_section(emu: TodoistEmulator) -> None:
    """Only in_progress mapped: an open task is one in no section, so writing open takes the
    task out of "Doing" (it would read back in progress and undo the edit; found in review)."""
    pid = project(emu)
    tid = emu.add_item(pid, "t", section_id=section(emu, "Doing"))
    a = board(emu, {"Doing": "in_progress"})
    a.changes(None)
    result = a.update(tid, Item(title="t", status=Status(kind=StatusKind.OPEN)),
                      fields=frozenset({"status"}), expected_version=None, idempotency_key="o")
    assert section_of(emu, tid) is None and result.item.status.kind is StatusKind.OPEN


def test_a_written_status_reads_back_as_written(emu: TodoistEmulator) -> None:
    a = board(emu)
    cursor = a.changes(None).cursor
    for n, kind in enumerate([StatusKind.IN_PROGRESS, StatusKind.OPEN, StatusKind.DONE,
                              StatusKind.OPEN]):
        ref = a.create(Item(title=f"t{n}"), origin=f"L{n}", idempotency_key=f"c{n}").ref
        written = Item(title=f"t{n}", status=Status(kind=kind))
        result = a.update(ref, written, fields=frozenset({"status"}), expected_version=None,
                          idempotency_key=f"u{n}")
        assert result.item.status.kind is kind
        got = a.get(ref)
        assert got is not None and got.item.status.kind is kind
    assert a.changes(cursor).items  # the moves are listed as changes


def test_a_map_naming_a_missing_section_is_refused_at_start_up(
        emu: TodoistEmulator) -> None:
    a = board(emu, {"Doing": "in_progress", "Reveiw": "in_progress"})
    with pytest.raises(ConfigError, match="Reveiw"):
        a.verify()
    with pytest.raises(ConfigError, match="Reveiw"):
        board(emu, {"Doing": "in_progress", "Reveiw": "in_progress"}).changes(None)


def test_a_section_map_with_a_one_section_scope_is_refused(emu: TodoistEmulator) -> None:
    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="section"):
        TodoistAdapterFactory().build(
            conn, TodoistScope(project="Work", section="Doing"),
            EndpointContext(name="todoist", flow="t",
                            value_maps={"status": ValueMap.from_pairs(BOARD)}))


def test_in_progress_in_jira_lands_in_doing_and_back_without_ping_pong(
        emu: TodoistEmulator) -> None:
    jira = JiraSandbox()
    try:
        adapters = {"todoist": board(emu), "jira": build_jira(jira)}
        cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters})
        store = MemStore()

        def sync() -> dict[str, int]:
            return dict(run_flow("f", cfg, adapters, store).counts)

        tid = emu.add_item(project(emu), "Ship it", section_id=section(emu, "To do"))
        sync()
        (issue,) = jira.emu.issues.values()
        assert issue["fields"]["status"]["name"] == "To Do"
        assert sync()["writes"] == 0

        jira.emu.move(issue["key"], "In Progress")
        sync()
        assert section_of(emu, tid) == "Doing" and not emu.items[tid]["checked"]
        assert sync()["writes"] == 0  # no ping-pong

        emu.edit_item(tid, section_id=section(emu, "To do"))  # dragged back on the board
        sync()
        assert issue["fields"]["status"]["name"] == "To Do"
        assert sync()["writes"] == 0

        emu.complete_item(tid)
        sync()
        assert issue["fields"]["status"]["name"] == "Done"
        assert sync()["writes"] == 0
    finally:
        jira.stop()


def test_verify_finds_a_scoped_section_and_the_mapped_ones(emu: TodoistEmulator) -> None:
    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    one = TodoistAdapterFactory().build(conn, TodoistScope(project="Work", section="Doing"),
                                        EndpointContext(name="todoist", flow="t"))
    assert "section 'Doing'" in one.verify()
    assert "status sections Doing, Review, To do" in board(emu).verify()
