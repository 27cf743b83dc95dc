"""Warnings that a burst from outside cannot turn into a flood of log lines.

A rejected webhook is worth a line: a wrong secret or a misconfigured service shows up there
first. But whoever can reach the port can also send thousands of bad deliveries a second, and a
line for each (1.1 MB of log in 5 s in issue 11) buries everything else and fills the disk. So
each *key* (a connection and a status, say) gets at most one line per period; what was held back
is told as one summary line once the period is over ("499 more rejected deliveries for jira
(401) in the last 10s"). Metrics still count every event: the log is for people, the counters are
for totals.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

PERIOD = 10.0  # seconds: one line per key per period


@dataclass
class _Window:
    start: float
    subject: str
    held: int = 0  # lines not written since ``start``


class RateLimitedLog:
    """At most one warning per key per ``period``, then a summary of the ones held back.

    Summaries are written by :meth:`flush`, which every :meth:`warning` call runs first (so a
    later event always reports an earlier burst), and which the first line held back in a
    window schedules for the window's end when called in an event loop, so a burst that simply
    stops is reported too. Single-threaded by design: the web server calls it from its event
    loop only."""

    def __init__(self, logger: logging.Logger, period: float = PERIOD,
                 clock: Callable[[], float] = time.monotonic,
                 summary: str = "%d more rejected deliveries for %s in the last %ds") -> None:
        self.logger = logger
        self.summary = summary  # held-back count, subject, seconds
        self.period = period
        self.clock = clock
        self._windows: dict[Hashable, _Window] = {}

    def warning(self, key: Hashable, subject: str, msg: str, *args: object) -> int:
        """Write ``msg % args`` unless ``key`` had a line in the current period.

        ``subject`` names what is counted in the summary line ("jira (401)"). Returns how
        many events of this key have been held back in the current window: 0 means the line
        was written."""
        held = self.admit(key, subject)
        if not held:
            self.logger.warning(msg, *args)
        return held

    def admit(self, key: Hashable, subject: str) -> int:
        """Count an event of ``key``: 0 when its line should be written now, else how many
        have been held back in the current window (:meth:`warning` without the writing, for
        a :class:`RateLimitFilter` that sees lines someone else writes)."""
        now = self.clock()
        self.flush(now)
        window = self._windows.get(key)
        if window is None:
            self._windows[key] = _Window(start=now, subject=subject)
            return 0
        window.held += 1
        if window.held == 1:
            self._schedule_flush(key)
        return window.held

    def _schedule_flush(self, key: Hashable) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain caller): the next warning() flushes
            return
        # A little past the end, so the window is over by the time the timer runs.
        loop.call_later(self.remaining(key) + 0.05, self.flush)

    def remaining(self, key: Hashable) -> float:
        """Seconds until the window of ``key`` ends (0 when it has none)."""
        window = self._windows.get(key)
        if window is None:
            return 0.0
        return max(window.start + self.period - self.clock(), 0.0)

    def flush(self, now: float | None = None) -> None:
        """Close the windows whose period is over, writing a summary for each that held
        lines back."""
        now = self.clock() if now is None else now
        for key, window in list(self._windows.items()):
            if now - window.start < self.period:
                continue
            del self._windows[key]
            if window.held:
                self.logger.warning(self.summary, window.held, window.subject,
                                    round(now - window.start))


class RateLimitFilter(logging.Filter):
    """Rate-limits the WARNING lines of a logger we do not write to ourselves: uvicorn's
    ``uvicorn.error`` writes one for every malformed request ("Invalid HTTP request
    received."), which a burst of garbage turns into a flood like the rejections above.
    Lines are told apart by their message template; other levels pass untouched."""

    def __init__(self, logger: logging.Logger, period: float = PERIOD,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.limiter = RateLimitedLog(logger, period, clock,
                                      summary='%d more "%s" lines held back in the last %ds')

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or record.msg is self.limiter.summary:
            return True
        return self.limiter.admit(record.msg, str(record.msg)) == 0
