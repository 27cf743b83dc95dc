"""The ``synchub`` command line. Exit codes: see :mod:`hub.cli_errors` (and the README)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from hub import __version__
from hub.cli_errors import (
    EXIT_CONFLICTS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_REFUSED,
    advice,
    worst,
)
from hub.errors import Busy, ConfigError, SyncHubError, UsageError
from hub.status import RoundStatus

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Two-way sync between Jira, Todoist, Notion and Google Calendar.")
conflicts_app = typer.Typer(help="List and resolve conflicts waiting for a decision.",
                            no_args_is_help=False, invoke_without_command=True)
app.add_typer(conflicts_app, name="conflicts")
console = Console()
err_console = Console(stderr=True)

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", help="Config file "
                      "(default: $SYNCHUB_CONFIG, ./synchub.yaml, ~/.config/synchub/synchub.yaml)")]
FlowOpt = Annotated[list[str] | None, typer.Option("--flow", "-f", help="Only this flow "
                    "(repeatable).")]
F = TypeVar("F", bound=Callable[..., Any])


def _render_error(err: SyncHubError) -> str:
    if isinstance(err, ConfigError):
        try:
            from hub.config.loader import format_config_error

            return format_config_error(err)
        except ImportError:
            return str(err)
    return str(err)


def handled(fn: F) -> F:
    """Turn synchub errors into a clear message, advice and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SyncHubError as err:
            code, hint = advice(err)
            err_console.print(f"[red]error:[/] {_render_error(err)}", highlight=False,
                              soft_wrap=True)
            err_console.print(f"[dim]{hint}[/]")
            raise typer.Exit(code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as err:
            # A bug: exit 10 as documented (not 1, which means "a round was partial"), with
            # the traceback for the report; the message is masked like any log line.
            import traceback

            from hub.redact import mask_known

            err_console.print(f"[red]internal error:[/] {escape(mask_known(str(err)))}",
                              highlight=False, soft_wrap=True)
            err_console.print(escape(mask_known("".join(traceback.format_exception(err)))),
                              highlight=False, soft_wrap=True)
            _, hint = advice(err)
            err_console.print(f"[dim]{hint}[/]")
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _runtime(config: str | None, rebind: bool = False) -> Any:
    from hub.runtime import open_runtime

    return open_runtime(config, rebind=rebind)


WaitOpt = Annotated[float | None, typer.Option(
    "--wait", min=0, help="Seconds to wait for another synchub writing the same flow (the "
    "daemon, another sync) before giving up with exit code 7 (default: state.writer_wait; "
    "0: do not wait).")]


def _writer(rt: Any, flow: str, command: str, wait: float | None) -> Any:
    """The flow's writer lock (P13) for a command, saying for whom it waits."""
    from hub.store.locks import describe

    seconds = rt.config.state.writer_wait.total_seconds() if wait is None else wait

    def waiting(holder: str) -> None:
        err_console.print(f"[yellow]flow {flow!r} is being written by {escape(holder)}; "
                          f"waiting up to {seconds:g} s[/]", highlight=False)

    return rt.store.writer(flow, describe(command), wait=seconds, on_wait=waiting)


@app.command()
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
    import contextlib

    from hub.cli_render import plan_table, round_summary
    from hub.engine import run_flow

    rt = _runtime(config, rebind)
    codes: list[int] = []
    try:
        for name in rt.flows(flow):
            # A dry run writes nothing and takes no lock; a real one is the flow's only
            # writer while it runs (P13), or gives up for this flow and goes on to the next.
            lock = contextlib.nullcontext() if dry_run else _writer(rt, name, "synchub sync",
                                                                     wait)
            try:
                with lock, Progress(TextColumn(f"[bold]{name}[/]"), BarColumn(),
                                    MofNCompleteColumn(), console=console,
                                    transient=True) as bar:
                    task = bar.add_task(name, total=None)

                    def progress(done: int, total: int, bar: Progress = bar,
                                 task: TaskID = task) -> None:
                        bar.update(task, completed=done, total=total)

                    report = run_flow(name, rt.config.flows[name], rt.adapters(name),
                                      rt.store, dry_run=dry_run, force=force,
                                      progress=progress)
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
            codes.append(_round_code(report))
            if rt.store.conflicts(name):
                codes.append(EXIT_CONFLICTS)
        if not dry_run:  # retention, after a command that wrote
            from hub.runtime import prune_history

            prune_history(rt.store, rt.config.state)
    finally:
        rt.close()
    raise typer.Exit(worst(codes))


def _round_code(report: Any) -> int:
    if report.status == RoundStatus.REFUSED:
        return EXIT_REFUSED
    if report.status in (RoundStatus.OK, RoundStatus.DRY_RUN):
        return EXIT_OK
    codes = [advice(err)[0] for _, err in report.errors]
    return worst(codes) if codes else EXIT_PARTIAL


@app.command()
@handled
def plan(config: ConfigOpt = None, flow: FlowOpt = None) -> None:
    """Show what a sync would create, update and delete in each service; write nothing."""
    from hub.cli_render import per_service_counts, plan_table, round_summary
    from hub.engine import run_flow

    rt = _runtime(config)
    codes = []
    try:
        for name in rt.flows(flow):
            report = run_flow(name, rt.config.flows[name], rt.adapters(name), rt.store,
                              dry_run=True)
            console.print(plan_table(report, rt.redact))
            console.print(per_service_counts(report))
            round_summary(console, report, rt.redact)
            codes.append(_round_code(report))
    finally:
        rt.close()
    raise typer.Exit(worst(codes))


@app.command()
@handled
def status(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document, for scripts and "
                       "monitoring.")] = False,
) -> None:
    """Flows, their last run, item counts, open conflicts and items set aside (reads only the
    state store, and never gets in the way of a writer)."""
    from hub.cli_render import last_run_cells, quarantine_table, status_table

    rt = _runtime(config)
    try:
        if as_json:
            _status_json(rt)
            return
        rows = []
        for name, fcfg in rt.config.flows.items():
            runs = rt.store.runs(name, limit=1)
            last, result, writes = last_run_cells(runs[0] if runs else None)
            rows.append({
                "flow": name + ("" if fcfg.enabled else " (disabled)"),
                "endpoints": ", ".join(fcfg.endpoints), "links": len(rt.store.load_links(name)),
                "last_run": last, "result": result, "writes": writes,
                "conflicts": len(rt.store.conflicts(name)),
                "interval": str(fcfg.interval)})
        console.print(status_table(rows))
        for name in rt.config.flows:
            holder = rt.store.writer_holder(name)
            if holder:
                console.print(f"{escape(name)}: being synced now by {escape(holder)}",
                              highlight=False)
        aside = rt.store.quarantined()
        if aside:
            console.print(quarantine_table(aside, rt.redact))
    finally:
        rt.close()


