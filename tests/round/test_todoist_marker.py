"""Todoist's origin marker as its description's last line (issue 17), through the emulator in
whole rounds: a create is one command; the marker never reaches the other service; a person
editing the description keeps it working, one deleting the line keeps the link; a create
whose answer was lost is found by its marker; tasks made by earlier versions (marker in a
comment) still read as marked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.faults import FaultKind
from adapters.memory import ALL_FIELDS, MemoryAdapter, MemoryService
from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.marker import split
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.engine import RoundReport, run_flow
from tests.adapters.todoist.conftest import build as build_todoist
from tests.support.memstore import MemStore


class Pair:
    """A memory service ``a`` and Todoist ``todoist`` in flow ``f``."""

    def __init__(self, emu: TodoistEmulator) -> None:
        self.emu = emu
        self.project = next(p for p, v in emu.projects.items() if v["name"] == "Work")
        self.mem = MemoryService(name="a")
        self.todoist = build_todoist(emu)
        self.adapters: dict[str, Any] = {
            "a": MemoryAdapter(self.mem, name="a", fields=ALL_FIELDS), "todoist": self.todoist}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in self.adapters},
                              mass_change_limit=1.0)
        self.store = MemStore()

    def sync(self) -> RoundReport:
        retry = RetryPolicy(attempts=2, sleep=lambda _: None)
        return run_flow("f", self.cfg, self.adapters, self.store, retry=retry)

    def live(self) -> list[dict[str, Any]]:
        return [i for i in self.emu.items.values() if not i["is_deleted"]]

    def commands(self) -> int:
        return sum(body.count(b"%22uuid%22") for body in self.emu.request_bodies)


@pytest.fixture
def pair() -> Iterator[Pair]:
    emu = TodoistEmulator()
    emu.start(0)
    emu.add_project("Work")
    try:
        yield Pair(emu)
    finally:
        emu.stop()


def test_a_create_is_one_command_and_the_marker_stays_in_todoist(pair: Pair) -> None:
    ref = pair.mem.user_create(Item(title="plan", description="first **draft**"))
    pair.sync()
    pair.emu.reset_counts()
    pair.mem.user_create(Item(title="second"))
    pair.sync()
    assert pair.commands() == 1  # item_add only: no note_add
    assert pair.emu.notes == {}
    (task,) = [t for t in pair.live() if t["content"] == "plan"]
    text, origin = split(task["description"])
    assert text == "first **draft**" and origin
    assert pair.mem.live()[ref].description == "first **draft**"
    assert pair.sync().counts["writes"] == 0


def test_a_description_edited_in_todoist_reaches_the_other_service_without_the_marker(
        pair: Pair) -> None:
    ref = pair.mem.user_create(Item(title="plan", description="v1"))
    pair.sync()
    (task,) = pair.live()
    origin = split(task["description"])[1]
    # the person edits the text above the marker line in the app
    pair.emu.edit_item(task["id"], description=f"v2 from the app\n\nsynchub-origin: {origin}")
    assert pair.sync().counts["update"] == 1
    assert pair.mem.live()[ref].description == "v2 from the app"
    pair.mem.user_edit(ref, description="v3 from memory")
    pair.sync()
    assert task["description"] == f"v3 from memory\n\nsynchub-origin: {origin}"
    assert pair.sync().counts["writes"] == 0


def test_a_marker_line_deleted_in_todoist_keeps_the_link(pair: Pair) -> None:
    ref = pair.mem.user_create(Item(title="plan", description="v1"))
    pair.sync()
    (task,) = pair.live()
    pair.emu.edit_item(task["id"], description="only my words")
    rep = pair.sync()
    assert rep.counts["create"] == 0 and rep.counts["update"] == 1
    assert pair.mem.live()[ref].description == "only my words"
    assert len(pair.live()) == 1 and len(pair.mem.live()) == 1
    assert pair.sync().counts["writes"] == 0  # no marker forced back every round
    pair.mem.user_edit(ref, title="renamed")
    pair.sync()
    assert task["content"] == "renamed" and task["description"] == "only my words"


def test_a_batch_whose_answer_was_lost_is_sent_again_and_applied_once(pair: Pair) -> None:
    """The same command uuids: Todoist answers a uuid it has run from its log."""
    pair.sync()
    for n in range(3):
        pair.mem.user_create(Item(title=f"t{n}", description="d"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=1)
    pair.emu.reset_counts()
    pair.sync()
    writes = [b for b in pair.emu.request_bodies if b.startswith(b"commands=")]
    assert len(writes) == 2 and writes[0] == writes[1]
    assert sorted(t["content"] for t in pair.live()) == ["t0", "t1", "t2"]  # landed once
    assert pair.sync().counts["writes"] == 0


def test_a_create_whose_answers_were_lost_is_found_by_its_marker(pair: Pair) -> None:
    """Every answer lost: the creates stay "maybe applied" and the next round finds each by
    its marker, the lookups costing one full sync (Todoist allows 100 a quarter-hour),
    then incremental ones."""
    pair.sync()
    for n in range(5):
        pair.mem.user_create(Item(title=f"t{n}"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=2)
    pair.sync()
    assert len(pair.store.pending_intents("f")) == 5
    pair.emu.reset_counts()
    rep = pair.sync()
    assert rep.counts["create"] == 0 and pair.store.pending_intents("f") == []
    assert sorted(t["content"] for t in pair.live()) == [f"t{n}" for n in range(5)]
    fulls = [b for b in pair.emu.request_bodies if b.startswith(b"sync_token=%2A")]
    assert len(fulls) == 1, pair.emu.request_bodies
    assert pair.sync().counts["writes"] == 0


def test_a_task_an_earlier_version_marked_with_a_comment_still_reads_as_marked(
        pair: Pair) -> None:
    ref = pair.mem.user_create(Item(title="old", description="text"))
    pair.sync()
    (task,) = pair.live()
    origin = split(task["description"])[1]
    # as an earlier synchub left it: the plain text, the marker a comment
    pair.emu.edit_item(task["id"], description="text")
    pair.emu.add_note(task["id"], f"synchub-origin: {origin}")
    fresh = build_todoist(pair.emu)
    found = fresh.find_by_origin(str(origin))
    assert found is not None and found.ref == task["id"] and found.item.description == "text"
    pair.adapters["todoist"] = fresh
    pair.store = MemStore()  # a lost state: the marker re-links it, nothing is duplicated
    pair.sync()
    assert len(pair.live()) == 1 and len(pair.mem.live()) == 1
    pair.mem.user_edit(ref, description="new text")
    pair.sync()
    assert task["description"] == "new text"  # its marker stays the comment
    fresh.close()


def test_a_matched_task_gets_its_marker_in_its_description(pair: Pair) -> None:
    pair.emu.add_item(pair.project, "same", description="their words")
    pair.mem.user_create(Item(title="same", description="their words"))
    pair.sync()
    (task,) = pair.live()
    assert split(task["description"]) == ("their words", split(task["description"])[1])
    assert split(task["description"])[1] is not None and pair.emu.notes == {}
    assert pair.sync().counts["writes"] == 0
