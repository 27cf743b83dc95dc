"""One sync round of one flow: observe, plan, guard, apply, commit cursors.

This is the only place that strings the pieces together; the planner stays pure, the executor
knows nothing of policies, and adapters know nothing of the store.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.base import Adapter, ChangeSet, LearnsCreated, RemoteItem
from hub.config.models import FlowConfig
from hub.errors import Fatal, MassChangeRefused, SyncHubError, ValidationRejected
from hub.executor import Executor, RetryPolicy
from hub.parents import ParentIndex
from hub.planner import EndpointView, Plan, PlanInput, check_mass_change, plan_flow
from hub.quarantine import Quarantine, write_ref
from hub.status import RoundStatus
from hub.store.base import QuarantineKind, QuarantineRecord, Store

log = logging.getLogger("synchub.engine")

Progress = Callable[[int, int], None]


@dataclass
class RoundReport:
    flow: str
    run_id: int | None
    status: RoundStatus  # see hub.status
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
    #: every item set aside in this flow (P14), and those new or changed this round (report
    #: these once, not every round)
    quarantined: list[QuarantineRecord] = field(default_factory=list)
    quarantined_new: list[QuarantineRecord] = field(default_factory=list)
    held: int = 0  # writes not sent this round: rejected for good before, unchanged since

    @property
    def counts(self) -> dict[str, int]:
        base = self.plan.counts() if self.plan else {}
        base["writes"] = sum(self.writes.values())
        base["failed"] = sum(self.failed_writes.values())
        base["errors"] = len(self.errors)
        base["quarantined"] = len(self.quarantined)
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
    commit, then stops without committing cursors (the rest is re-observed next time). A bug
    that escapes still ends the run row (status ``crashed``) before it propagates."""
    run_id = None if dry_run else store.start_run(flow)
    try:
        return _round(flow, cfg, adapters, store, run_id, dry_run=dry_run, force=force,
                      retry=retry, progress=progress, now=now, should_stop=should_stop)
    except BaseException as exc:
        if run_id is not None:
            try:
                store.finish_run(run_id, RoundStatus.CRASHED.value, {},
                                 f"{type(exc).__name__}: {exc}")
            except Exception:  # the store itself may be what failed
                log.exception("could not record the end of run %s", run_id)
        raise


def _observe(name: str, adapter: Adapter, ex: Executor, cursor: str | None,
             q: Quarantine | None, store: Store, flow: str) -> ChangeSet:
    """One endpoint's changes, with its quarantine applied (P14): unreadable items recorded,
    fixed ones released, and quarantined ones whose back-off passed read again."""
    try:
        cs = ex.call(name, functools.partial(adapter.changes, cursor))
    except SyncHubError:
        raise
    except Exception as exc:  # a bug reading one service must not stop the others
        log.exception("%s: listing failed", name)
        raise Fatal(f"reading failed: {type(exc).__name__}: {exc}", service=name) from exc
    if q is None:
        return cs
    listed = {r.ref for r in cs.items}
    for bad in cs.unreadable:
        q.unreadable(name, bad, store.find_link_by_ref(flow, name, bad.ref))
    bad_refs = {b.ref for b in cs.unreadable}
    for rec in list(q.records.values()):
        if rec.endpoint == name and rec.ref in listed and rec.kind is QuarantineKind.READ:
            q.readable(name, rec.ref)
    found: list[RemoteItem] = []
    for rec in q.due_reads(name):
        if rec.ref in bad_refs or rec.ref in listed:
            continue
        try:
            got = ex.call(name, functools.partial(adapter.get, rec.ref))
        except ValidationRejected as exc:
            q.still_unreadable(name, rec.ref, exc.message)
            continue
        except SyncHubError:
            continue  # the service failed: try again next round
        q.readable(name, rec.ref)
        if got is not None:
            found.append(got)
    if not found:
        return cs
    return ChangeSet(items=(*cs.items, *found), gone=cs.gone, cursor=cs.cursor,
                     requests=cs.requests, unreadable=cs.unreadable)


def _learned(adapter: Adapter, cursor: str | None, created: list[str]) -> str | None:
    """The cursor to store, knowing the copies created this round (:class:`LearnsCreated`)."""
    if created and isinstance(adapter, LearnsCreated):
        return adapter.remember_created(cursor, created)
    return cursor


