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


@handled
def sync(
    config: ConfigOpt = None,
    flow: FlowOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; write nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Pass the mass-change guard.")] = False,
    rebind: Annotated[bool, typer.Option("--rebind", help="Accept a changed config for this "
                      "state store (flows/endpoints renamed or re-scoped).")] = False,
    wait: WaitOpt = None,
) -> None:
    """Run one sync round of every flow (or the given ones)."""
    from hub.cli.render import plan_table, round_summary
    from hub.notify import notifier_for
    from hub.round.calls import RetryPolicy
    from hub.round.engine import run_flow

    rt = runtime(config, rebind)
    codes: list[int] = []
    notifier = None if dry_run else notifier_for(rt)
    try:
        for name in rt.flows(flow):
            # A dry run writes nothing and takes no lock; a real one is the flow's only
            # writer while it runs (P13), or gives up for this flow and goes on to the next.
            lock = contextlib.nullcontext() if dry_run else writer(rt, name, "synchub sync",
                                                                    wait)
            try:
                with lock, Progress(TextColumn(f"[bold]{name}[/]"), BarColumn(),
                                    MofNCompleteColumn(), console=console,
                                    transient=True) as bar:
                    task = bar.add_task(name, total=None)

                    def progress(done: int, total: int, bar: Progress = bar,
                                 task: TaskID = task) -> None:
                        bar.update(task, completed=done, total=total)

                    with _told(rt, name, notifier, dry_run):
                        report = run_flow(name, rt.config.flows[name], rt.adapters(name),
                                          rt.store, dry_run=dry_run, force=force,
                                          progress=progress,
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
            if dry_run:
                console.print(plan_table(report, rt.redact))
            round_summary(console, report, rt.redact)
            codes.append(round_code(report))
            if rt.store.conflicts(name):
                codes.append(EXIT_CONFLICTS)
        if not dry_run:  # retention, after a command that wrote
            from hub.runtime import prune_history

            prune_history(rt.store, rt.config.state)
    finally:
        if notifier is not None:  # the round is done: now wait (bounded) for deliveries
            notifier.close(timeout=30)
        rt.close()
    raise typer.Exit(worst(codes))


@contextlib.contextmanager
def _told(rt: Any, flow: str, notifier: Any, dry_run: bool) -> Iterator[None]:
    """A service failure that stops the round before it reports (Notion down while its
    schema is read) is recorded and told like a failed round, then shown as an error."""
    from hub.errors import SyncHubError
    from hub.round.engine import unavailable

    try:
        yield
    except SyncHubError as err:
        report = None if dry_run else unavailable(flow, rt.config.flows[flow], rt.store, err)
        if report is not None and notifier is not None:
            notifier.after_round(report)
        raise


@handled
def plan(config: ConfigOpt = None, flow: FlowOpt = None) -> None:
    """Show what a sync would create, update and delete in each service; write nothing."""
    from hub.cli.render import per_service_counts, plan_table, round_summary
    from hub.round.calls import RetryPolicy
    from hub.round.engine import run_flow

    rt = runtime(config)
    codes = []
    try:
        for name in rt.flows(flow):
            report = run_flow(name, rt.config.flows[name], rt.adapters(name), rt.store,
                              dry_run=True, retry=RetryPolicy.from_config(rt.config.retry))
            console.print(plan_table(report, rt.redact))
            console.print(per_service_counts(report))
            round_summary(console, report, rt.redact)
            codes.append(round_code(report))
    finally:
        rt.close()
    raise typer.Exit(worst(codes))
