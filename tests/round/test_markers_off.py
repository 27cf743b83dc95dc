"""``markers: false`` on a Todoist endpoint (issue 15), through the emulator: no comment on
any task, a create whose answer was lost found again by its title, a lost state file
re-linked by title."""

from __future__ import annotations

import datetime as dt
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
from hub.round.executor import Executor
from hub.round.recovery import find_by_key
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


def _unlinked_namesake(pair: Pair, title: str) -> str:
    """A Todoist task with ``title`` that no link holds: one completed before the first sync
    (last week's "Write report"), listed beside a full listing only to rejoin a link."""
    pid = next(p for p, v in pair.emu.projects.items() if v["name"] == "Work")
    pair.emu.clock_offset = -dt.timedelta(days=7)  # made and completed last week
    old = pair.emu.add_item(pid, title)
    pair.emu.complete_item(old)
    pair.emu.clock_offset = dt.timedelta(0)
    pair.sync()
    assert pair.sync().counts["writes"] == 0
    assert pair.store.find_link_by_ref("f", "todoist", old) is None and not pair.mem.live()
    return old


def test_a_lost_create_is_found_beside_an_older_unlinked_namesake(pair: Pair) -> None:
    """The older task with the same title was there before the create was journalled: it is
    no candidate, so the one made since is ours, and it is linked."""
    old = _unlinked_namesake(pair, "Write report")
    pair.mem.user_create(Item(title="Write report"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=2)
    pair.sync()
    rep = pair.sync()
    assert pair.tasks() == ["Write report", "Write report"]
    assert not pair.emu.items[old]["description"]
    assert pair.store.pending_intents("f") == [], rep.notes
    assert pair.store.find_link_by_ref("f", "todoist", old) is None  # not taken over
    (new,) = [t for t, i in pair.emu.items.items() if i["content"] == "Write report"
              and t != old]
    assert pair.store.find_link_by_ref("f", "todoist", new) is not None
    assert pair.sync().counts["writes"] == 0


def test_a_lost_create_that_did_not_land_never_takes_over_an_older_namesake(
        pair: Pair) -> None:
    """The create's answer was lost and it never landed (the emulator forgets the task and
    its commands, as if the request had not reached Todoist before the process died): the
    only unlinked task with the title is older than the intent, so it is not taken for the
    create; the task is made again."""
    old = _unlinked_namesake(pair, "Write report")
    pair.mem.user_create(Item(title="Write report", description="the new one"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=2)
    pair.sync()
    assert len(pair.store.pending_intents("f")) == 1
    (made,) = [t for t, i in pair.emu.items.items() if i["content"] == "Write report"
               and t != old and not i["is_deleted"]]
    with pair.emu.lock:  # as if it had never landed
        del pair.emu.items[made]
        pair.emu.executed.clear()
    pair.sync()
    assert pair.store.find_link_by_ref("f", "todoist", old) is None  # not taken over
    assert pair.emu.items[old]["description"] == "" and pair.emu.items[old]["checked"]
    live = {t: i for t, i in pair.emu.items.items() if not i["is_deleted"]}
    assert sorted(i["description"] for i in live.values()) == ["", "the new one"]
    assert pair.store.pending_intents("f") == []
    assert pair.sync().counts["writes"] == 0


def test_a_task_this_rounds_plan_holds_is_never_taken_for_a_lost_create(pair: Pair) -> None:
    """A task the plan links this round (matched by key, not yet committed) is no candidate,
    however new: it belongs to another link already."""
    pid = next(p for p, v in pair.emu.projects.items() if v["name"] == "Work")
    pair.sync()
    fresh = pair.emu.add_item(pid, "Call Ana")
    ex = Executor("f", pair.store, pair.adapters, unmarked=["todoist"])
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    assert [r.ref for r in find_by_key(ex, "todoist", Item(title="Call Ana"), since=since)] \
        == [fresh]
    ex.planned = {("todoist", fresh)}
    assert find_by_key(ex, "todoist", Item(title="Call Ana"), since=since) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)  # journalled after it was made
    ex.planned = set()
    assert find_by_key(ex, "todoist", Item(title="Call Ana"), since=later) == []
