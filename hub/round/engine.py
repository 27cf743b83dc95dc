"""One sync round of one flow: observe, plan, guard, apply, commit cursors.

This is the only place that strings the pieces together (:func:`_round`, one step a method
of :class:`_Round`): observe (:mod:`hub.round.observe`), plan (:mod:`hub.planner`, pure),
the mass-change guard, apply (:mod:`hub.round.executor`), and the cursors last. The planner
stays pure, the executor knows nothing of policies, and adapters know nothing of the store.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from adapters.base import Adapter, ChangeSet, LearnsCreated, RepresentsInPlace
from hub.config.models import FlowConfig
from hub.errors import MassChangeRefused, SyncHubError, ValidationRejected
from hub.model import Item
from hub.planner import EndpointView, Plan, PlanInput, check_mass_change, plan_flow
from hub.round import health, workset
from hub.round.calls import RetryPolicy
from hub.round.comments import CommentPass
from hub.round.executor import Executor
from hub.round.observe import Observed, observe_all
from hub.round.parents import ParentIndex
from hub.round.quarantine import Quarantine, write_ref
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
    comments: dict[str, int] = field(default_factory=dict)  # comments written, by endpoint
    loaded_links: int = 0  # links read from the store for planning (hub.round.workset)

    @property
    def counts(self) -> dict[str, int]:
        base = self.plan.counts() if self.plan else {}
        base["writes"] = sum(self.writes.values())
        base["failed"] = sum(self.failed_writes.values())
        base["errors"] = len(self.errors)
        base["quarantined"] = len(self.quarantined)
        base["comments"] = sum(self.comments.values())
        return base


def _represent_in(adapter: Adapter) -> Callable[[str, Any, Item], Any] | None:
    """The adapter's :class:`RepresentsInPlace`, where it has one."""
    return adapter.represent_in if isinstance(adapter, RepresentsInPlace) else None


def endpoint_views(
    cfg: FlowConfig, adapters: Mapping[str, Adapter], observed: Mapping[str, bool],
    first_sync: Mapping[str, bool],
) -> tuple[EndpointView, ...]:
    views = []
    for name, ep_cfg in cfg.endpoints.items():
        caps = adapters[name].capabilities
        fields = caps.fields if ep_cfg.only is None else caps.fields & set(ep_cfg.only)
        views.append(EndpointView(
            name=name, fields=frozenset(fields),
            writable=not (caps.read_only or ep_cfg.read_only),
            can_delete=caps.can_delete, create_requires_any=caps.create_requires_any,
            observed=observed[name], first_sync=first_sync[name],
            represent=adapters[name].represent,
            represent_in=_represent_in(adapters[name]),
            timestamp_precision=caps.timestamp_precision, series=caps.series,
            markers=ep_cfg.markers, nests_completion=caps.nests_completion,
            rolls_occurrences=caps.rolls_occurrences))
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
        if isinstance(exc, SyncHubError) and exc.endpoint is None:
            exc.endpoint = _endpoint_of(exc, adapters)  # for health.record, via unavailable
        if run_id is not None:
            try:
                store.finish_run(run_id, RoundStatus.CRASHED.value, {},
                                 f"{type(exc).__name__}: {exc}")
            except Exception:  # the store itself may be what failed
                log.exception("could not record the end of run %s", run_id)
        raise


def _held_by(plan: Plan) -> set[tuple[str, str]]:
    """(endpoint, ref) of every copy the plan's links hold (see ``Executor.planned``)."""
    return {(ep, c.ref) for lp in plan.links for ep, c in lp.interim.copies.items()}


def _learned(adapter: Adapter, cursor: str | None, created: list[str]) -> str | None:
    """The cursor to store, knowing the copies created this round (:class:`LearnsCreated`)."""
    if created and isinstance(adapter, LearnsCreated):
        return adapter.remember_created(cursor, created)
    return cursor


class _Settle(NamedTuple):
    links: frozenset[str]
    fingerprint: str
    fresh: bool  # every link was loaded: the marks are made afresh


