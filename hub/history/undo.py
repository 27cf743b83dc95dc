"""``synchub undo RUN``: read the copies the run wrote as they are now, plan the undo
(:mod:`hub.history.plan`, pure), and carry it out as a run of its own.

The undo's writes go through the round's :class:`hub.round.executor.Executor`: each is
journalled with an idempotency key before it is sent, recorded in the undo run's history
(so an undo can be undone) and committed with its link's new state, which agrees on the
restored values (so the next sync is quiet). A crash midway leaves pending intents that the
next round's recovery settles, as after any round. The caller holds the flow's writer lock
(P13) from the reads to the last commit, so nothing writes the flow in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.base import Adapter, LearnsCreated, RemoteItem
from hub.errors import NotFound, SyncHubError, UsageError
from hub.history.plan import Now, Target, UndoPlan, attached, link_plans, plan_undo
from hub.round.calls import Caller, CallStats, RetryPolicy
from hub.round.executor import ApplyStats, Executor
from hub.round.parents import ParentIndex
from hub.status import RoundStatus
from hub.store.base import RunRecord, Store


@dataclass
class UndoReport:
    run_id: int  # the undo's own run
    status: RoundStatus
    writes: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, SyncHubError]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def find_run(store: Store, run_id: int, flows: Mapping[str, Any]) -> RunRecord:
    """The run to undo, or a :class:`UsageError` saying why it cannot be."""
    run = store.run(run_id)
    if run is None:
        raise UsageError(f"no run {run_id} in the history (`synchub history` lists them; "
                         "retention drops runs older than state.keep_runs)")
    if run.flow not in flows:
        raise UsageError(f"run {run_id} belongs to flow {run.flow!r}, which is no longer "
                         "in the configuration")
    # A run still marked running is one whose process died (kill -9): the caller holds the
    # flow's writer lock, so nothing is writing it now, and what landed is recorded.
    return run


def targets(cfg: Any, adapters: Mapping[str, Adapter]) -> dict[str, Target]:
    """What the plan needs of each endpoint of the flow (``cfg``: its FlowConfig)."""
    out = {}
    for name, ep in cfg.endpoints.items():
        caps = adapters[name].capabilities
        fields = caps.fields if ep.only is None else caps.fields & set(ep.only)
        out[name] = Target(name=name, fields=frozenset(fields),
                           writable=not (caps.read_only or ep.read_only),
                           can_delete=caps.can_delete, represent=adapters[name].represent)
    return out


def _read(caller: Caller, store: Store, flow: str, adapter: Adapter, endpoint: str,
          ref: str) -> Now:
    """The copy as its service holds it now, its parent as a link id (as the history has
    it); a copy that is gone reads as None, a read that fails says why."""
    try:
        got: RemoteItem | None = caller.call(endpoint, lambda: adapter.get(ref))
    except NotFound:
        return Now(None)
    except SyncHubError as exc:
        return Now(None, error=str(exc))
    if got is None:
        return Now(None)
    item = got.item
    if item.parent is not None:
        item = item.evolve(parent=store.find_link_by_ref(flow, endpoint, item.parent))
    return Now(item, got.version)


def prepare(store: Store, cfg: Any, adapters: Mapping[str, Adapter], run: RunRecord,
            retry: RetryPolicy) -> UndoPlan:
    """Read every copy the undo could touch and plan it (nothing written)."""
    records = store.run_writes(run.id)
    links = store.load_links(run.flow)
    wanted = {(r.endpoint, r.ref) for r in records if r.ref is not None}
    for lid in {r.link_id for r in records if r.kind == "update"}:
        link = links.get(lid)
        wanted |= {(ep, c.ref) for ep, c in link.copies.items()} if link else set()
    caller = Caller(adapters, retry, None, CallStats())
    reads = {(ep, ref): _read(caller, store, run.flow, adapters[ep], ep, ref)
             for ep, ref in sorted(wanted) if ep in adapters}
    created = {(r.endpoint, r.ref) for r in records if r.kind == "create" and r.ref}
    reads.update(_with_comments(caller, adapters, {k: v for k, v in reads.items()
                                                   if k in created}))
    return plan_undo(run.flow, run.id, records, links, reads, targets(cfg, adapters))


def _with_comments(caller: Caller, adapters: Mapping[str, Adapter],
                   reads: Mapping[tuple[str, str], Now]) -> dict[tuple[str, str], Now]:
    """The created copies' reads with the comments people wrote on them (one read per
    endpoint); a read that fails counts as comments there, so nothing is deleted blind."""
    from dataclasses import replace

    from adapters.base import Commenting
    from adapters.toolkit.comments import parse

    out: dict[tuple[str, str], Now] = {}
    for ep in {e for e, _ in reads}:
        adapter = adapters.get(ep)
        refs = [ref for e, ref in reads if e == ep and reads[(e, ref)].item is not None]
        if not refs or not isinstance(adapter, Commenting):
            continue
        try:
            got = caller.call(ep, lambda a=adapter, r=refs: a.comments(r))
        except SyncHubError:
            out |= {(ep, ref): replace(reads[(ep, ref)], people_comments=1) for ref in refs}
            continue
        for ref in refs:
            people = [c for c in got.by_ref.get(ref, ())
                      if parse(c.text).thread is None and not parse(c.text).unmarked_copy]
            out[(ep, ref)] = replace(reads[(ep, ref)], people_comments=len(people))
    return out


def carry_out(store: Store, cfg: Any, adapters: Mapping[str, Adapter], plan: UndoPlan,
              retry: RetryPolicy, *,
              now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> UndoReport:
    """Write the plan as a run of its own (``runs.undoes`` = the run undone)."""
    run_id = store.start_run(plan.flow, undoes=plan.run_id)
    report = UndoReport(run_id=run_id, status=RoundStatus.CRASHED)
    try:
        ex = Executor(plan.flow, store, adapters, retry=retry, now=now, match=cfg.match,
                      unmarked=[n for n, ep in cfg.endpoints.items() if not ep.markers],
                      run_id=run_id)
        ex.parents = ParentIndex(store.load_links(plan.flow))
        ex.apply_plan(link_plans(plan, run_id, list(cfg.endpoints), now()))
        _attach(store, plan)
        _learn_created(store, plan.flow, adapters, ex.stats)
        report = replace(report, writes=dict(ex.stats.writes), errors=list(ex.stats.errors),
                         notes=list(ex.stats.notes),
                         status=RoundStatus.PARTIAL if ex.stats.errors else RoundStatus.OK)
    finally:
        counts = {"writes": sum(report.writes.values()), "errors": len(report.errors)}
        store.finish_run(run_id, report.status.value, counts,
                         "; ".join(str(e) for _, e in report.errors) or None)
    return report


def _attach(store: Store, plan: UndoPlan) -> None:
    """The endpoints the undo re-created copies on (or an earlier undo of the same run that
    died midway did) are no longer detached (:func:`hub.history.plan.attached`)."""
    links = store.load_links(plan.flow)
    fixed = [attached(links[lid]) for lid in dict.fromkeys(s.link_id for s in plan.steps)
             if lid in links and links[lid].detached & set(links[lid].copies)]
    if fixed:
        with store.transaction() as tx:
            for link in fixed:
                tx.save_link(link)


def _learn_created(store: Store, flow: str, adapters: Mapping[str, Adapter],
                   stats: ApplyStats) -> None:
    """Copies the undo re-created, told to the adapters that reconcile against known ids
    (:class:`LearnsCreated`), so a person deleting one before any listing returns it is
    still noticed (as a round does before storing its cursors)."""
    with store.transaction() as tx:
        for name, refs in stats.created.items():
            adapter = adapters[name]
            if refs and isinstance(adapter, LearnsCreated):
                tx.set_cursor(flow, name, adapter.remember_created(
                    store.get_cursor(flow, name), refs))
