"""What every command shares: the consoles, the common options, turning
errors into advice and exit codes (:func:`handled`), and opening the runtime and a flow's
writer lock. Exit codes: see :mod:`hub.cli.advice` (and docs/troubleshooting.md)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from hub.cli.advice import EXIT_INTERNAL, EXIT_OK, EXIT_PARTIAL, EXIT_REFUSED, advice, worst
from hub.errors import ConfigError, SyncHubError
from hub.status import RoundStatus

console = Console()
err_console = Console(stderr=True)

ConfigOpt = Annotated[str | None, typer.Option("--config", "-c", help="Config file "
                      "(default: $SYNCHUB_CONFIG, ./synchub.yaml, "
                      "${XDG_CONFIG_HOME:-~/.config}/synchub/synchub.yaml)")]
FlowOpt = Annotated[list[str] | None, typer.Option("--flow", "-f", help="Only this flow "
                    "(repeatable).")]
WaitOpt = Annotated[float | None, typer.Option(
    "--wait", min=0, help="Seconds to wait for another synchub writing the same flow (the "
    "daemon, another sync) before giving up with exit code 7 (default: state.writer_wait; "
    "0: do not wait).")]
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
            err_console.print(f"[red]error:[/] {escape(_render_error(err))}", highlight=False,
                              soft_wrap=True)
            err_console.print(f"[dim]{hint}[/]")
            raise typer.Exit(code) from None
        except (typer.Exit, typer.Abort, typer.BadParameter, KeyboardInterrupt):
            raise  # a bad option is shown with the usage, exit 2
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


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds tokens), whatever mode an older file
    there had: created 0600, then fchmod'ed before any byte is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def runtime(config: str | None, rebind: bool = False, preview: bool = False) -> Any:
    from hub.runtime import open_runtime

    return open_runtime(config, rebind=rebind, preview=preview)


def writer(rt: Any, flow: str, command: str, wait: float | None) -> Any:
    """The flow's writer lock (P13) for a command, saying for whom it waits."""
    from hub.store.locks import describe

    seconds = rt.config.state.writer_wait.total_seconds() if wait is None else wait

    def waiting(holder: str) -> None:
        err_console.print(f"[yellow]flow {flow!r} is being written by {escape(holder)}; "
                          f"waiting up to {seconds:g} s[/]", highlight=False)

    return rt.store.writer(flow, describe(command), wait=seconds, on_wait=waiting)


def round_code(report: Any) -> int:
    """The exit code one round's report earns."""
    if report.status == RoundStatus.REFUSED:
        return EXIT_REFUSED
    if report.status in (RoundStatus.OK, RoundStatus.DRY_RUN):
        return EXIT_OK
    codes = [advice(err)[0] for _, err in report.errors]
    return worst(codes) if codes else EXIT_PARTIAL
