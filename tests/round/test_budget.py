"""Request budgets keep us under a service's limit without real sleeping."""

from __future__ import annotations

from dataclasses import replace

from adapters.base import RequestBudget
from hub.model import Item
from hub.round.budget import Budget
from tests.support.world import World


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def test_sliding_window_spaces_requests() -> None:
    clock = FakeClock()
    b = Budget(RequestBudget(requests=3, per_seconds=1.0), clock=clock)
    waits = []
    for _ in range(7):
        w = b.reserve()
        waits.append(w)
        clock.sleep(w)
    assert waits[:3] == [0, 0, 0]
    assert all(w > 0 for w in waits[3:4])
    sent_times = [sum(waits[: i + 1]) for i in range(7)]
    for i in range(3, 7):  # never more than 3 requests in any 1-second window
        assert sent_times[i] - sent_times[i - 3] >= 1.0 - 1e-9


def test_engine_respects_an_adapter_budget() -> None:
    clock = FakeClock()
    w = World()
    w.retry = replace(w.retry, sleep=clock.sleep, clock=clock)
    w.adapters["b"].capabilities = replace(
        w.adapters["b"].capabilities, request_budget=RequestBudget(requests=2, per_seconds=10))
    for i in range(4):
        w.services["a"].user_create(Item(title=f"t{i}"))
    w.sync()
    assert len(w.live("b")) == 4
    assert clock.now >= 20  # 5 requests to b (1 listing + 4 creates) at 2 per 10 s


def test_budget_spans_rounds() -> None:
    clock = FakeClock()
    w = World()
    w.retry = replace(w.retry, sleep=clock.sleep, clock=clock)
    w.adapters["b"].capabilities = replace(
        w.adapters["b"].capabilities, request_budget=RequestBudget(requests=3, per_seconds=60))
    w.sync()
    w.sync()
    w.sync()
    assert clock.now == 0  # 3 listings of b so far: within budget
    w.sync()
    assert clock.now >= 60  # the 4th request in the window waited


def test_background_requests_leave_room_in_the_window() -> None:
    """Background work fills at most BACKGROUND_SHARE of a window, and one that must wait is
    not queued, so a request that must not wait finds room at once (issue 17)."""
    from adapters.ratewindow import BACKGROUND_SHARE, SlidingWindow, background

    clock = FakeClock()
    w = SlidingWindow(10, 60.0, clock)
    with background():
        waits = [w.reserve() for _ in range(int(10 * BACKGROUND_SHARE))]
        assert waits == [0.0] * 8
        assert w.reserve() > 0  # full for background work: it waits, recorded nowhere
        assert w.reserve() > 0
    assert w.reserve() == 0.0 and w.reserve() == 0.0  # room kept for the others
    assert w.reserve() > 0  # now the window itself is full
