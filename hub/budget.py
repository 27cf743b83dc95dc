"""Client-side request budgets: stay under a service's documented limit instead of hitting it.

A sliding window per endpoint: before a request, :meth:`Budget.reserve` says how long to wait
so that at most ``requests`` fall in any ``per_seconds`` window. The clock is injectable so
tests (and the state machine) never sleep for real.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable

from adapters.base import RequestBudget


class Budget:
    def __init__(self, limit: RequestBudget, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._sent: deque[float] = deque()

    def reserve(self) -> float:
        """Record one request; return the seconds to wait before sending it (0 if none)."""
        now = self.clock()
        window = self.limit.per_seconds
        while self._sent and self._sent[0] <= now - window:
            self._sent.popleft()
        wait = 0.0
        if len(self._sent) >= self.limit.requests:
            wait = self._sent[0] + window - now
        self._sent.append(now + wait)
        return max(wait, 0.0)


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
