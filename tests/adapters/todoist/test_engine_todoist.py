"""Whole rounds between an in-memory service and the Todoist emulator, over HTTP."""

from __future__ import annotations

import datetime as dt

from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import DateOnly, Item, StatusKind
from hub.round.engine import run_flow
from tests.adapters.todoist.conftest import TodoistHarness
from tests.support.memstore import MemStore


def test_rounds_batch_writes_are_quiet_and_carry_edits_back(harness: TodoistHarness) -> None:
    emu = harness.emu
    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "todoist": harness.adapter}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = MemStore()
    refs = [mem.user_create(Item(title=f"task {i}", priority=1 + i % 4,
                                 due=DateOnly(date=dt.date(2026, 12, 1 + i % 28))))
            for i in range(250)]
    emu.reset_counts()
    rep = run_flow("f", cfg, adapters, store)
    assert rep.status == "ok" and rep.counts["create"] == 250
    # 250 creates = 250 commands (the marker rides in each task) -> 3 sync writes, plus
    # the listing
    assert emu.requests["POST /api/v1/sync"] == 4
    emu.reset_counts()
    quiet = run_flow("f", cfg, adapters, store)
    assert quiet.counts["writes"] == 0
    assert emu.total_requests == 1  # the echo of our own writes is no change

    emu.reset_counts()
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0
    assert emu.total_requests == 1

    todo = {i["content"]: i["id"] for i in emu.items.values()}
    emu.edit_item(todo["task 3"], content="task 3 renamed", priority=4)
    emu.complete_item(todo["task 4"])
    rep = run_flow("f", cfg, adapters, store)
    assert rep.counts["update"] == 2
    live = mem.live()
    assert live[refs[3]].title == "task 3 renamed" and live[refs[3]].priority == 4
    assert live[refs[4]].status.kind is StatusKind.DONE
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0
