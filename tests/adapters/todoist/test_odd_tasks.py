"""Issue 11 on Todoist: a task due 9999-12-31 (out of synchub's range) is reported unreadable
and the other tasks sync, over the emulator; a zone this host does not know keeps the task
readable (the instant is fixed, the zone falls back to the user's, logged)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import ValidationRejected
from hub.model import ZonedDateTime
from hub.round.engine import run_flow
from tests.adapters.todoist.conftest import TodoistHarness, build
from tests.support.memstore import MemStore


def test_a_task_due_9999_12_31_is_unreadable_and_the_round_syncs_the_others(
        harness: TodoistHarness) -> None:
    emu = harness.emu
    odd = emu.add_item(harness.project, "End of days", due={"date": "9999-12-31"})
    fine = [emu.add_item(harness.project, f"task {i}", due={"date": "2026-12-0" + str(i)})
            for i in range(1, 4)]
    listed = harness.adapter.changes(None)
    assert {r.ref for r in listed.items} == set(fine)
    (bad,) = listed.unreadable
    assert (bad.ref, bad.title) == (odd, "End of days")
    assert bad.reason == ("date 9999-12-31 is out of range: synchub syncs dates from "
                          "0001-01-02 to 9998-12-31")
    with pytest.raises(ValidationRejected, match="9999-12-31 is out of range"):
        harness.adapter.get(odd)

    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "todoist": build(emu)}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = MemStore()
    rep = run_flow("f", cfg, adapters, store)
    # partial: one task is not synced, and the round says which (once: P14)
    assert rep.status == "partial" and "todoist" not in rep.unreachable
    assert [q.title for q in rep.quarantined_new] == ["End of days"]
    assert sorted(i.title for i in mem.live().values()) == ["task 1", "task 2", "task 3"]
    assert store.get_cursor("f", "todoist") is not None  # the cursor moved on


@pytest.mark.parametrize(("zone", "read_as"), [("Foo/Bar", "Europe/Berlin"),
                                               ("Asia/Calcutta", "Asia/Calcutta")])
def test_a_due_zone_is_resolved_through_zoneinfo_or_read_in_the_users_zone(
        harness: TodoistHarness, caplog: pytest.LogCaptureFixture, zone: str,
        read_as: str) -> None:
    ref = harness.emu.add_item(harness.project, "call", due={
        "date": "2026-12-03T08:30:00Z", "timezone": zone})
    a = build(harness.emu, timezone="Europe/Berlin")
    with caplog.at_level(logging.WARNING, logger="synchub.adapters"):
        listed = a.changes(None)
    assert listed.unreadable == ()
    (got,) = [r.item for r in listed.items if r.ref == ref]
    assert got.due == ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                                    tz=read_as)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(ref in m and zone in m for m in warned) == (zone != read_as)