def _status_json(rt: Any) -> None:
    import json

    from hub.quarantine import as_json
    from hub.redact import redact_data

    flows = []
    for name, fcfg in rt.config.flows.items():
        runs = rt.store.runs(name, limit=1)
        last = None if not runs else {
            "started_at": runs[0].started_at.isoformat(), "status": runs[0].status,
            "finished_at": runs[0].finished_at.isoformat() if runs[0].finished_at else None,
            "counts": dict(runs[0].counts), "error": runs[0].error}
        flows.append({
            "flow": name, "enabled": fcfg.enabled, "endpoints": list(fcfg.endpoints),
            "links": len(rt.store.load_links(name)), "last_run": last,
            "conflicts": len(rt.store.conflicts(name)),
            "interval_seconds": fcfg.interval.total_seconds(),
            "writer": rt.store.writer_holder(name),
            "set_aside": [as_json(q) for q in rt.store.quarantined(name)]})
    print(json.dumps({"flows": redact_data(flows, rt.redact)}, indent=2))


@app.command()
@handled
def check(
    config: ConfigOpt = None,
    probe: Annotated[bool, typer.Option("--probe/--no-probe", help="Also call each service "
                     "once with the configured credentials.")] = False,
) -> None:
    """Validate the configuration (every problem at once); with --probe, test connections."""
    from adapters.base import load_factory
    from hub.config.loader import load_config
    from hub.redact import Redactor, collect_secrets
    from hub.runtime import find_config

    path = find_config(config)
    loaded = load_config(path)
    redact = Redactor(collect_secrets(loaded.config))
    n_flows = len(loaded.config.flows)
    console.print(f"[green]✓[/] {path}: valid ({len(loaded.config.connections)} connections, "
                  f"{n_flows} flow{'s' if n_flows != 1 else ''})")
    if not probe:
        return
    failed = []
    for name, conn in loaded.config.connections.items():
        factory = load_factory(conn.type)
        try:  # the settings the loader validated (without type and webhook_secret)
            who = factory.probe(loaded.connections[name])
        except SyncHubError as err:
            code, hint = advice(err)
            failed.append(code)
            console.print(f"[red]✗[/] {name} ({conn.type}): {redact(str(err))}\n    {hint}")
            continue
        console.print(f"[green]✓[/] {name} ({conn.type}): {redact(who)}")
    if failed:
        raise typer.Exit(worst(failed))


