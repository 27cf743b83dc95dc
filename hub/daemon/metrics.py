"""Prometheus metrics of the daemon, in a registry of its own (tests create many daemons).

Each metric counts exactly what its name says, from what a round reports:

- ``synchub_rounds_total{flow,status}``: rounds by outcome, ``crashed`` included (a round that
  raised never produced a report, so :meth:`Metrics.observe_crash` records it);
- ``synchub_writes_total{flow,service}``: successful writes;
- ``synchub_errors_total{flow,service,kind}``: errors by class; a crash is ``service="-"``;
- ``synchub_conflicts_settled_total{flow,policy}``: fields edited on two sides and settled by
  the flow's conflict policy (``newest``, ``prefer``) in a round that applied its plan;
  ``synchub_open_conflicts{flow}``: conflicts waiting for a person (``manual``);
- ``synchub_retries_total{flow,service}``: requests sent again after a failure (not pauses);
- ``synchub_rate_limit_waits_total`` / ``synchub_rate_limit_wait_seconds_total{flow,service}``:
  pauses a service's rate limit caused, its ``Retry-After`` or our staying under its request
  budget, without the back-off after transient failures;
- ``synchub_request_waits_total`` / ``synchub_request_wait_seconds_total{flow,service}``: every
  pause before a request, back-off included;
- ``synchub_round_duration_seconds{flow}``, ``synchub_items{flow}`` (linked items), and
  ``synchub_webhook_notices_total{service,result}``;
- ``synchub_last_success_timestamp_seconds{flow,service}``: when the service last answered
  a round of the flow (Unix time, from the state store's health records, so it survives a
  restart): ``time() - synchub_last_success_timestamp_seconds > 900`` alerts on an outage;
- ``synchub_build_info{version}``: always 1, the running synchub's version as a label.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from hub import __version__
from hub.round.engine import RoundReport
from hub.status import RoundStatus
from hub.store.base import HealthRecord

#: statuses of rounds whose plan was applied in full
APPLIED = tuple(s for s in RoundStatus if s.applied)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rounds = Counter("synchub_rounds", "Sync rounds run, by outcome",
                              ["flow", "status"], registry=r)
        self.writes = Counter("synchub_writes", "Successful writes", ["flow", "service"],
                              registry=r)
        self.errors = Counter("synchub_errors", "Errors by class (service - for a crash)",
                              ["flow", "service", "kind"], registry=r)
        self.retries = Counter("synchub_retries", "Requests sent again after a failure",
                               ["flow", "service"], registry=r)
        self.rate_limit_waits = Counter("synchub_rate_limit_waits",
                                        "Pauses for a Retry-After or a request budget",
                                        ["flow", "service"], registry=r)
        self.rate_limit_wait_seconds = Counter(
            "synchub_rate_limit_wait_seconds",
            "Seconds paused for a Retry-After or a request budget", ["flow", "service"],
            registry=r)
        self.waits = Counter("synchub_request_waits",
                             "Pauses before a request: retry back-off, Retry-After or "
                             "request budget", ["flow", "service"], registry=r)
        self.wait_seconds = Counter("synchub_request_wait_seconds",
                                    "Seconds paused before requests: retry back-off, "
                                    "Retry-After or request budget", ["flow", "service"],
                                    registry=r)
        self.conflicts_settled = Counter("synchub_conflicts_settled",
                                         "Conflicting edits settled by the flow's policy",
                                         ["flow", "policy"], registry=r)
        self.conflicts = Gauge("synchub_open_conflicts", "Conflicts waiting for a decision",
                               ["flow"], registry=r)
        self.items = Gauge("synchub_items", "Linked items per flow", ["flow"], registry=r)
        self.duration = Histogram("synchub_round_duration_seconds", "Round duration",
                                  ["flow"], registry=r,
                                  buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300))
        self.notices = Counter("synchub_webhook_notices", "Webhook deliveries",
                               ["service", "result"], registry=r)
        self.refused = Counter("synchub_http_refused", "Requests (503) and connections "
                               "(closed) refused over the web server's caps", ["what"],
                               registry=r)
        self.last_success = Gauge("synchub_last_success_timestamp_seconds",
                                  "When the service last answered a round of the flow (Unix "
                                  "time)", ["flow", "service"], registry=r)
        self.build_info = Gauge("synchub_build_info", "The running synchub's version",
                                ["version"], registry=r)
        self.build_info.labels(__version__).set(1)

    def observe_health(self, records: Iterable[HealthRecord]) -> None:
        """The services' last successes, from the store's health records."""
        for h in records:
            if h.last_success is not None:
                self.last_success.labels(h.flow, h.endpoint).set(h.last_success.timestamp())

    def observe_round(self, report: RoundReport, seconds: float, links: int,
                      open_conflicts: int) -> None:
        flow = report.flow
        self.rounds.labels(flow, report.status).inc()
        self.duration.labels(flow).observe(seconds)
        for svc, n in report.writes.items():
            self.writes.labels(flow, svc).inc(n)
        for svc, err in report.errors:
            self.errors.labels(flow, svc or "-", type(err).__name__).inc()
        for svc, n in report.retries.items():
            self.retries.labels(flow, svc).inc(n)
        for svc, secs in report.rate_limit_waits:
            self.rate_limit_waits.labels(flow, svc).inc()
            self.rate_limit_wait_seconds.labels(flow, svc).inc(max(secs, 0.0))
        for svc, secs in report.waits:
            self.waits.labels(flow, svc).inc()
            self.wait_seconds.labels(flow, svc).inc(max(secs, 0.0))
        if report.status in APPLIED:
            for policy, n in settled_conflicts(report).items():
                self.conflicts_settled.labels(flow, policy).inc(n)
        self.items.labels(flow).set(links)
        self.conflicts.labels(flow).set(open_conflicts)

    def observe_crash(self, flow: str, error: BaseException, seconds: float) -> None:
        """A round that raised instead of reporting (a bug, the store going away)."""
        self.rounds.labels(flow, RoundStatus.CRASHED.value).inc()
        self.errors.labels(flow, "-", type(error).__name__).inc()
        self.duration.labels(flow).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def settled_conflicts(report: RoundReport) -> dict[str, int]:
    """Fields whose conflicting edits this round's plan settled by policy, by policy name.

    The planner records each decision as the field's provenance (rule ``conflict: newest`` or
    ``conflict: prefer <endpoint>``); a decision is this round's when the provenance is new."""
    out: dict[str, int] = {}
    for lp in report.plan.links if report.plan else ():
        before = lp.before.provenance if lp.before else {}
        for f, prov in lp.interim.provenance.items():
            if prov.rule.startswith("conflict:") and before.get(f) != prov:
                policy = prov.rule.removeprefix("conflict:").split()[0]
                out[policy] = out.get(policy, 0) + 1
    return out
