"""``synchub sync`` and ``synchub plan``: run a round of each flow, or show what it would do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from hub.cli.advice import EXIT_CONFLICTS, advice, worst
from hub.cli.common import (
    ConfigOpt,
    FlowOpt,
    WaitOpt,
    console,
    err_console,
    handled,
    round_code,
    runtime,
    writer,
)
from hub.errors import Busy

RebindOpt = Annotated[bool, typer.Option("--rebind", help="Accept a changed config for this "
                      "state store (flows/endpoints renamed or re-scoped).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the plan as JSON (one document "
                    "for all flows) instead of tables.")]


@handled
def sync(
    config: ConfigOpt = None,
    flow: FlowOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; write nothing, the "
                       "state store included (as `synchub plan`).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Pass the mass-change guard.")] = False,
    rebind: RebindOpt = False,
    wait: WaitOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run one sync round of every flow (or the given ones)."""
    if dry_run:
        preview(config, flow, rebind, as_json, counts=False, force=force)
        return
    if as_json:
        raise typer.BadParameter("--json goes with --dry-run (or `synchub plan --json`)")
    from hub.cli.render import round_summary
    from hub.notify import notifier_for
    from hub.round.calls import RetryPolicy
    from hub.round.engine import run_flow

    rt = runtime(config, rebind)
    codes: list[int] = []
    notifier = notifier_for(rt)
    try:
        for name in rt.flows(flow):
            # The flow's only writer while it runs (P13), or gives up for this flow and goes
            # on to the next.
            lock = writer(rt, name, "synchub sync", wait)
            try:
                with lock, Progress(TextColumn(f"[bold]{name}[/]"), BarColumn(),
                                    MofNCompleteColumn(), console=console,
                                    transient=True) as bar:
                    task = bar.add_task(name, total=None)

                    def progress(done: int, total: int, bar: Progress = bar,
                                 task: TaskID = task) -> None:
                        bar.update(task, completed=done, total=total)

                    with _told(rt, name, notifier):
                        report = run_flow(name, rt.config.flows[name], rt.adapters(name),
                                          rt.store, force=force, progress=progress,
                                          retry=RetryPolicy.from_config(rt.config.retry))
                    if notifier is not None:  # under the writer lock, after the round
                        notifier.after_round(report)
            except Busy as err:
                code, hint = advice(err)
                err_console.print(f"[red]error:[/] {escape(str(err))}", highlight=False,
                                  soft_wrap=True)
                err_console.print(f"[dim]{hint}[/]")
                codes.append(code)
                continue
            round_summary(console, report, rt.redact)
            codes.append(round_code(report))
            if rt.store.conflicts(name):
                codes.append(EXIT_CONFLICTS)
        from hub.runtime import prune_history  # retention, after a command that wrote

        prune_history(rt.store, rt.config.state)
    finally:
        if notifier is not None:  # the round is done: now wait (bounded) for deliveries
            notifier.close(timeout=30)
        rt.close()
    raise typer.Exit(worst(codes))


@contextlib.contextmanager
def _told(rt: Any, flow: str, notifier: Any) -> Iterator[None]:
    """A service failure that stops the round before it reports (Notion down while its
    schema is read) is recorded and told like a failed round, then shown as an error."""
    from hub.errors import SyncHubError
    from hub.round.engine import unavailable

    try:
        yield
    except SyncHubError as err:
        report = unavailable(flow, rt.config.flows[flow], rt.store, err)
        if report is not None and notifier is not None:
            notifier.after_round(report)
        raise


@handled
def plan(config: ConfigOpt = None, flow: FlowOpt = None, rebind: Annotated[bool, typer.Option(
        "--rebind", help="Show what `synchub sync --rebind` would do after a config change "
        "(flows/endpoints renamed or re-scoped).")] = False, as_json: JsonOpt = False) -> None:
    """Show what a sync would create, update and delete in each service, old → new per
    field; strictly read-only (no state file is created or changed)."""
    preview(config, flow, rebind, as_json, counts=True)


def preview(config: str | None, flow: list[str] | None, rebind: bool, as_json: bool, *,
            counts: bool, force: bool = False) -> None:
    """``plan`` and ``sync --dry-run``: a dry round of each flow on a read-only view of the
    state (:mod:`hub.store.preview`), shown as tables or one JSON document."""
    import json

    from hub.cli.render import per_service_counts, plan_json, plan_table, round_summary
    from hub.round.calls import RetryPolicy
    from hub.round.engine import run_flow

    rt = runtime(config, rebind, preview=True)
    codes, documents = [], []
    try:
        for name in rt.flows(flow):
            report = run_flow(name, rt.config.flows[name], rt.adapters(name), rt.store,
                              dry_run=True, force=force,  # `sync --dry-run --force`: as sync
                              retry=RetryPolicy.from_config(rt.config.retry))
            codes.append(round_code(report))
            if as_json:
                documents.append(plan_json(report))
                continue
            console.print(plan_table(report, rt.redact))
            if counts:
                console.print(per_service_counts(report))
            round_summary(console, report, rt.redact)
    finally:
        rt.close()
    if as_json:  # plain print: no rich markup or wrapping in what scripts parse
        print(rt.redact(json.dumps({"flows": documents}, indent=2, ensure_ascii=False)))
    raise typer.Exit(worst(codes))
