"""The daemon's scheduled report (``report:``): when it is next due, and making it then.

:class:`ReportTimer` is a plain object asked with the time (the daemon's background tick,
once a second), so when it fires is tested without sleeping. The first time is computed
from the moment the daemon starts: a report whose time passed while the daemon was down is
not sent late on start (a restart at 09:05 does not send Monday's 09:00 report twice, nor a
stale one), the next one is on time. The report is made on a thread of its own, so a slow
Notion never holds up the tick that reads webhook notices and renews leases; one report at
a time (a report still going when the next is due skips that one, logged).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.report.schedule import Schedule, next_run

log = logging.getLogger("synchub.daemon")


@dataclass
class ReportTimer:
    schedule: Schedule
    timezone: str
    make: Callable[[dt.datetime], list[str]]  # the report up to this time; where it went
    started: dt.datetime  # when the daemon started (aware)
    next_due: dt.datetime = field(init=False)
    last_sent: dt.datetime | None = field(default=None, init=False)
    last_error: str | None = field(default=None, init=False)
    _busy: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.next_due = next_run(self.schedule, self.started, self.timezone)

    def due(self, now: dt.datetime) -> dt.datetime | None:
        """The scheduled time to report for if it has come (and move on to the next one),
        else None."""
        if now < self.next_due:
            return None
        fired = self.next_due
        self.next_due = next_run(self.schedule, now, self.timezone)
        return fired

    def tick(self, now: dt.datetime, start: Callable[[Callable[[], None]], None] | None = None
             ) -> bool:
        """Start the report when it is due; ``start`` runs it (a new thread by default).
        True when one was started."""
        fired = self.due(now)
        if fired is None:
            return False
        if not self._busy.acquire(blocking=False):
            log.warning("report due at %s skipped: the previous one is still being made",
                        fired.isoformat())
            return False
        (start or _thread)(lambda: self._send(fired))
        return True

    def _send(self, fired: dt.datetime) -> None:
        try:
            where = self.make(fired)
            self.last_sent, self.last_error = fired, None
            log.info("report for %s delivered to %s", fired.isoformat(), ", ".join(where))
        except Exception as exc:  # a failed delivery is logged; the next one is on time
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("report for %s failed", fired.isoformat())
        finally:
            self._busy.release()


def _thread(job: Callable[[], None]) -> None:
    threading.Thread(target=job, name="synchub-report", daemon=True).start()
