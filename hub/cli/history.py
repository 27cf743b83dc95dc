"""``synchub history`` (what each run did, read only) and ``synchub undo RUN`` (put a run's
writes back, as a run of its own, under the flow's writer lock like ``sync``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape

from hub.cli.advice import EXIT_OK, EXIT_REFUSED, advice, worst
from hub.cli.common import ConfigOpt, WaitOpt, console, err_console, handled, runtime, writer
from hub.errors import UsageError

RunArg = Annotated[int | None, typer.Argument(help="A run's number: show its writes.",
                                              show_default=False)]


@handled
def history(
    run: RunArg = None,
    config: ConfigOpt = None,
    flow: Annotated[str | None, typer.Option("--flow", "-f", help="Only this flow's runs.")
                    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document, for scripts.")
                       ] = False,
) -> None:
    """List runs, newest first (when, flow, status, counts, errors), or one run's writes:
    per item and service the action and each field's old -> new value. Reads only."""
    from hub.cli.history_view import run_json, runs_table, write_json, writes_table

    rt = runtime(config, rebind=True, preview=True)  # a look: the state is not touched
    try:
        if run is None:
            if flow is not None:
                rt.flows([flow])  # an unknown flow is a usage error, listing the flows
            runs = rt.store.runs(flow, limit=limit)
            if as_json:
                _print_json({"runs": [run_json(r) for r in runs]}, rt)
            else:
                console.print(runs_table(runs, rt.redact))
            return
        record = rt.store.run(run)
        if record is None:
            raise UsageError(f"no run {run} in the history (`synchub history` lists them)")
        writes = rt.store.run_writes(run)
        if as_json:
            _print_json({"run": run_json(record), "writes": [write_json(w) for w in writes]},
                        rt)
        else:
            console.print(writes_table(record, writes, rt.redact))
    finally:
        rt.close()


def _print_json(data: dict[str, Any], rt: Any) -> None:
    """Plain JSON on stdout (no colours, no wrapping), every string masked."""
    from hub.redact import redact_data

    print(json.dumps(redact_data(data, rt.redact), indent=2))


@handled
def undo(
    run: Annotated[int, typer.Argument(help="The run to undo (`synchub history`).")],
    config: ConfigOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before writing.")
                   ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be "
                       "written.")] = False,
    wait: WaitOpt = None,
) -> None:
    """Write back the values a run replaced: its updates' old values, its creates deleted,
    its deletes re-created. Fields edited since are left as they are (and listed). Shows the
    plan and asks first; the undo is a run of its own, so it can be undone too."""
    import contextlib

    from hub.history.undo import find_run

    rt = runtime(config, preview=dry_run)  # a dry run reads a read-only view, as `plan`
    try:
        record = find_run(rt.store, run, rt.config.flows)
        # A dry run only reads, and readers take no lock (as `plan`); a real undo is the
        # flow's only writer from its reads to its last commit (P13), prompt included.
        lock = contextlib.nullcontext() if dry_run else writer(rt, record.flow,
                                                                "synchub undo", wait)
        with lock:
            code = _undo(rt, record, yes=yes, dry_run=dry_run)
        if code != EXIT_REFUSED and not dry_run:
            from hub.runtime import prune_history

            prune_history(rt.store, rt.config.state)
    finally:
        rt.close()
    raise typer.Exit(code)


def _undo(rt: Any, record: Any, *, yes: bool, dry_run: bool) -> int:
    """Plan, show, confirm and carry out the undo (under the writer lock); the exit code."""
    from hub.cli.history_view import skipped_lines, undo_table
    from hub.history.undo import carry_out, prepare
    from hub.round.calls import RetryPolicy

    cfg = rt.config.flows[record.flow]
    adapters = rt.adapters(record.flow)
    retry = RetryPolicy.from_config(rt.config.retry)
    plan = prepare(rt.store, cfg, adapters, record, retry)
    if plan.writes:
        console.print(undo_table(plan, rt.redact))
    for line in skipped_lines(plan, rt.redact):
        console.print(f"[yellow]{line}[/]", highlight=False)
    if not plan.writes:
        console.print(f"nothing to undo in run {record.id}", highlight=False)
        return EXIT_OK
    if dry_run:
        console.print("dry run: nothing written")
        return EXIT_OK
    if not yes and not typer.confirm(f"Write these {len(plan.writes)} changes?",
                                     default=False, err=True):
        err_console.print("nothing written (--yes skips this question)")
        return EXIT_REFUSED
    report = carry_out(rt.store, cfg, adapters, plan, retry)
    total = sum(report.writes.values())
    console.print(f"undo of run {record.id} is run {report.run_id}: {report.status}, "
                  f"{total} writes", highlight=False)
    for note in report.notes:
        console.print(f"[dim]{escape(rt.redact(note))}[/]", highlight=False)
    for _, err in report.errors:
        err_console.print(f"[red]error:[/] {escape(rt.redact(str(err)))}", highlight=False,
                          soft_wrap=True)
    return worst([advice(err)[0] for _, err in report.errors]) if report.errors else EXIT_OK
