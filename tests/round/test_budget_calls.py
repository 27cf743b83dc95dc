"""A budget that counts the calls inside a batch request (Google's quota), on an injected
clock: nothing sleeps."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.base import Capabilities, RequestBudget
from adapters.pacing import PACER, paced
from hub.round.budget import Budget
from hub.round.calls import Caller, CallStats, RetryPolicy
from tests.round.test_budget import FakeClock

PER_CALL = RequestBudget(requests=600, per_seconds=60, batch_calls=True)


def test_a_batch_reserves_one_per_call() -> None:
    clock = FakeClock()
    b = Budget(PER_CALL, clock=clock)
    assert b.reserve(300) == 0 and b.reserve(300) == 0  # the window lets 600 out at once
    assert b.reserve(300) == 60  # the third waits for the first batch's calls to leave


def test_a_batch_is_one_request_where_the_service_counts_requests() -> None:
    clock = FakeClock()
    b = Budget(RequestBudget(requests=2, per_seconds=60), clock=clock)
    assert b.reserve(300) == 0 and b.reserve(300) == 0
    assert b.reserve(1) == 60


def test_more_calls_than_the_window_holds_wait_for_an_empty_window() -> None:
    clock = FakeClock()
    b = Budget(PER_CALL, clock=clock)
    b.reserve(1)
    assert b.reserve(5000) == 60  # clamped to the whole window: it waits for it to empty


def test_calls_count_from_the_answer() -> None:
    """A batch answered 5 s after it went out counts from then: the service counted its calls
    as it worked through them, so the next window-full must not go out at 60 s but at 65 s."""
    clock = FakeClock()
    b = Budget(PER_CALL, clock=clock)
    assert b.reserve(600) == 0
    clock.now = 5.0
    b.settle(600)
    assert b.reserve(1) == 60.0


@dataclass(eq=False)
class Stub:
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(
        fields=frozenset({"title"}), batch_size=300, request_budget=PER_CALL))


def test_the_caller_paces_batches_by_their_calls() -> None:
    clock = FakeClock()
    stats = CallStats()
    caller = Caller({"cal": Stub()}, RetryPolicy(sleep=clock.sleep, clock=clock), None, stats)
    sent: list[float] = []
    for _ in range(7):  # 2,100 calls at 600 a minute
        caller.call("cal", lambda: sent.append(clock.now), calls=300)
    assert sent == [0, 0, 60, 60, 120, 120, 180]
    assert sum(s for _, s in stats.rate_limit_waits) == 180


PER_REQUEST = RequestBudget(requests=600, per_seconds=60, batch_calls=True, per_request=True)


def test_an_adapter_that_paces_each_request_is_paced_by_each_not_once_up_front() -> None:
    """One call that sends a read batch of 400 and then a write batch of 400 (Google: the
    reads a batch of patches depends on): the writes wait for the reads' minute, and the
    ``calls`` given up front are not reserved besides."""
    clock = FakeClock()
    stub = Stub(capabilities=Capabilities(fields=frozenset({"title"}), batch_size=400,
                                          request_budget=PER_REQUEST))
    caller = Caller({"cal": stub}, RetryPolicy(sleep=clock.sleep, clock=clock), None,
                    CallStats())
    sent: list[tuple[str, float]] = []

    def reads_then_writes() -> None:
        for what in ("reads", "writes"):
            with paced(400):
                sent.append((what, clock.now))

    caller.call("cal", reads_then_writes, calls=400)
    assert sent == [("reads", 0), ("writes", 60)]
    caller.call("cal", lambda: None, calls=400)  # sends nothing: waits for nothing
    assert clock.now == 60
    assert PACER.get() is None  # outside a hub call (tests, check), paced waits for nothing
