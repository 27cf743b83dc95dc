"""The client's side of Todoist's per-user request limits: never send what Todoist would
refuse.

Todoist counts every request of a user (1,000 a 15 minutes), full syncs apart as well (100 a
15 minutes), and a batch of up to 100 commands as one request (the limits and their sources:
:mod:`adapters.todoist.emu_quota`). The hub's per-call budget cannot count this: one adapter
call (a listing) may make several requests, one of them a full sync. So the client paces
itself, per request, in two sliding windows shared by every client of the same user
(:func:`pacing_for`, keyed by the URL and a hash of the token, never the token), and the
adapter declares no ``request_budget``. Each request counts from its answer
(:meth:`adapters.ratewindow.SlidingWindow.settle`), so the windows never run ahead of
Todoist's, which counts on arrival. A 429 that comes anyway (another client of the same
account) is :class:`hub.errors.RateLimited` with Todoist's ``retry_after``: the executor holds
the endpoint that long and tries again.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable

from adapters.ratewindow import SlidingWindow, foreground

REQUESTS, FULL_SYNCS, WINDOW = 1000, 100, 900.0


class Pacing:
    def __init__(self, requests: int = REQUESTS, full_syncs: int = FULL_SYNCS,
                 per_seconds: float = WINDOW, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.all = SlidingWindow(requests, per_seconds, clock)
        self.full = SlidingWindow(full_syncs, per_seconds, clock)
        self.sleep = sleep  # injectable: tests never sleep
        self.waited = 0.0  # seconds slept to stay under the limits (benches report it)
        self.lock = threading.Lock()

    def before(self, full_sync: bool) -> None:
        """Reserve a place for one request in its windows; sleep until it may go."""
        with self.lock, foreground():  # it sleeps once, then sends: always recorded
            wait = self.all.reserve()
            if full_sync:
                wait = max(wait, self.full.reserve())
            self.waited += wait
        if wait > 0:
            self.sleep(wait)

    def after(self, full_sync: bool) -> None:
        """The request was answered (or failed): it counts from now."""
        with self.lock:
            self.all.settle()
            if full_sync:
                self.full.settle()


_PACINGS: weakref.WeakValueDictionary[tuple[str, str], Pacing] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()


def pacing_for(base_url: str, token: str) -> Pacing:
    """The one pacing of a Todoist user while any client of it lives."""
    key = (base_url.rstrip("/"), hashlib.sha256(token.encode()).hexdigest())
    with _LOCK:
        pacing = _PACINGS.get(key)
        if pacing is None:
            pacing = Pacing()
            _PACINGS[key] = pacing
        return pacing