@conflicts_app.callback()
@handled
def conflicts(ctx: typer.Context, config: ConfigOpt = None) -> None:
    """List open conflicts (``synchub conflicts resolve ID --use SERVICE`` decides one)."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.cli_render import conflicts_table

    rt = _runtime(config)
    try:
        open_ = rt.store.conflicts()
        titles = {}
        for c in open_:
            link = rt.store.get_link(c.flow, c.link_id)
            titles[c.link_id] = link.base.title if link else c.link_id
        if not open_:
            console.print("[green]No open conflicts.[/]")
            return
        console.print(conflicts_table(open_, titles, rt.redact))
        console.print("Resolve one with: [bold]synchub conflicts resolve ID --use SERVICE[/]")
    finally:
        rt.close()


@conflicts_app.command("resolve")
@handled
def conflicts_resolve(
    conflict_id: Annotated[int, typer.Argument(help="The conflict id (`synchub conflicts`).")],
    use: Annotated[str, typer.Option("--use", help="The service whose value wins.")],
    config: ConfigOpt = None,
    wait: WaitOpt = None,
) -> None:
    """Resolve a conflict by choosing the service whose value wins; the next sync applies it."""
    from hub.conflicts import resolve

    rt = _runtime(config)
    try:
        match = [c for c in rt.store.conflicts() if c.id == conflict_id]
        if not match:
            raise UsageError(f"no open conflict with id {conflict_id}; "
                               "`synchub conflicts` lists them")
        with _writer(rt, match[0].flow, "synchub conflicts resolve", wait):
            # Looked up again under the lock: a round may have settled it meanwhile.
            match = [c for c in rt.store.conflicts() if c.id == conflict_id]
            if not match:
                raise UsageError(f"conflict {conflict_id} was settled meanwhile")
            resolve(rt.store, match[0], use)
        console.print(f"[green]✓[/] conflict {conflict_id} ({match[0].field}) resolved with "
                      f"{use}'s value; run `synchub sync` to apply it everywhere")
    finally:
        rt.close()


@app.command()
@handled
def explain(
    item: Annotated[str, typer.Argument(help="A link id, SERVICE:REMOTE_ID, or part of a title.")],
    config: ConfigOpt = None,
) -> None:
    """Which service last wrote each field of an item, in which run, by which rule."""
    from hub.cli_render import copies_table, explain_table

    rt = _runtime(config)
    try:
        hits = []
        for flow_name in rt.config.flows:
            for lid, link in rt.store.load_links(flow_name).items():
                refs = {f"{ep}:{c.ref}" for ep, c in link.copies.items()}
                if lid.startswith(item) or item in refs or \
                        item.casefold() in link.base.title.casefold():
                    hits.append(link)
        if not hits:
            raise UsageError(f"no synced item matches {item!r}")
        if len(hits) > 1:
            listing = "\n".join(f"  {h.link_id}  {h.base.title}" for h in hits[:20])
            raise UsageError(f"{len(hits)} items match {item!r}; use a link id:\n{listing}")
        console.print(explain_table(hits[0], rt.redact))
        console.print(copies_table(hits[0], rt.redact))
    finally:
        rt.close()


@app.command()
@handled
def run(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default: daemon.host, "
                    "127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: daemon.port, 8787).")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
    log_format: Annotated[str, typer.Option(help="auto (JSON unless on a terminal), json, "
                          "text.")] = "auto",
) -> None:
    """Run continuously: every flow at its interval, webhooks, status page and metrics."""
    from hub.daemon.service import Daemon
    from hub.logs import setup_logging

    rt = _runtime(config)
    setup_logging(log_level, log_format, rt.redact)
    raise typer.Exit(Daemon(rt, host=host, port=port).serve())


@app.command()
def demo(
    state: Annotated[str | None, typer.Option(help="Keep the demo's state in this SQLite file "
                     "(default: a temporary one).")] = None,
) -> None:
    """A two-way sync story on local emulators: no accounts, no network."""
    from hub.demo import run_demo

    raise typer.Exit(run_demo(console, state))


@app.command()
@handled
def sandbox(
    directory: Annotated[str, typer.Option("--dir", help="Where to write synchub.yaml and "
                         "keep the state.")] = "synchub-sandbox",
    base_port: Annotated[int, typer.Option(help="First emulator port (then +1, +2, +3); 0 "
                         "picks free ports.")] = 0,
    port: Annotated[int, typer.Option(help="Port the config gives `synchub run`.")] = 8787,
    seconds: Annotated[float | None, typer.Option(help="Stop after this long (default: "
                       "until Ctrl-C).")] = None,
) -> None:
    """Run Jira, Todoist, Notion and Google Calendar emulators locally with a ready config."""
    import signal
    import threading
    from pathlib import Path

    from hub.sandbox import serve

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def announce(path: Path, sandboxes: dict[str, Any]) -> None:
        for name, sb in sandboxes.items():
            console.print(f"  {name:<8} {sb.emu.base_url}")
        console.print(f"[green]Sandbox running.[/] Config: [bold]{path}[/]\n"
                      f"In another terminal: [bold]synchub run --config {path}[/] and open "
                      f"http://127.0.0.1:{port}/ — Ctrl-C here stops the emulators.",
                      soft_wrap=True)
        if seconds is not None:
            threading.Timer(seconds, stop.set).start()

    try:
        serve(Path(directory), base_port, port, stop, announce)
    except KeyboardInterrupt:
        stop.set()


@app.command()
def version() -> None:
    """Print synchub's version."""
    console.print(f"synchub {__version__}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
