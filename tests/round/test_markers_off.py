"""``markers: false`` on a Todoist endpoint (issue 15), through the emulator: no comment on
any task, a create whose answer was lost found again by its title, a lost state file
re-linked by title."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from adapters.faults import FaultKind
from adapters.memory import ALL_FIELDS, MemoryAdapter, MemoryService
from adapters.todoist.emulator import TodoistEmulator
from hub.config.models import Config, EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.engine import RoundReport, run_flow
from tests.adapters.todoist.conftest import build as build_todoist
from tests.support.memstore import MemStore


class Pair:
    """A memory service ``a`` and Todoist ``todoist`` (``markers: false``) in flow ``f``."""

    def __init__(self, emu: TodoistEmulator) -> None:
        self.emu = emu
        self.mem = MemoryService(name="a")
        self.adapters: dict[str, Any] = {
            "a": MemoryAdapter(self.mem, name="a", fields=ALL_FIELDS),
            "todoist": build_todoist(emu, markers=False)}
        self.cfg = FlowConfig(endpoints={
            "a": EndpointConfig(connection="a"),
            "todoist": EndpointConfig(connection="todoist", markers=False)})
        self.store = MemStore()

    def sync(self) -> RoundReport:
        retry = RetryPolicy(attempts=2, sleep=lambda _: None)
        return run_flow("f", self.cfg, self.adapters, self.store, retry=retry)

    def tasks(self) -> list[str]:
        return sorted(i["content"] for i in self.emu.items.values() if not i.get("is_deleted"))


@pytest.fixture
def pair() -> Iterator[Pair]:
    emu = TodoistEmulator()
    emu.start(0)
    emu.add_project("Work")
    try:
        yield Pair(emu)
    finally:
        emu.stop()


def test_creates_and_matched_tasks_carry_no_comment(pair: Pair) -> None:
    pid = next(p for p, v in pair.emu.projects.items() if v["name"] == "Work")
    pair.emu.add_item(pid, "matched")
    pair.mem.user_create(Item(title="matched"))
    pair.mem.user_create(Item(title="new"))
    pair.sync()
    assert pair.tasks() == ["matched", "new"]
    assert pair.emu.notes == {}  # no "synchub-origin: ..." comment, not even on the match
    assert pair.sync().counts["writes"] == 0  # and no marker write planned every round


def test_a_create_whose_answer_was_lost_is_found_by_its_title(pair: Pair) -> None:
    pair.sync()
    pair.mem.user_create(Item(title="Write report"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=2)
    pair.sync()  # landed, every answer lost: left pending
    assert pair.tasks() == ["Write report"]
    assert len(pair.store.pending_intents("f")) == 1
    rep = pair.sync()
    assert any("found by its match key" in n for n in rep.notes), rep.notes
    assert pair.tasks() == ["Write report"] and pair.store.pending_intents("f") == []
    assert pair.sync().counts["writes"] == 0
    assert pair.emu.notes == {}


def test_several_unlinked_tasks_with_the_key_are_reported_not_created_again(
        pair: Pair) -> None:
    pair.sync()
    pair.mem.user_create(Item(title="x"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=2)
    pair.sync()
    pid = next(p for p, v in pair.emu.projects.items() if v["name"] == "Work")
    pair.emu.add_item(pid, "x")  # a person's task with the same title, meanwhile
    rep = pair.sync()
    assert any("matches 2 unlinked items" in n for n in rep.notes), rep.notes
    assert pair.tasks() == ["x", "x"]  # neither linked blindly nor a third made
    assert len(pair.store.pending_intents("f")) == 1


def test_a_lost_state_file_relinks_by_title(pair: Pair) -> None:
    pair.mem.user_create(Item(title="one"))
    pair.mem.user_create(Item(title="two"))
    pair.sync()
    pair.store = MemStore()  # the state file was deleted
    rep = pair.sync()
    assert rep.counts["create"] == 0, rep.plan
    assert pair.tasks() == ["one", "two"] and sorted(
        i.title for i in pair.mem.live().values()) == ["one", "two"]
    assert pair.sync().counts["writes"] == 0


def _config(kind: str, **ep: Any) -> Config:
    return Config.model_validate({
        "connections": {"x": {"type": kind}, "m": {"type": "memory"}},
        "flows": {"f": {"endpoints": {"x": {"connection": "x", **ep},
                                      "m": {"connection": "m"}}}}})


def test_the_option_defaults_to_markers_and_is_accepted_for_todoist_and_notion() -> None:
    assert EndpointConfig(connection="x").markers is True
    for kind in ("todoist", "notion"):
        assert _config(kind, markers=False).flows["f"].endpoints["x"].markers is False


@pytest.mark.parametrize("kind", ["jira", "gcal"])
def test_jira_and_calendar_refuse_it(kind: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="invisible"):
        _config(kind, markers=False)
    assert _config(kind, markers=True).flows["f"].endpoints["x"].markers


def test_a_misspelt_option_is_an_error() -> None:
    with pytest.raises(pydantic.ValidationError):
        EndpointConfig.model_validate({"connection": "x", "marker": False})
