"""When each flow's next round runs.

Rules: every flow runs at its interval plus jitter (so twenty flows started together do not hit
the services together); a change notice makes a flow due at once, and a burst of notices is
one round (coalesced); rounds of one flow never overlap (a notice during a round schedules
exactly one follow-up round); flows run side by side up to ``concurrency``; a round that
crashes is retried with exponential back-off (from ``base_backoff`` doubling up to
``max_backoff``, whatever the flow's interval; reset by a good round), and one failing flow
never stops the others. Notices are hints, so during back-off they buy at most one early
retry: a service sending webhooks while the flow keeps crashing must not undo the back-off.

A round a notice started before the flow's interval was up is *urgent* (:meth:`urgent`): it
does only what the notice needs, and background work (the comment sweep, periodic
reconciles) waits for the next *full* round, the first one to start once the interval since
the last full round has passed, however many notices come. While a round runs,
:meth:`waiting` says whether a notice is waiting for it to end, so its background work
stops early (:class:`adapters.ratewindow.Urgency`).

The scheduler is a plain object driven by :meth:`Scheduler.step` with an injectable clock, so
its behaviour is tested without threads or sleeping; :meth:`Scheduler.serve` runs it for real.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from hub.status import RoundStatus

log = logging.getLogger("synchub.daemon")


@dataclass
class FlowSchedule:
    name: str
    interval: float  # seconds
    next_due: float = 0.0
    running: bool = False
    rerun: bool = False  # a notice arrived during the round
    failures: int = 0
    last_started: float | None = None
    last_finished: float | None = None
    last_status: str = "never run"
    last_error: str | None = None
    early_retry_used: bool = False  # a notice already cut this crash streak's back-off short
    full_due: float = 0.0  # a round starting from then on is a full round, not an urgent one
    urgent: bool = False  # the round running (or last run) was started early by a notice


@dataclass
class Scheduler:
    run_round: Callable[[str], str]  # flow -> status; raising counts as a crashed round
    intervals: dict[str, float]
    concurrency: int = 2
    jitter: float = 0.1  # share of the interval
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    base_backoff: float = 5.0  # seconds before the first retry of a crashed round
    max_backoff: float = 300.0
    flows: dict[str, FlowSchedule] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        now = self.clock()
        # First rounds are spread over a short window instead of all starting at once.
        self.flows = {
            name: FlowSchedule(name, iv, next_due=now + self.rng.uniform(0, min(iv, 5.0) *
                                                                          self.jitter))
            for name, iv in self.intervals.items()
        }

    # -- inputs -------------------------------------------------------------------------------

    def notify(self, flow: str) -> None:
        """A change notice for ``flow``: run it now, or right after the round in progress."""
        with self._lock:
            fs = self.flows.get(flow)
            if fs is None:
                return
            if fs.running:
                fs.rerun = True  # finished() decides, knowing whether the round crashed
            elif fs.failures == 0:
                fs.next_due = min(fs.next_due, self.clock())
            elif not fs.early_retry_used:
                fs.early_retry_used = True
                fs.next_due = min(fs.next_due, self.clock())
            else:
                return  # backing off, and the one early retry is spent
        self._wake.set()

    # -- decisions ----------------------------------------------------------------------------

    def due(self) -> list[str]:
        """Flows to start now (not running, due, within the concurrency limit)."""
        now = self.clock()
        with self._lock:
            free = self.concurrency - sum(fs.running for fs in self.flows.values())
            ready = sorted((fs for fs in self.flows.values()
                            if not fs.running and fs.next_due <= now),
                           key=lambda fs: fs.next_due)
            chosen = ready[:max(free, 0)]
            for fs in chosen:
                fs.running = True
                fs.last_started = now
                fs.urgent = now < fs.full_due
            return [fs.name for fs in chosen]

    def finished(self, flow: str, status: str | None, error: BaseException | None = None
                 ) -> None:
        now = self.clock()
        with self._lock:
            fs = self.flows[flow]
            fs.running = False
            fs.last_finished = now
            if error is not None:
                fs.failures += 1
                fs.last_status = RoundStatus.CRASHED
                fs.last_error = f"{type(error).__name__}: {error}"
                delay = self.backoff(fs.failures)
                rerun = fs.rerun and not fs.early_retry_used
                fs.early_retry_used = fs.early_retry_used or rerun
            else:
                fs.failures = 0
                fs.early_retry_used = False
                fs.last_status = status or RoundStatus.OK
                fs.last_error = None
                delay = fs.interval * (1 + self.rng.uniform(-self.jitter, self.jitter))
                rerun = fs.rerun
                if not fs.urgent:
                    fs.full_due = now + delay
            fs.next_due = now if rerun else now + delay
            fs.rerun = False
        self._wake.set()

    def urgent(self, flow: str) -> bool:
        """Whether ``flow``'s round in progress was started early by a notice (see the module
        docstring): it leaves background work to the next full round."""
        with self._lock:
            fs = self.flows.get(flow)
            return fs is not None and fs.running and fs.urgent

    def waiting(self, flow: str) -> bool:
        """Whether a notice for ``flow`` came during its round in progress (a round is due
        as soon as this one ends)."""
        with self._lock:
            fs = self.flows.get(flow)
            return fs is not None and fs.running and fs.rerun

    def backoff(self, failures: int) -> float:
        """Seconds before retrying after ``failures`` crashes in a row (jittered up to
        ``jitter``, so flows that crashed together do not retry together)."""
        delay = self.base_backoff * 2.0 ** min(failures - 1, 32)
        return min(self.max_backoff, delay * (1 + self.rng.uniform(0, self.jitter)))

    def seconds_until_next(self) -> float:
        now = self.clock()
        with self._lock:
            waiting = [fs.next_due - now for fs in self.flows.values() if not fs.running]
        return max(0.0, min(waiting, default=60.0))

    # -- running ------------------------------------------------------------------------------

    def _run(self, flow: str) -> None:
        try:
            status = self.run_round(flow)
        except Exception as exc:  # a crashed round is retried with back-off, others go on
            log.exception("round of flow %s crashed", flow)
            self.finished(flow, None, exc)
        else:
            self.finished(flow, status)

    def step(self, pool: ThreadPoolExecutor | None = None) -> list[Future[None] | None]:
        """Start every due flow (in ``pool``, or inline when None). Returns their futures."""
        if pool is None:
            started: list[Future[None] | None] = []
            for flow in self.due():
                self._run(flow)
                started.append(None)
            return started
        return [fut for _flow, fut in self.step_named(pool)]

    def step_named(self, pool: ThreadPoolExecutor) -> list[tuple[str, Future[None]]]:
        """Start every due flow in ``pool``; returns (flow, future) pairs."""
        return [(flow, pool.submit(self._run, flow)) for flow in self.due()]

    def serve(self, stop: threading.Event, grace: float = 20.0) -> list[str]:
        """Run until ``stop`` is set; then give rounds in flight ``grace`` seconds to finish.

        Rounds see ``stop`` through their own ``should_stop`` and end after the write they are
        making. The pool is never waited on past the grace period (its ``with`` block would
        wait for every round, however long): returns the flows whose rounds were still running
        then, an empty list when every round finished in time. Their threads keep running
        until they notice ``stop``; the caller decides whether to leave without them."""
        # ``stop`` must end the idle wait below at once, or the grace period would start
        # up to a second late.
        def wake_on_stop() -> None:
            stop.wait()
            self._wake.set()

        threading.Thread(target=wake_on_stop, daemon=True, name="synchub-stop-watch").start()
        pool = ThreadPoolExecutor(max_workers=self.concurrency,
                                  thread_name_prefix="synchub-round")
        running: dict[Future[None], str] = {}
        try:
            while True:
                self._wake.clear()  # before looking: a notice or stop from now on wakes us
                if stop.is_set():
                    break
                running = {f: n for f, n in running.items() if not f.done()}
                for flow, fut in self.step_named(pool):
                    running[fut] = flow
                self._wake.wait(timeout=min(self.seconds_until_next(), 1.0))
            # In slices: a signal may be delivered to another thread, and a handler only runs
            # when the main thread gets back to Python (a second signal must end us at once).
            deadline = time.monotonic() + grace
            pending = set(running)
            while pending and (left := deadline - time.monotonic()) > 0:
                _done, pending = wait(pending, timeout=min(left, 0.25))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        late = sorted(running[f] for f in pending)
        if late:
            log.warning("rounds still running after the %.0f s grace period: %s", grace,
                        ", ".join(late), extra={"flows": ", ".join(late)})
        return late