@dataclass
class _Round:
    """One round of one flow, step by step (:func:`_round` says in which order)."""

    flow: str
    cfg: FlowConfig
    adapters: Mapping[str, Adapter]
    store: Store
    run_id: int | None
    ex: Executor
    q: Quarantine | None
    report: RoundReport
    settle: _Settle | None = None  # what planning found settled, marked with the cursors

    def observe(self, cursors: Mapping[str, str | None]) -> Observed:
        """Step 1. A failed listing marks the endpoint unreachable: no deletes, no writes
        there."""
        observed = observe_all(self.flow, self.adapters, cursors, self.ex.calls, self.q,
                               self.store)
        self.report.errors.extend(observed.errors)
        self.report.unreachable.extend(observed.unreachable)
        self.report.requests.update({n: cs.requests for n, cs in observed.changes.items()})
        return observed

    def plan(self, observations: Mapping[str, ChangeSet], first_sync: Mapping[str, bool],
             now: Callable[[], dt.datetime]) -> Plan:
        """Step 2 (pure): the plan for the round's working set of links (:mod:`hub.round.
        workset`), timed, its warnings noted; the links it found settled are marked so."""
        views = endpoint_views(self.cfg, self.adapters,
                               {n: n in observations for n in self.cfg.endpoints}, first_sync)
        held = self._held()
        ws = workset.load(self.flow, self.store, observations, {v.name: v for v in views},
                          workset.fingerprint(self.cfg, self.adapters),
                          everything=bool(held) or any(first_sync.values()))
        self.ex.parents = ParentIndex(ws.links,
                                      lambda lid: self.store.get_link(self.flow, lid))
        t0 = time.perf_counter()
        plan = plan_flow(PlanInput(flow=self.flow, config=self.cfg, endpoints=views,
                                   links=ws.links, observations=observations,
                                   run_id=self.run_id, now=now(), held=held,
                                   total_links=ws.total))
        self.report.plan_seconds = time.perf_counter() - t0
        self.report.plan = plan
        self.report.notes.extend(plan.warnings)
        self.report.loaded_links = len(ws.links)
        if set(observations) == set(self.cfg.endpoints):
            # Only when every endpoint answered: settled() cannot see a copy missing on an
            # endpoint that was not observed.
            self.settle = _Settle(plan.settled, ws.fingerprint, ws.full)
        return plan

    def _held(self) -> dict[tuple[str, str], str]:
        """The held-back items of this flow's endpoints (one removed from the config holds
        nothing back any more)."""
        if self.q is None:
            return {}
        return {k: v for k, v in self.q.held_keys().items() if k[0] in self.cfg.endpoints}

    def apply(self, plan: Plan, observations: Mapping[str, ChangeSet],
              progress: Progress | None, should_stop: Callable[[], bool] | None
              ) -> RoundReport:
        """Steps 3 and 4: apply link by link (each write commits with its link), then commit
        the cursors."""
        if self.q is not None:
            self.q.hold(plan.held, {(name, r.ref) for name, cs in observations.items()
                                    for r in cs.items})
            self.q.still_needed({(w.endpoint, write_ref(w.ref, w.origin or lp.link_id))
                                 for lp in plan.links for w in lp.writes}, set(observations))
        self.ex.planned = _held_by(plan)
        # Parents first, so a child created in the same round can point at its parent's new
        # copy.
        ordered = sorted(plan.links, key=lambda lp: lp.interim.base.parent is not None)
        if not self.ex.apply_plan(ordered, progress=progress, should_stop=should_stop):
            self.report.notes.append(f"stopped before all {len(plan.links)} items were done; "
                                     "the rest is picked up by the next round")
            return self.finish(RoundStatus.INTERRUPTED)
        self.comments(observations, should_stop)
        self.commit_cursors(observations)
        for name, n in self.ex.stats.writes.items():
            self.report.requests[name] = self.report.requests.get(name, 0) + n
        set_aside = self.q is not None and any(rec.kind is QuarantineKind.READ
                                               for rec in self.q.new)
        clean = not (self.report.errors or self.ex.stats.errors or set_aside)
        return self.finish(RoundStatus.OK if clean else RoundStatus.PARTIAL)

    def comments(self, observations: Mapping[str, ChangeSet],
                 should_stop: Callable[[], bool] | None) -> None:
        """Step 3b: the comments of the links this round touched (:mod:`hub.round.comments`),
        before the cursors, so a crash in it observes the same changes again."""
        touched = {name: {r.ref for r in cs.items} | set(cs.touched)
                   | set(self.ex.stats.created.get(name, []))
                   for name, cs in observations.items()}
        writable = {n: not (a.capabilities.read_only or self.cfg.endpoints[n].read_only)
                    for n, a in self.adapters.items() if n in self.cfg.endpoints}
        stats = CommentPass(self.flow, self.cfg, self.adapters, self.store, self.ex.calls,
                            writable, should_stop).run(touched, observations,
                                                       created=self.ex.stats.created)
        self.report.comments = dict(stats.writes)
        self.report.errors.extend(stats.errors)
        self.report.notes.extend(stats.notes)
        for name, n in stats.requests.items():
            self.report.requests[name] = self.report.requests.get(name, 0) + n
        for name, n in {**stats.writes, **stats.failed}.items():
            self.report.requests[name] = self.report.requests.get(name, 0) + n

    def commit_cursors(self, observations: Mapping[str, ChangeSet]) -> None:
        """Step 4, last: a crash before this point re-observes, which is harmless. The links
        planning skipped as settled are marked so with the cursors (:mod:`hub.round.
        workset`): the executor saved none of them (a save unsettles), the round holds the
        writer lock and every other save of a link takes it too."""
        with self.store.transaction() as tx:
            if self.settle is not None:
                tx.mark_settled(self.flow, self.settle.links, self.settle.fingerprint,
                                fresh=self.settle.fresh)
            for name, cs in observations.items():
                tx.set_cursor(self.flow, name, _learned(self.adapters[name], cs.cursor,
                                                        self.ex.stats.created.get(name, [])))

    def finish(self, status: RoundStatus, error: str | None = None) -> RoundReport:
        """The report, with what the executor and the quarantine saw; the run row ended."""
        report, stats = self.report, self.ex.stats
        report.status = status
        report.writes = dict(stats.writes)
        report.failed_writes = dict(stats.failed)
        report.errors.extend(stats.errors)
        report.notes.extend(stats.notes)
        report.waits = list(stats.waits)
        report.rate_limit_waits = list(stats.rate_limit_waits)
        report.retries = dict(stats.retries)
        report.held = stats.held
        if self.q is not None:
            report.quarantined = self.q.current()
            report.quarantined_new = list(self.q.new)
            report.errors.extend(  # write rejections are already among the errors
                (rec.endpoint, ValidationRejected(
                    f"{rec.title!r} ({rec.ref}) cannot be read and is set aside: {rec.reason}",
                    service=rec.endpoint))
                for rec in self.q.new if rec.kind is QuarantineKind.READ)
        else:
            report.quarantined = self.store.quarantined(self.flow)
        if self.run_id is not None:
            self.store.finish_run(self.run_id, status.value, report.counts, error)
            try:  # what people are shown: never what makes a finished round "crashed"
                health.record(self.store, self.flow, self.cfg.endpoints,
                              health.failures(report.errors, report.unreachable,
                                              self.cfg.endpoints),
                              self.ex.now(), self.cfg.interval)
            except Exception:
                log.exception("could not record the services' health after run %s",
                              self.run_id)
                report.notes.append("the services' health could not be recorded (see the "
                                    "log); the round itself is done")
        return report


