"""A sliding window of requests: at most ``limit`` in any ``per_seconds``.

One implementation for both sides of a rate limit: the hub's client-side budget
(:class:`hub.round.budget.Budget` asks :meth:`SlidingWindow.reserve` how long to wait, so it stays
under a service's documented limit) and the emulators' server-side limits (Notion's requests a
second, Todoist's partial syncs a quarter-hour ask :meth:`SlidingWindow.admit` and answer
429 when it refuses). It depends on nothing else in synchub, so ``hub`` may import it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """The times of the requests sent in the last ``per_seconds``, on an injectable clock
    (tests and the state machine never sleep)."""

    def __init__(self, limit: float, per_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.per_seconds = per_seconds
        self.clock = clock
        self._sent: deque[float] = deque()

    def _drop_old(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.per_seconds:
            self._sent.popleft()

    def reserve(self, n: int = 1) -> float:
        """Record ``n`` requests (or calls) sent together; return the seconds to wait before
        sending them (0 if none). They count from when they will be sent, so waits queue up
        behind each other. ``n`` above the limit is the limit (the whole window)."""
        now = self.clock()
        self._drop_old(now)
        n = max(1, min(n, int(self.limit)))
        over = len(self._sent) + n - int(self.limit)  # how many must leave the window first
        at = now
        if over > 0:
            at = max(at, self._sent[over - 1] + self.per_seconds)
        if self._sent:
            at = max(at, self._sent[-1])  # in the order reserved: the stamps stay sorted
        self._sent.extend([at] * n)
        return at - now

    def settle(self, n: int = 1) -> None:
        """The last ``n`` reserved requests were answered just now: they count from now, the
        latest moment the service can have counted them (it counts on arrival, and a batch's
        calls one by one while it works through them). Keeps a client-side budget behind the
        service's own window however long a request took."""
        now = self.clock()
        n = max(0, min(n, int(self.limit), len(self._sent)))
        last = [self._sent.pop() for _ in range(n)]
        self._sent.extend(max(t, now) for t in reversed(last))

    def admit(self) -> bool:
        """Record one request if the window has room (True); else record nothing (False:
        the server answers 429, with :meth:`until_room` as its ``Retry-After``)."""
        now = self.clock()
        self._drop_old(now)
        if len(self._sent) >= self.limit:
            return False
        self._sent.append(now)
        return True

    def until_room(self) -> float:
        """Seconds until the window has room for one more request (0: it has)."""
        now = self.clock()
        self._drop_old(now)
        if len(self._sent) < self.limit:
            return 0.0
        return max(self._sent[0] + self.per_seconds - now, 0.0)
