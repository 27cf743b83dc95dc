"""The integration's pacer serves urgent requests first (issue 17): a background request (the
comment pass's reads) takes only a slot nobody asked for, so a write or an urgent round's
request that comes while it waits goes ahead of it. Fake clock, nothing sleeps."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from adapters.notion.client import Pacer
from adapters.ratewindow import background


class Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.on_sleep: Callable[[], None] | None = None

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s
        hook, self.on_sleep = self.on_sleep, None
        if hook is not None:
            hook()  # another thread asking while this one sleeps


def test_a_request_that_comes_while_a_background_one_waits_goes_first() -> None:
    clock = Clock()
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep)
    sent: list[tuple[str, float]] = []
    pacer.wait()  # a slot is taken: the next one is 0.35 s away
    sent.append(("write", clock.t))

    def urgent_arrives() -> None:  # a write asks while the background request sleeps
        pacer.wait()
        sent.append(("urgent", clock.t))

    clock.on_sleep = urgent_arrives
    with background():
        pacer.wait()
    sent.append(("background", clock.t))
    assert [who for who, _ in sent] == ["write", "urgent", "background"]
    # the urgent one got the slot the background one was waiting for
    assert sent[1][1] == sent[0][1] + pacer.interval
    assert sent[2][1] == sent[1][1] + pacer.interval


def test_background_requests_alone_keep_the_pace() -> None:
    clock = Clock()
    pacer = Pacer(3.0, clock=clock, sleep=clock.sleep)
    times = []
    with background():
        for _ in range(4):
            pacer.wait()
            times.append(clock.t)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(abs(g - pacer.interval) < 1e-9 for g in gaps)
