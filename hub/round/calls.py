"""Sending requests to a service: paced, retried, and never duplicating a create.

Every request of a round goes through :meth:`Caller.call` (listings, reads, writes, marker
lookups alike), so the service's limits hold for all of them (P12):

- **pacing**: before a request, wait until the endpoint's last ``Retry-After`` has passed
  (a hold that outlives the round, :func:`hub.round.budget.hold_for`) and to stay under its
  documented request budget (:func:`hub.round.budget.budget_for`); an adapter whose one
  call sends several requests (a calendar listing's pages, reads before a batch) paces
  each of them through :mod:`adapters.pacing` instead;
- **retries**: tenacity retries :class:`RateLimited` (waiting the full ``Retry-After``, capped
  by the policy) and :class:`Transient` with exponential back-off; before retrying a failure
  that may have been applied (a create whose answer was lost) ``before_retry`` looks for what
  landed, so a retry never makes a second copy;
- **shutdown**: once ``should_stop`` says so, no request is sent and no retry is made; the
  policy's sleep ends waits early, so a round in back-off ends within the daemon's grace.

The waits and retries are counted in :class:`CallStats` for the round's report and metrics.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_any,
)
from tenacity.stop import stop_base

from adapters.base import PACER, Adapter
from adapters.ratewindow import in_background
from hub.config.models import RetryConfig
from hub.errors import RateLimited, SyncHubError, Transient
from hub.round.budget import Budget, budget_for, hold_for

T = TypeVar("T")


def _nothing() -> None:
    pass


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 900.0  # never wait longer than this for one Retry-After
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_config(cls, cfg: RetryConfig, **kw: Any) -> RetryPolicy:
        """The policy the config's ``retry`` section asks for (``kw``: sleep, clock)."""
        return cls(attempts=cfg.attempts, base_delay=cfg.first_wait.total_seconds(),
                   max_delay=cfg.max_wait.total_seconds(), **kw)


@dataclass
class CallStats:
    waits: list[tuple[str, float]] = field(default_factory=list)  # (endpoint, seconds), all
    #: the part of ``waits`` a service's rate limit caused: its ``Retry-After`` and our
    #: staying under its request budget (the rest is back-off after a transient failure)
    rate_limit_waits: list[tuple[str, float]] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)  # endpoint -> requests sent again

    def bump(self, d: dict[str, int], ep: str) -> None:
        d[ep] = d.get(ep, 0) + 1


class _StopWhen(stop_base):
    """Retry no more once ``should_stop`` says so (a shutdown)."""

    def __init__(self, should_stop: Callable[[], bool] | None) -> None:
        self.should_stop = should_stop

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.should_stop is not None and self.should_stop()


