"""Prometheus metrics of the daemon, in a registry of its own (tests create many daemons)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from hub.engine import RoundReport
from hub.errors import RateLimited


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rounds = Counter("synchub_rounds", "Sync rounds run", ["flow", "status"], registry=r)
        self.writes = Counter("synchub_writes", "Successful writes", ["flow", "service"],
                              registry=r)
        self.errors = Counter("synchub_errors", "Errors by class", ["flow", "service", "kind"],
                              registry=r)
        self.retries = Counter("synchub_retries", "Retried requests", ["flow", "service"],
                               registry=r)
        self.rate_wait = Counter("synchub_rate_limit_wait_seconds",
                                 "Seconds spent waiting for Retry-After or budgets",
                                 ["flow", "service"], registry=r)
        self.conflicts = Gauge("synchub_open_conflicts", "Conflicts waiting for a decision",
                               ["flow"], registry=r)
        self.items = Gauge("synchub_items", "Linked items per flow", ["flow"], registry=r)
        self.duration = Histogram("synchub_round_duration_seconds", "Round duration",
                                  ["flow"], registry=r,
                                  buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300))
        self.notices = Counter("synchub_webhook_notices", "Webhook deliveries",
                               ["service", "result"], registry=r)

    def observe_round(self, report: RoundReport, seconds: float, links: int,
                      open_conflicts: int) -> None:
        flow = report.flow
        self.rounds.labels(flow, report.status).inc()
        self.duration.labels(flow).observe(seconds)
        for svc, n in report.writes.items():
            self.writes.labels(flow, svc).inc(n)
        for svc, err in report.errors:
            self.errors.labels(flow, svc or "-", type(err).__name__).inc()
            if isinstance(err, RateLimited):
                self.rate_wait.labels(flow, svc or "-").inc(0)
        for svc, secs in report.waits:
            self.retries.labels(flow, svc).inc()
            self.rate_wait.labels(flow, svc).inc(secs)
        self.items.labels(flow).set(links)
        self.conflicts.labels(flow).set(open_conflicts)

    def render(self) -> bytes:
        return generate_latest(self.registry)
