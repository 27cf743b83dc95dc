"""A sliding window of requests: at most ``limit`` in any ``per_seconds``.

One implementation for both sides of a rate limit: the hub's client-side budget
(:class:`hub.round.budget.Budget` asks :meth:`SlidingWindow.reserve` how long to wait, so it stays
under a service's documented limit) and the emulators' server-side limits (Notion's requests a
second, Todoist's partial syncs a quarter-hour ask :meth:`SlidingWindow.admit` and answer
429 when it refuses). It depends on nothing else in synchub, so ``hub`` may import it.

Who goes first (:class:`Urgency`, :func:`urgency`, :func:`background`): a daemon round that a
webhook started is *urgent* (someone just edited an item and waits to see it arrive), and a
request made for background work (the comment pass's reads, its sweep) is *background*. A
background request takes a place only where it keeps room for the others: under
:data:`BACKGROUND_SHARE` of a sliding window's limit here, behind every request already
waiting in Notion's pacer (:class:`adapters.notion.client.Pacer`). Context variables, so the
adapters deep below a round see them without every call passing them on; each round runs in
its own thread, and a thread starts with none set (a ``synchub sync`` is neither).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: the share of a window's limit background requests may fill: the rest is kept for the
#: requests of an urgent round or an item write, which then need not wait for the window
BACKGROUND_SHARE = 0.8


@dataclass(frozen=True)
class Urgency:
    """What the daemon tells a round: ``urgent`` when a change notice (a webhook) started it
    before its interval was up, so it does only what the notice needs (no comment sweep, no
    periodic reconcile); ``waiting()`` is True once another notice for the flow is waiting
    for this round to end, so background work stops at its next step and leaves the rest
    to a later round."""

    urgent: bool = False
    waiting: Callable[[], bool] = lambda: False


_CALM = Urgency()
_URGENCY: contextvars.ContextVar[Urgency | None] = contextvars.ContextVar("synchub_urgency",
                                                                          default=None)
_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("synchub_background",
                                                                   default=False)


def current_urgency() -> Urgency:
    """The round's :class:`Urgency` (not urgent, nothing waiting, outside a daemon round)."""
    return _URGENCY.get() or _CALM


@contextlib.contextmanager
def _setting(var: contextvars.ContextVar[Any], value: Any) -> Iterator[None]:
    """``var`` is ``value`` inside, what it was after."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def urgency(value: Urgency) -> contextlib.AbstractContextManager[None]:
    """Run a round under ``value`` (the daemon wraps each round in it)."""
    return _setting(_URGENCY, value)


def background() -> contextlib.AbstractContextManager[None]:
    """Requests made inside are background work: they leave room for everyone else."""
    return _setting(_BACKGROUND, True)


def foreground() -> contextlib.AbstractContextManager[None]:
    """Reservations made inside always take their place, background or not: for a pacer
    that sleeps once and then sends (a background reservation that waits is not recorded,
    and is meant to be asked again)."""
    return _setting(_BACKGROUND, False)


def in_background() -> bool:
    return _BACKGROUND.get()


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
        behind each other. ``n`` above the limit is the limit (the whole window). Inside
        :func:`background` the window counts as full at :data:`BACKGROUND_SHARE` of its
        limit, so the rest stays free for requests that must not wait, and a background request
        that must wait is not recorded: the caller waits what this answers and asks again."""
        now = self.clock()
        self._drop_old(now)
        limit = int(self.limit)
        if in_background():
            limit = max(1, int(self.limit * BACKGROUND_SHARE))
        n = max(1, min(n, limit))
        over = len(self._sent) + n - limit  # how many must leave the window first
        at = now
        if over > 0:
            at = max(at, self._sent[over - 1] + self.per_seconds)
        if self._sent:
            at = max(at, self._sent[-1])  # in the order reserved: the stamps stay sorted
        if at > now and in_background():
            # Not recorded: a place taken in the queue now would make a request that comes
            # later, and must not wait, queue behind it. Asked again after the wait.
            return at - now
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