def _round(
    flow: str, cfg: FlowConfig, adapters: Mapping[str, Adapter], store: Store,
    run_id: int | None, *, dry_run: bool, force: bool, retry: RetryPolicy | None,
    progress: Progress | None, now: Callable[[], dt.datetime],
    should_stop: Callable[[], bool] | None,
) -> RoundReport:
    import time

    ex = Executor(flow, store, adapters, retry=retry, dry_run=dry_run, now=now,
                  should_stop=should_stop)
    report = RoundReport(flow=flow, run_id=run_id, status=RoundStatus.OK)
    q = None if dry_run else Quarantine(flow, store, now)
    ex.quarantine = q

    def finish(status: RoundStatus, error: str | None = None) -> RoundReport:
        report.status = status
        report.writes = dict(ex.stats.writes)
        report.failed_writes = dict(ex.stats.failed)
        report.errors.extend(ex.stats.errors)
        report.notes.extend(ex.stats.notes)
        report.waits = list(ex.stats.waits)
        report.rate_limit_waits = list(ex.stats.rate_limit_waits)
        report.retries = dict(ex.stats.retries)
        report.held = ex.stats.held
        if q is not None:
            report.quarantined = q.current()
            report.quarantined_new = list(q.new)
            report.errors.extend(  # write rejections are already among the errors
                (rec.endpoint, ValidationRejected(
                    f"{rec.title!r} ({rec.ref}) cannot be read and is set aside: {rec.reason}",
                    service=rec.endpoint))
                for rec in q.new if rec.kind is QuarantineKind.READ)
        else:
            report.quarantined = store.quarantined(flow)
        if run_id is not None:
            store.finish_run(run_id, status.value, report.counts, error)
        return report

    if not dry_run:
        report.notes.extend(ex.recover())

    # 1. Observe. A failed listing marks the endpoint unreachable: no deletes, no writes there.
    cursors = {name: store.get_cursor(flow, name) for name in cfg.endpoints}
    observations: dict[str, ChangeSet] = {}
    for name in cfg.endpoints:
        try:
            cs = _observe(name, adapters[name], ex, cursors[name], q, store, flow)
        except SyncHubError as exc:
            report.errors.append((name, exc))
            report.unreachable.append(name)
            continue
        observations[name] = cs
        report.requests[name] = report.requests.get(name, 0) + cs.requests
    first_sync = {n: cursors[n] is None for n in cfg.endpoints}
    if any(first_sync[n] for n in report.unreachable):
        # Matching pre-existing items needs every side listed; creating now would duplicate.
        return finish(RoundStatus.FAILED, "first sync needs every endpoint to answer")

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
        return finish(RoundStatus.REFUSED, str(exc))
    if dry_run:
        return finish(RoundStatus.DRY_RUN)
    if q is not None:
        q.still_needed({(w.endpoint, write_ref(w.ref, w.origin or lp.link_id))
                        for lp in plan.links for w in lp.writes}, set(observations))

    # 3. Apply, link by link; each write commits with its link.
    total = len(plan.links)
    # Parents first, so a child created in the same round can point at its parent's new copy.
    ordered = sorted(plan.links, key=lambda lp: lp.interim.base.parent is not None)
    if not ex.apply_plan(ordered, progress=progress, should_stop=should_stop):
        report.notes.append(f"stopped before all {total} items were done; the rest is "
                            "picked up by the next round")
        return finish(RoundStatus.INTERRUPTED)

    # 4. Cursors last: a crash before this point re-observes, which is harmless.
    with store.transaction() as tx:
        for name, cs in observations.items():
            tx.set_cursor(flow, name, _learned(adapters[name], cs.cursor,
                                               ex.stats.created.get(name, [])))
    for name, n in ex.stats.writes.items():
        report.requests[name] = report.requests.get(name, 0) + n
    set_aside = q is not None and any(r.kind is QuarantineKind.READ for r in q.new)
    clean = not (report.errors or ex.stats.errors or set_aside)
    return finish(RoundStatus.OK if clean else RoundStatus.PARTIAL)
