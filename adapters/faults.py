"""Fault injection shared by the in-memory service and every HTTP emulator.

A :class:`FaultPlan` is a queue of faults that the next matching operations suffer. A fault
with ``count=None`` is persistent (an outage) until :meth:`FaultPlan.clear` is called: the
design asks for persistent outages, not only one-shot failures, because those are what find
lost updates.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 5xx, nothing applied
    TIMEOUT_AFTER_WRITE = "timeout_after_write"  # the write lands, the answer is lost
    OUTAGE = "outage"  # 503 for everything until cleared (use count=None)
    LATENCY = "latency"  # answer slowly (``delay`` seconds)
    LAG = "lag"  # eventual consistency: listings miss changes younger than ``lag_reads`` reads


@dataclass
class Fault:
    kind: FaultKind
    op: str = "*"  # "*", "read", "write", or an operation name ("create", "search", ...)
    count: int | None = 1  # None = persistent
    retry_after: float = 1.0
    delay: float = 0.0
    status: int = 503

    def matches(self, op: str, is_write: bool) -> bool:
        if self.op == "*":
            return True
        if self.op == "write":
            return is_write
        if self.op == "read":
            return not is_write
        return self.op == op


class FaultPlan:
    """Thread-safe: emulators serve requests from worker threads."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.fired: list[tuple[str, FaultKind]] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def inject(self, kind: FaultKind | str, op: str = "*", count: int | None = 1,
               **kw: float) -> None:
        self.add(Fault(FaultKind(kind), op=op, count=count, **kw))  # type: ignore[arg-type]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, op: str, is_write: bool) -> Fault | None:
        """The fault the operation ``op`` suffers now, if any (consuming one-shot ones)."""
        with self._lock:
            for f in self._faults:
                if f.kind is FaultKind.LAG:
                    continue
                if f.matches(op, is_write):
                    if f.count is not None:
                        f.count -= 1
                        if f.count <= 0:
                            self._faults.remove(f)
                    self.fired.append((op, f.kind))
                    return f
        return None

    def lag(self) -> int:
        """How many reads a fresh change stays invisible to listings (0: consistent)."""
        with self._lock:
            return max((int(f.delay) for f in self._faults if f.kind is FaultKind.LAG),
                       default=0)
