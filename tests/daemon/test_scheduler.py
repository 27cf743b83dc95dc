"""Scheduling rules, tested with a fake clock and rounds run inline."""

from __future__ import annotations

import random
import threading

from hub.daemon.scheduler import Scheduler


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(intervals: dict[str, float], run=None, **kw):  # type: ignore[no-untyped-def]
    clock = Clock()
    ran: list[str] = []

    def default(flow: str) -> str:
        ran.append(flow)
        return "ok"

    s = Scheduler(run_round=run or default, intervals=intervals, clock=clock,
                  rng=random.Random(1), **kw)
    return s, clock, ran


def test_each_flow_runs_at_its_interval_with_bounded_jitter() -> None:
    s, clock, ran = make({"a": 60, "b": 300}, jitter=0.1)
    clock.t += 1
    s.step()
    assert sorted(ran) == ["a", "b"]
    ran.clear()
    clock.t += 53  # 60 - 10% jitter - margin: not yet
    s.step()
    assert ran == []
    clock.t += 14  # past 60 + 10%
    s.step()
    assert ran == ["a"]


def test_notices_are_coalesced_and_run_at_once() -> None:
    s, clock, ran = make({"a": 600})
    clock.t += 1
    s.step()
    ran.clear()
    for _ in range(10):
        s.notify("a")
    s.step()
    assert ran == ["a"]  # ten notices, one round
    s.step()
    assert ran == ["a"]


def test_a_notice_during_a_round_schedules_exactly_one_follow_up() -> None:
    s, clock, _ = make({"a": 600})
    clock.t += 1
    assert s.due() == ["a"]  # round in progress
    s.notify("a")
    s.notify("a")
    assert s.due() == []  # never overlapping
    s.finished("a", "ok")
    assert s.due() == ["a"]
    s.finished("a", "ok")
    assert s.due() == []


def test_concurrency_limit() -> None:
    s, clock, _ = make({f"f{i}": 60 for i in range(5)}, concurrency=2)
    clock.t += 10
    assert len(s.due()) == 2
    assert s.due() == []


def test_crashed_round_backs_off_and_others_continue() -> None:
    def run(flow: str) -> str:
        if flow == "bad":
            raise RuntimeError("boom")
        return "ok"

    s, clock, _ = make({"bad": 600, "good": 60}, run=run)
    clock.t += 10
    s.step()
    bad, good = s.flows["bad"], s.flows["good"]
    assert bad.last_status == "crashed" and "boom" in (bad.last_error or "")
    assert good.last_status == "ok"
    first_retry = bad.next_due - clock.t
    clock.t = bad.next_due
    s.step()
    assert bad.next_due - clock.t > first_retry  # exponential back-off
    assert bad.next_due - clock.t <= 600


def test_serve_stops_when_asked_and_waits_for_rounds_in_flight() -> None:
    started, release = threading.Event(), threading.Event()

    def run(flow: str) -> str:
        started.set()
        release.wait(5)
        return "ok"

    s = Scheduler(run_round=run, intervals={"a": 60}, jitter=0)
    stop = threading.Event()
    result: list[list[str]] = []
    t = threading.Thread(target=lambda: result.append(s.serve(stop, grace=5)))
    t.start()
    assert started.wait(5)
    stop.set()
    release.set()
    t.join(10)
    assert result == [[]] and s.flows["a"].last_status == "ok"


def test_a_round_that_stops_between_writes_finishes_within_the_grace() -> None:
    """A round polls ``stop`` between writes (as run_flow's should_stop): it ends after the
    write in flight, which counts as a clean stop."""
    stop = threading.Event()
    in_round, writes = threading.Event(), []

    def run(flow: str) -> str:
        in_round.set()
        while not stop.is_set():  # one "write" per turn, as long as nobody asks to stop
            writes.append(1)
            stop.wait(0.01)
        writes.append("last")  # the write in flight completes, then the round ends
        return "interrupted"

    s = Scheduler(run_round=run, intervals={"a": 60}, jitter=0)
    result: list[list[str]] = []
    t = threading.Thread(target=lambda: result.append(s.serve(stop, grace=30)))
    t.start()
    assert in_round.wait(5)
    stop.set()
    t.join(30)
    assert result == [[]] and writes[-1] == "last"
    assert s.flows["a"].last_status == "interrupted"


def test_serve_does_not_wait_past_the_grace_and_names_the_flows_still_running() -> None:
    """A round that ignores ``stop`` (stuck in a long request) must not hold the shutdown:
    serve returns after the grace period while that round is still blocked."""
    slow_started, release, fast_done = threading.Event(), threading.Event(), threading.Event()

    def run(flow: str) -> str:
        if flow == "slow":
            slow_started.set()
            release.wait(60)  # released by the test only after serve has returned
            return "ok"
        fast_done.set()
        return "ok"

    s = Scheduler(run_round=run, intervals={"slow": 600, "fast": 600}, jitter=0)
    stop = threading.Event()
    result: list[list[str]] = []
    t = threading.Thread(target=lambda: result.append(s.serve(stop, grace=0.2)))
    t.start()
    try:
        assert slow_started.wait(5) and fast_done.wait(5)
        stop.set()
        t.join(30)
        assert not t.is_alive()
        assert not release.is_set()  # returned while the slow round was still running
        assert result == [["slow"]]
        assert s.flows["slow"].running and s.flows["fast"].last_status == "ok"
    finally:
        release.set()