def _round(
    flow: str, cfg: FlowConfig, adapters: Mapping[str, Adapter], store: Store,
    run_id: int | None, *, dry_run: bool, force: bool, retry: RetryPolicy | None,
    progress: Progress | None, now: Callable[[], dt.datetime],
    should_stop: Callable[[], bool] | None,
) -> RoundReport:
    ex = Executor(flow, store, adapters, retry=retry, dry_run=dry_run, now=now,
                  should_stop=should_stop, match=cfg.match,
                  unmarked=[n for n, ep in cfg.endpoints.items() if not ep.markers],
                  run_id=run_id)
    q = Quarantine(flow, store, now, read_only=dry_run)
    ex.quarantine = None if dry_run else q
    r = _Round(flow, cfg, adapters, store, run_id, ex, q,
               RoundReport(flow=flow, run_id=run_id, status=RoundStatus.OK))
    if not dry_run:
        r.report.notes.extend(ex.recover())

    # 1. Observe.
    cursors = {name: store.get_cursor(flow, name) for name in cfg.endpoints}
    observed = r.observe(cursors)
    first_sync = {n: cursors[n] is None for n in cfg.endpoints}
    if any(first_sync[n] for n in observed.unreachable):
        # Matching pre-existing items needs every side listed; creating now would duplicate.
        return r.finish(RoundStatus.FAILED, "first sync needs every endpoint to answer")

    # 2. Plan (pure), then the mass-change guard.
    plan = r.plan(observed.changes, first_sync, now)
    try:
        check_mass_change(plan, cfg, force=force)
    except MassChangeRefused as exc:
        r.report.errors.append(("", exc))
        return r.finish(RoundStatus.REFUSED, str(exc))
    if dry_run:
        return r.finish(RoundStatus.DRY_RUN)

    # 3. Apply, 4. commit cursors.
    return r.apply(plan, observed.changes, progress, should_stop)


def _endpoint_of(exc: SyncHubError, adapters: Mapping[str, Adapter]) -> str | None:
    """The endpoint a service failure that escaped the round came from: the one named, or
    the only one whose adapter is that service."""
    if exc.service in adapters:
        return exc.service
    named = [n for n, a in adapters.items() if a.name == exc.service]
    return named[0] if len(named) == 1 else None


def unavailable(flow: str, cfg: FlowConfig, store: Store, err: SyncHubError,
                now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
                ) -> RoundReport | None:
    """A round a service failure stopped before it could report (Notion down while its
    adapter reads the database's schema): recorded as that endpoint's failure, so
    ``synchub status`` and notifications see it like any other. None when ``err`` is not a
    service's failure, or its endpoint is unknown (a config problem is shown as it is)."""
    endpoint = err.endpoint
    if endpoint not in cfg.endpoints or not isinstance(err, health.SERVICE_FAILURES):
        return None
    health.record(store, flow, [endpoint], {endpoint: err.message}, now(), cfg.interval)
    return RoundReport(flow=flow, run_id=None, status=RoundStatus.CRASHED,
                       errors=[(endpoint, err)], unreachable=[endpoint])
