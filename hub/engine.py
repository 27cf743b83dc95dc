"""One sync round of one flow: observe, plan, guard, apply, commit cursors.

This is the only place that strings the pieces together; the planner stays pure, the executor
knows nothing of policies, and adapters know nothing of the store.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.base import Adapter, ChangeSet
from hub.config.models import FlowConfig
from hub.errors import MassChangeRefused, SyncHubError
from hub.executor import Executor, RetryPolicy
from hub.parents import ParentIndex
from hub.planner import EndpointView, Plan, PlanInput, check_mass_change, plan_flow
from hub.store.base import Store

Progress = Callable[[int, int], None]


@dataclass
class RoundReport:
    flow: str
    run_id: int | None
    status: str  # ok | partial | failed | refused | dry-run
    plan: Plan | None = None
    writes: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    failed_writes: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, SyncHubError]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    waits: list[tuple[str, float]] = field(default_factory=list)  # every pause, by service
    rate_limit_waits: list[tuple[str, float]] = field(default_factory=list)  # of those
    retries: dict[str, int] = field(default_factory=dict)  # requests sent again, by service
    unreachable: list[str] = field(default_factory=list)
    plan_seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        base = self.plan.counts() if self.plan else {}
        base["writes"] = sum(self.writes.values())
        base["failed"] = sum(self.failed_writes.values())
        base["errors"] = len(self.errors)
        return base


def endpoint_views(
    cfg: FlowConfig, adapters: Mapping[str, Adapter], observed: Mapping[str, bool],
    first_sync: Mapping[str, bool],
) -> tuple[EndpointView, ...]:
    views = []
    for name, ep_cfg in cfg.endpoints.items():
        caps = adapters[name].capabilities
        fields = caps.fields if ep_cfg.fields is None else caps.fields & set(ep_cfg.fields)
        views.append(EndpointView(
            name=name, fields=frozenset(fields),
            writable=not (caps.read_only or ep_cfg.read_only),
            can_delete=caps.can_delete, create_requires_any=caps.create_requires_any,
            observed=observed[name], first_sync=first_sync[name],
            represent=getattr(adapters[name], "represent", None),
            timestamp_precision=caps.timestamp_precision))
    return tuple(views)


def run_flow(
    flow: str,
    cfg: FlowConfig,
    adapters: Mapping[str, Adapter],
    store: Store,
    *,
    dry_run: bool = False,
    force: bool = False,
    retry: RetryPolicy | None = None,
    progress: Progress | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    should_stop: Callable[[], bool] | None = None,
) -> RoundReport:
    """Run one round. Never raises for a service failure: errors are in the report.

    ``should_stop`` is polled between links: a shutdown finishes the write in flight and its
    commit, then stops without committing cursors (the rest is re-observed next time)."""
    import time

    run_id = None if dry_run else store.start_run(flow)
    ex = Executor(flow, store, adapters, retry=retry, dry_run=dry_run, now=now)
    report = RoundReport(flow=flow, run_id=run_id, status="ok")

    def finish(status: str, error: str | None = None) -> RoundReport:
        report.status = status
        report.writes = dict(ex.stats.writes)
        report.failed_writes = dict(ex.stats.failed)
        report.errors.extend(ex.stats.errors)
        report.notes.extend(ex.stats.notes)
        report.waits = list(ex.stats.waits)
        report.rate_limit_waits = list(ex.stats.rate_limit_waits)
        report.retries = dict(ex.stats.retries)
        if run_id is not None:
            store.finish_run(run_id, status, report.counts, error)
        return report

    if not dry_run:
        report.notes.extend(ex.recover())

    # 1. Observe. A failed listing marks the endpoint unreachable: no deletes, no writes there.
    cursors = {name: store.get_cursor(flow, name) for name in cfg.endpoints}
    observations: dict[str, ChangeSet] = {}
    for name in cfg.endpoints:
        try:
            cs = ex.call(name, functools.partial(adapters[name].changes, cursors[name]))
        except SyncHubError as exc:
            report.errors.append((name, exc))
            report.unreachable.append(name)
            continue
        observations[name] = cs
        report.requests[name] = report.requests.get(name, 0) + cs.requests
    first_sync = {n: cursors[n] is None for n in cfg.endpoints}
    if any(first_sync[n] for n in report.unreachable):
        # Matching pre-existing items needs every side listed; creating now would duplicate.
        return finish("failed", "first sync needs every endpoint to answer")

    # 2. Plan (pure).
    links = store.load_links(flow)
    ex.parents = ParentIndex(links)
    t0 = time.perf_counter()
    inp = PlanInput(
        flow=flow, config=cfg,
        endpoints=endpoint_views(cfg, adapters, {n: n in observations for n in cfg.endpoints},
                                 first_sync),
        links=links, observations=observations, run_id=run_id, now=now())
    plan = plan_flow(inp)
    report.plan_seconds = time.perf_counter() - t0
    report.plan = plan
    report.notes.extend(plan.warnings)
    try:
        check_mass_change(plan, cfg, force=force)
    except MassChangeRefused as exc:
        report.errors.append(("", exc))
        return finish("refused", str(exc))
    if dry_run:
        return finish("dry-run")

    # 3. Apply, link by link; each write commits with its link.
    total = len(plan.links)
    # Parents first, so a child created in the same round can point at its parent's new copy.
    ordered = sorted(plan.links, key=lambda lp: lp.interim.base.parent is not None)
    if not ex.apply_plan(ordered, progress=progress, should_stop=should_stop):
        report.notes.append(f"stopped before all {total} items were done; the rest is "
                            "picked up by the next round")
        return finish("interrupted")

    # 4. Cursors last: a crash before this point re-observes, which is harmless.
    with store.transaction() as tx:
        for name, cs in observations.items():
            tx.set_cursor(flow, name, cs.cursor)
    for name, n in ex.stats.writes.items():
        report.requests[name] = report.requests.get(name, 0) + n
    status = "ok" if not (report.errors or ex.stats.errors) else "partial"
    return finish(status)
