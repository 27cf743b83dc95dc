"""Todoist's per-user request limits, as the emulator enforces them (on by default; off with
``TodoistEmulator.set_quota(None)``).

What Todoist documents (developer.todoist.com/api/v1 "Request limits", 2026): for each user
at most 1,000 partial sync requests and 100 full sync requests within a 15 minute period;
up to 100 commands batched in one request "still count as one"; a 1 MiB body. The REST
pages of the same API say 1,000 requests a user per 15 minutes, and Doist's maintainers
answer the same for the SDK (Doist/todoist-api-python#155: "1k requests per 15m", no daily
limit). So here every request of the token's user counts against one window of 1,000, and a
full sync (``sync_token=*``) against a window of 100 as well.

Over a limit Todoist answers 429 with the body (Doist/todoist-python#100,
Doist/todoist-api-python#155)::

    {"error": "Too many requests. Limits reached. Try again later", "error_code": 35,
     "error_extra": {"event_id": "...", "retry_after": 66}, "error_tag": "LIMITS_REACHED",
     "http_code": 429}

``retry_after`` in seconds, with a ``Retry-After`` header of the same (the maintainers point
at the header's seconds form). A refused request is not counted. The windows run on the real
monotonic clock (the client's pacing runs on the same), not on the emulator's movable clock.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.ratewindow import SlidingWindow

REQUESTS, FULL_SYNCS, WINDOW = 1000, 100, 900.0


@dataclass
class TodoistQuota:
    requests: int = REQUESTS
    full_syncs: int = FULL_SYNCS
    per_seconds: float = WINDOW
    clock: Callable[[], float] = time.monotonic
    limited: int = 0  # 429s answered (for benches)
    counted: int = 0  # requests admitted
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.all = SlidingWindow(self.requests, self.per_seconds, self.clock)
        self.full = SlidingWindow(self.full_syncs, self.per_seconds, self.clock)

    def admit(self, full_sync: bool) -> float:
        """Count one request if both its windows have room (0.0); else the seconds until
        they have (the request is refused and not counted)."""
        with self._lock:
            wait = max(self.all.until_room(), self.full.until_room() if full_sync else 0.0)
            if wait > 0:
                self.limited += 1
                return wait
            self.all.admit()
            if full_sync:
                self.full.admit()
            self.counted += 1
            return 0.0


def limits_reached(wait: float) -> tuple[dict[str, Any], dict[str, str]]:
    """Todoist's 429 body and headers for a wait of ``wait`` seconds (whole seconds, >= 1)."""
    seconds = max(1, math.ceil(wait))
    body = {"error": "Too many requests. Limits reached. Try again later", "error_code": 35,
            "error_extra": {"event_id": uuid.uuid4().hex, "retry_after": seconds},
            "error_tag": "LIMITS_REACHED", "http_code": 429}
    return body, {"Retry-After": str(seconds)}