def crashing(bad: set[str]):  # type: ignore[no-untyped-def]
    def run(flow: str) -> str:
        if flow in bad:
            raise RuntimeError("boom")
        return "ok"
    return run


def retry_delays(s: Scheduler, clock: Clock, flow: str, crashes: int) -> list[float]:
    """Let ``flow`` crash ``crashes`` times in a row; the delay chosen after each crash."""
    delays = []
    for _ in range(crashes):
        clock.t = s.flows[flow].next_due
        s.step()
        delays.append(s.flows[flow].next_due - clock.t)
    return delays


def test_back_off_is_exponential_and_not_capped_by_a_short_interval() -> None:
    s, clock, _ = make({"a": 1}, run=crashing({"a"}), jitter=0)
    delays = retry_delays(s, clock, "a", 9)
    assert delays == [5, 10, 20, 40, 80, 160, 300, 300, 300]  # from 5 s to the 5 min cap


def test_back_off_resets_after_a_good_round() -> None:
    bad = {"a"}
    s, clock, _ = make({"a": 1}, run=crashing(bad), jitter=0)
    assert retry_delays(s, clock, "a", 3) == [5, 10, 20]
    bad.clear()
    clock.t = s.flows["a"].next_due
    s.step()
    assert s.flows["a"].last_status == "ok" and s.flows["a"].next_due - clock.t == 1
    bad.add("a")
    assert retry_delays(s, clock, "a", 2) == [5, 10]


def test_back_off_jitter_stays_within_bounds() -> None:
    s, clock, _ = make({"a": 60}, run=crashing({"a"}), jitter=0.1)
    for n, d in enumerate(retry_delays(s, clock, "a", 10), start=1):
        eps = 1e-9  # the delay is read back as a difference of clock readings
        assert min(5 * 2 ** (n - 1), 300) - eps <= d <= min(5 * 2 ** (n - 1) * 1.1, 300) + eps


def test_notices_during_back_off_buy_at_most_one_early_retry() -> None:
    ran: list[str] = []

    def run(flow: str) -> str:
        ran.append(flow)
        raise RuntimeError("service down")

    s, clock, _ = make({"a": 60}, run=run, jitter=0)
    clock.t = s.flows["a"].next_due
    s.step()
    assert len(ran) == 1 and s.flows["a"].next_due == clock.t + 5
    clock.t += 1
    s.notify("a")  # early retry: at once
    s.step()
    assert len(ran) == 2 and s.flows["a"].next_due == clock.t + 10
    for _ in range(5):  # a burst of webhooks while it keeps crashing
        clock.t += 1
        s.notify("a")
        s.step()
    assert len(ran) == 2  # no more early retries: back-off holds
    clock.t = s.flows["a"].next_due
    s.step()
    assert len(ran) == 3


def test_a_notice_during_a_crashing_round_reruns_once_not_every_time() -> None:
    s, clock, _ = make({"a": 60}, run=crashing({"a"}), jitter=0)
    clock.t = s.flows["a"].next_due
    assert s.due() == ["a"]
    s.notify("a")  # arrives while the round runs
    s.finished("a", None, RuntimeError("boom"))
    assert s.flows["a"].next_due == clock.t  # the one early retry
    assert s.due() == ["a"]
    s.notify("a")
    s.finished("a", None, RuntimeError("boom"))
    assert s.flows["a"].next_due == clock.t + 10  # spent: back off


def test_notices_act_at_once_again_after_recovery() -> None:
    bad = {"a"}
    s, clock, _ = make({"a": 600}, run=crashing(bad), jitter=0)
    retry_delays(s, clock, "a", 1)
    s.notify("a")
    s.step()  # early retry, crashes
    bad.clear()
    clock.t = s.flows["a"].next_due
    s.step()  # recovers
    assert s.flows["a"].last_status == "ok"
    for _ in range(2):
        clock.t += 1
        s.notify("a")
        assert s.due() == ["a"]
        s.finished("a", "ok")


def test_a_round_a_notice_starts_early_is_urgent_and_a_full_round_comes_each_interval() -> None:
    s, clock, _ = make({"a": 60}, jitter=0)
    clock.t += 1
    assert s.due() == ["a"] and not s.urgent("a")  # the first round is a full one
    s.finished("a", "ok")
    full_at = clock.t + 60
    for _ in range(4):  # a webhook every 20 s: each round starts early
        clock.t += 20
        s.notify("a")
        assert s.due() == ["a"]
        assert s.urgent("a") == (clock.t < full_at)
        was_full = not s.urgent("a")
        s.finished("a", "ok")
        if was_full:  # however many notices come, a full round once an interval
            full_at = clock.t + 60
    assert s.flows["a"].full_due == full_at


def test_waiting_says_a_notice_came_during_the_round() -> None:
    s, clock, _ = make({"a": 60})
    clock.t += 1
    assert s.due() == ["a"]
    assert not s.waiting("a")
    s.notify("a")
    assert s.waiting("a")
    s.finished("a", "ok")
    assert not s.waiting("a")  # not running: nothing waits for it
    assert s.due() == ["a"] and not s.waiting("a")
