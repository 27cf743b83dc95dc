"""Todoist's per-user request limits (issue 17): the client paces every request under them
(the SDK's pages and full syncs too), so the emulator enforcing them answers no 429; a 429
that comes anyway (another client of the account) is waited out by the round. The windows
here are a second or two long so that the real waits stay short (nothing asserts time)."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.memory import MemoryAdapter, MemoryService
from adapters.todoist.client import TodoistClient
from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.quota import Pacing, pacing_for
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.engine import run_flow
from tests.adapters.todoist.conftest import build
from tests.support.memstore import MemStore


def test_one_pacing_per_user_shared_by_its_clients() -> None:
    assert pacing_for("http://x", "t") is pacing_for("http://x/", "t")
    assert pacing_for("http://x", "t") is not pacing_for("http://x", "u")


def test_the_client_waits_instead_of_being_refused(emu: TodoistEmulator) -> None:
    emu.set_quota(requests=3, full_syncs=1, per_seconds=1.0)
    client = TodoistClient(emu.token, emu.base_url)
    client.pacing.__init__(3, 1, 1.0)  # type: ignore[misc]  # the emulator's windows
    for _ in range(3):
        client.sync("*", ["items"])  # full syncs: one a window
    for _ in range(4):
        client.task("none")  # REST: counted with the rest
    assert emu.quota is not None and emu.quota.limited == 0 and emu.quota.counted == 7
    assert client.pacing.waited > 0
    client.close()


def test_pacing_counts_what_it_reserved_from_the_answer() -> None:
    now = [0.0]
    slept: list[float] = []
    pacing = Pacing(2, 1, 10.0, clock=lambda: now[0], sleep=slept.append)
    pacing.before(full_sync=True)
    now[0] = 3.0  # answered 3 s later: counted from then
    pacing.after(full_sync=True)
    pacing.before(full_sync=True)  # the next full sync waits for the first to leave
    assert slept == [13.0 - 3.0]


def test_a_429_from_another_client_is_waited_out(emu: TodoistEmulator) -> None:
    emu.set_quota(requests=4, full_syncs=100, per_seconds=2.0)
    emu.add_project("Work")
    mem = MemoryService(name="mem")
    mem.user_create(Item(title="one"))
    adapters: dict[str, Any] = {"mem": MemoryAdapter(mem, name="mem"), "todoist": build(emu)}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    for _ in range(4):  # another client of the same account spends the window
        httpx.get(emu.base_url + "/api/v1/projects",
                  headers={"Authorization": f"Bearer {emu.token}"})
    rep = run_flow("f", cfg, adapters, MemStore(), retry=RetryPolicy(attempts=6))
    assert rep.status == "ok" and rep.counts["create"] == 1
    assert emu.quota is not None and emu.quota.limited >= 1
    assert [i["content"] for i in emu.items.values()] == ["one"]


def test_a_background_request_that_waits_is_still_counted() -> None:
    """Comment reads run in the background; the pacing sleeps once and sends, so their
    reservation must be recorded even when the window is past the background share
    (otherwise the client loses count of Todoist's limit and draws 429s)."""
    from adapters.ratewindow import background
    from adapters.todoist.quota import Pacing

    slept: list[float] = []
    p = Pacing(requests=10, per_seconds=60, clock=lambda: 0.0, sleep=slept.append)
    with background():
        for _ in range(12):
            p.before(False)
    assert len(p.all._sent) == 12  # every request counted, the two past the limit queued
    assert slept  # past the limit it waited
