"""Jira Cloud's burst rate limit, as the emulator enforces it (off unless switched on).

What Jira Cloud documents (developer.atlassian.com/cloud/jira/platform/rate-limiting and
".../build-an-app-that-respects-rate-limits", 2026): API-token traffic is governed by the
*burst* limits (the points-based hourly quota applies to Forge, Connect and OAuth apps only),
enforced per tenant, per endpoint and per HTTP method with a token bucket, so a short burst
passes and a sustained rate is held to the steady-state limit. Over it, Jira answers
``429 Too Many Requests`` with

- ``Retry-After``: seconds to wait before sending again (sooner earns the same or longer);
- ``X-RateLimit-Reset``: when the limit resets, the request's time plus ``Retry-After``, as
  ``yyyy-MM-ddTHH:mmZ``;
- ``X-RateLimit-Limit`` / ``X-RateLimit-Remaining``: the bucket's size and what is left;
- ``RateLimit-Reason``: which limit it was, here ``jira-burst-based``;
- ``X-RateLimit-NearLimit: true`` on answers while less than 20% of the budget remains.

The exact numbers are not published ("the computation logic is evolving continuously"), so
:class:`BurstLimit` takes them as parameters; the defaults (a bucket of 100 refilled at 10 a
second per endpoint and method) are in the range integrators report. The bucket runs on the
real monotonic clock, not on the emulator's movable one, so moving the service's clock on
(as the benches do between rounds) never refills it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: an issue id or key in a path: one endpoint whatever the issue (the limit is per endpoint)
_ISSUE = re.compile(r"/issue/[^/]+")


def endpoint(method: str, path: str) -> str:
    """The endpoint a request counts against: ``PUT /rest/api/3/issue/{key}`` for every
    issue, the bulk create apart from the single one."""
    if not path.endswith("/issue/bulk"):
        path = _ISSUE.sub("/issue/{key}", path)
    return f"{method} {path}"


@dataclass
class BurstLimit:
    capacity: int = 100  # the burst: requests one endpoint takes at once
    rate: float = 10.0  # the steady state: requests per second it refills
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, when
    _lock: threading.Lock = field(default_factory=threading.Lock)
    limited: int = 0  # 429s answered (for benches)

    def take(self, method: str, path: str) -> tuple[float, float]:
        """Spend a token of the request's endpoint: (seconds to wait, 0 when it may go
        now; the tokens left)."""
        key = endpoint(method, path)
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0, tokens - 1.0
            self._buckets[key] = (tokens, now)
            self.limited += 1
            return (1.0 - tokens) / self.rate, tokens

    def headers(self, wait: float, left: float, now: dt.datetime) -> dict[str, str]:
        """Jira's headers for an answer: the 429's set when ``wait`` > 0, else only the
        near-limit flag when under 20% remains."""
        if wait <= 0:
            return {"X-RateLimit-NearLimit": "true"} if left < 0.2 * self.capacity else {}
        seconds = max(1, math.ceil(wait))  # Retry-After is whole seconds
        reset = now + dt.timedelta(seconds=seconds)
        return {"Retry-After": str(seconds), "X-RateLimit-Reset": reset.strftime(
                    "%Y-%m-%dT%H:%MZ"),
                "X-RateLimit-Limit": str(self.capacity),
                "X-RateLimit-Remaining": str(int(left)),
                "RateLimit-Reason": "jira-burst-based", "X-RateLimit-NearLimit": "true"}