class Caller:
    def __init__(self, adapters: Mapping[str, Adapter], retry: RetryPolicy,
                 should_stop: Callable[[], bool] | None, stats: CallStats) -> None:
        self.adapters = adapters
        self.retry = retry
        #: a shutdown: no request is sent once it is asked for (waits end early through the
        #: policy's sleep), so a round in back-off or under a Retry-After hold ends within
        #: the daemon's grace period instead of sleeping through it
        self.should_stop = should_stop
        self.stats = stats
        self.holds = {name: hold_for(a, clock=retry.clock) for name, a in adapters.items()}
        self.budgets = {
            name: budget_for(a, a.capabilities.request_budget, clock=retry.clock)
            for name, a in adapters.items() if a.capabilities.request_budget is not None
        }

    def _pace(self, endpoint: str, calls: int) -> None:
        """Wait, if needed, until the endpoint's last ``Retry-After`` has passed and to stay
        under its documented request budget (P12); a batch request of ``calls`` calls
        reserves that many where the service counts each call."""
        hold = self.holds[endpoint].remaining() if endpoint in self.holds else 0.0
        if hold > 0:
            self._wait(endpoint, hold, rate_limit=True)
        budget = self.budgets.get(endpoint)
        if budget is not None:
            pause = budget.reserve(calls)
            while pause > 0:
                self._wait(endpoint, pause, rate_limit=True)
                # background work is not queued while it waits (adapters.ratewindow): it
                # asks again, behind whatever more urgent request came meanwhile
                pause = budget.reserve(calls) if in_background() else 0.0

    def _wait(self, endpoint: str, seconds: float, *, rate_limit: bool,
              sleep: bool = True) -> None:
        self.stats.waits.append((endpoint, seconds))
        if rate_limit:
            self.stats.rate_limit_waits.append((endpoint, seconds))
        if sleep:
            self.retry.sleep(seconds)

    def _request(self, endpoint: str, fn: Callable[[], T], calls: int = 1) -> T:
        """One paced request. A ``Retry-After`` it earns holds back *every* later request to
        the endpoint, not only this call's retry: after the last attempt, or after a failed
        marker lookup, the next write to the same service must wait too. An adapter that
        paces each request it sends (``RequestBudget.per_request``) is paced by those
        requests (:mod:`adapters.pacing`), not by ``calls`` up front."""
        budget = self.budgets.get(endpoint)
        if budget is not None and budget.limit.per_request:
            token = PACER.set(functools.partial(self._paced, endpoint, budget))
            try:
                return self._send(endpoint, fn)
            finally:
                PACER.reset(token)
        self._paced(endpoint, None, calls)
        try:
            return self._send(endpoint, fn)
        finally:
            if budget is not None:
                budget.settle(calls)  # counted from its answer: never ahead of the service

    def _paced(self, endpoint: str, budget: Budget | None, calls: int) -> Callable[[], None]:
        """Wait one request's turn; what to call once it is answered (``budget``: settle it
        there, for a request an adapter paces itself)."""
        self._pace(endpoint, calls)
        if self.should_stop is not None and self.should_stop():
            # Never sent (a hold may not have passed): nothing to look for, nothing applied.
            raise Transient("not sent: synchub is stopping", service=endpoint)
        return functools.partial(budget.settle, calls) if budget is not None else _nothing

    def _send(self, endpoint: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except RateLimited as exc:
            if exc.retry_after is not None and endpoint in self.holds:
                self.holds[endpoint].extend(min(exc.retry_after, self.retry.max_retry_after))
            raise

    def call(self, endpoint: str, fn: Callable[[], T], *,
             before_retry: Callable[[], T | None] | None = None, calls: int = 1) -> T:
        """Run ``fn`` with retries. ``before_retry`` may short-cut a retry (a create that had
        landed after all); it runs only after a failure that may have been applied. ``calls``:
        how many calls the request carries (a batch's writes), for the budget."""
        policy = self.retry

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            limited = isinstance(exc, RateLimited) and exc.retry_after is not None
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                delay = min(max(exc.retry_after, 0.0), policy.max_retry_after)
            else:
                delay = min(policy.base_delay * 2 ** (state.attempt_number - 1), policy.max_delay)
            self._wait(endpoint, delay, rate_limit=limited, sleep=False)  # tenacity sleeps
            self.stats.bump(self.stats.retries, endpoint)
            return delay

        found: list[T] = []

        def attempt() -> T:
            if found:
                return found[0]
            return self._request(endpoint, fn, calls)

        def after_failure(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if before_retry is not None and isinstance(exc, Transient) and exc.maybe_applied:
                try:
                    hit = self._request(endpoint, before_retry)  # a request too (P12)
                except SyncHubError as lookup:
                    # Whether the write landed is unknown: trying it again could duplicate.
                    # Stop here as "maybe applied"; recover() looks again next round.
                    raise Transient(f"{exc.message}; looking for its marker failed too: "
                                    f"{lookup.message}", service=exc.service,
                                    maybe_applied=True) from lookup
                if hit is not None:
                    found.append(hit)
                elif self.adapters[endpoint].capabilities.marker_lag > 0:
                    # Not found may only mean "not searchable yet": trying again could make a
                    # second copy. recover() looks again once the search has caught up.
                    raise Transient(f"{exc.message}; its marker is not searchable yet",
                                    service=exc.service, maybe_applied=True)

        retrying = Retrying(
            retry=retry_if_exception_type((RateLimited, Transient)),
            stop=stop_any(stop_after_attempt(policy.attempts), _StopWhen(self.should_stop)),
            wait=wait,
            sleep=policy.sleep,
            before_sleep=after_failure,
            reraise=True,
        )
        return retrying(attempt)
