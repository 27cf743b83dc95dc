"""A task's planned length across Todoist, the calendar and Jira, through the emulators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.gcal.sandbox import GcalSandbox
from adapters.jira.sandbox import JiraSandbox
from adapters.todoist.emulator import TodoistEmulator
from hub.config.models import EndpointConfig, FlowConfig
from hub.round.engine import run_flow
from tests.adapters.gcal.conftest import build as build_gcal
from tests.adapters.jira.conftest import build as build_jira
from tests.adapters.todoist.conftest import build as build_todoist
from tests.support.memstore import MemStore


@pytest.fixture
def world() -> Iterator[dict[str, Any]]:
    todoist, gcal, jira = TodoistEmulator(), GcalSandbox(), JiraSandbox()
    todoist.start(0)
    todoist.add_project("Work")
    try:
        yield {"todoist": todoist, "gcal": gcal, "jira": jira, "adapters": {
            "todoist": build_todoist(todoist), "gcal": build_gcal(gcal),
            "jira": build_jira(jira)}}
    finally:
        todoist.stop()
        gcal.stop()
        jira.stop()


def sync(w: dict[str, Any], store: MemStore) -> dict[str, int]:
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in w["adapters"]})
    return dict(run_flow("f", cfg, w["adapters"], store).counts)


def test_a_duration_is_a_block_and_an_estimate_and_a_new_length_flows_back(
        world: dict[str, Any]) -> None:
    store = MemStore()
    todoist: TodoistEmulator = world["todoist"]
    pid = next(p for p, v in todoist.projects.items() if v["name"] == "Work")
    tid = todoist.add_item(pid, "Write report", due={"date": "2026-12-03T08:00:00Z",
                                                     "timezone": "Europe/Berlin"},
                           duration={"amount": 90, "unit": "minute"})
    sync(world, store)
    (ev,) = [e for e in world["gcal"].emu.events["primary"].values()
             if e["status"] != "cancelled"]
    start = dt.datetime.fromisoformat(ev["start"]["dateTime"])
    end = dt.datetime.fromisoformat(ev["end"]["dateTime"])
    assert end - start == dt.timedelta(minutes=90)
    (issue,) = world["jira"].emu.issues.values()
    assert issue["fields"]["timeoriginalestimate"] == 90 * 60
    assert sync(world, store)["writes"] == 0  # no ping-pong

    # the block is made two hours long in the calendar
    later = (start + dt.timedelta(hours=2)).isoformat()
    world["gcal"].emu.patch("primary", ev["id"], {"end": {"dateTime": later,
                                                          "timeZone": "Europe/Berlin"}}, None)
    sync(world, store)
    assert todoist.items[tid]["duration"] == {"amount": 120, "unit": "minute"}
    assert issue["fields"]["timeoriginalestimate"] == 120 * 60
    assert sync(world, store)["writes"] == 0
