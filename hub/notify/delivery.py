"""Deliveries off the round's thread: a bounded queue and one worker.

A message must never break or slow down a sync round, so a round only puts it in the queue
and goes on. The worker sends each with a bounded number of attempts (tenacity, waits
doubling up to a cap); a message that still fails is logged (masked: the text of a failure
can quote the address, and a webhook address is its token) and given up: the next incident
is told anew. A full queue (a receiver down for long, hundreds of messages) drops the new
message with a warning instead of growing without end.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import Retrying, stop_after_attempt, wait_exponential

from hub.notify.message import Message

log = logging.getLogger("synchub.notify")

Send = Callable[[str, Message], None]


@dataclass(frozen=True)
class Attempts:
    """How often and how patiently one message is tried."""

    count: int = 4
    first_wait: float = 2.0  # seconds, doubling
    max_wait: float = 60.0


DEFAULT_ATTEMPTS = Attempts()


class Deliveries:
    def __init__(self, send: Send, redact: Callable[[str], str], *,
                 attempts: Attempts = DEFAULT_ATTEMPTS, size: int = 100) -> None:
        self._send = send
        self._redact = redact
        self._attempts = attempts
        self._queue: queue.Queue[tuple[str, Message] | None] = queue.Queue(maxsize=size)
        self._stop = threading.Event()  # ends waits between attempts at shutdown
        self._thread = threading.Thread(target=self._work, name="synchub-notify", daemon=True)
        self._thread.start()
        self.sent = 0
        self.failed = 0

    def submit(self, target: str, msg: Message) -> None:
        """Queue ``msg`` for ``target``; returns at once."""
        try:
            self._queue.put_nowait((target, msg))
        except queue.Full:
            log.warning("notification for %s dropped: %d messages are still waiting",
                        target, self._queue.maxsize)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                self._deliver(*job)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _deliver(self, target: str, msg: Message) -> None:
        a = self._attempts
        retrying = Retrying(stop=stop_after_attempt(a.count), reraise=True,
                            wait=wait_exponential(multiplier=a.first_wait, max=a.max_wait),
                            sleep=self._pause)
        try:
            retrying(self._send, target, msg)
        except Exception as exc:
            self.failed += 1
            log.warning("notification to %s not delivered after %d attempts: %s: %s", target,
                        a.count, type(exc).__name__, self._redact(str(exc)))
        else:
            self.sent += 1
            log.info("notification sent to %s: %s", target, msg.subject)

    def _pause(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def close(self, timeout: float) -> bool:
        """Send what is queued (up to ``timeout`` seconds), then stop the worker; True when
        everything queued was handled in time."""
        done = threading.Event()

        def joined() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=joined, daemon=True).start()
        finished = done.wait(timeout)
        self._stop.set()  # no more waiting between attempts
        if finished:
            self._queue.put(None)
            self._thread.join(timeout=1)
        return finished
