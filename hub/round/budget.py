"""Client-side request budgets: stay under a service's documented limit instead of hitting it;
and holds: wait out the ``Retry-After`` a service last gave, across rounds.

A sliding window per endpoint: before a request, :meth:`Budget.reserve` says how long to wait
so that at most ``requests`` fall in any ``per_seconds`` window. The clock is injectable so
tests (and the state machine) never sleep for real.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from adapters.base import RequestBudget
from adapters.ratewindow import SlidingWindow


class Budget:
    def __init__(self, limit: RequestBudget, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._window = SlidingWindow(limit.requests, limit.per_seconds, clock)

    def _charge(self, calls: int) -> int:
        return max(1, calls) if self.limit.batch_calls else 1

    def reserve(self, calls: int = 1) -> float:
        """Record one request; return the seconds to wait before sending it (0 if none).
        A batch request of ``calls`` calls costs that many where the service counts each call
        (:attr:`RequestBudget.batch_calls`), else one."""
        return self._window.reserve(self._charge(calls))

    def settle(self, calls: int = 1) -> None:
        """The request reserved last has been answered: it counts from now (see
        :meth:`adapters.ratewindow.SlidingWindow.settle`)."""
        self._window.settle(self._charge(calls))


_BUDGETS: weakref.WeakKeyDictionary[object, Budget] = weakref.WeakKeyDictionary()


def budget_for(adapter: object, limit: RequestBudget,
               clock: Callable[[], float] = time.monotonic) -> Budget:
    """The budget of one adapter object, shared by every round that uses it (a daemon keeps
    its adapters, so a 15-minute window really spans 15 minutes of rounds)."""
    b = _BUDGETS.get(adapter)
    if b is None or b.clock is not clock or b.limit != limit:
        b = Budget(limit, clock)
        _BUDGETS[adapter] = b
    return b


class Hold:
    """Until when a service asked us to wait (its last ``Retry-After``), on ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.until = 0.0

    def extend(self, seconds: float) -> None:
        self.until = max(self.until, self.clock() + max(seconds, 0.0))

    def remaining(self) -> float:
        return max(0.0, self.until - self.clock())


_HOLDS: weakref.WeakKeyDictionary[object, Hold] = weakref.WeakKeyDictionary()


def hold_for(adapter: object, clock: Callable[[], float] = time.monotonic) -> Hold:
    """The ``Retry-After`` hold of one adapter object, shared by every round that uses it: a
    round that starts early (a webhook, a short interval) must still wait out the last one."""
    h = _HOLDS.get(adapter)
    if h is None or h.clock is not clock:
        h = Hold(clock)
        _HOLDS[adapter] = h
    return h
