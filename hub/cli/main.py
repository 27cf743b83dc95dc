"""The ``synchub`` command line: the typer app and its table of commands (console entry point
``hub.cli.main:main``; ``python -m hub`` is the same). Each command lives in the module of its
group; what they share is :mod:`hub.cli.common`. Exit codes: see :mod:`hub.cli.advice`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hub import __version__
from hub.cli import (
    auth,
    check,
    conflicts,
    history,
    init,
    presets,
    report,
    run,
    secret,
    status,
    sync,
    tryout,
)
from hub.cli.common import console, err_console

app = typer.Typer(add_completion=True, no_args_is_help=True,
                  help="Two-way sync between Jira, Todoist, Notion and Google Calendar.")
conflicts_app = typer.Typer(help="List and resolve conflicts waiting for a decision.",
                            no_args_is_help=False, invoke_without_command=True)
app.add_typer(conflicts_app, name="conflicts")


def version() -> None:
    """Print synchub's version."""
    console.print(f"synchub {__version__}")


def _print_version(value: bool) -> None:
    if value:
        version()
        raise typer.Exit(0)


@app.callback()
def _root(show_version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print synchub's version and exit (as `synchub version`).")] = False) -> None:
    """Two-way sync between Jira, Todoist, Notion and Google Calendar."""


# The order here is the order of ``synchub --help``.
app.command()(init.init)
app.command()(sync.sync)
app.command()(sync.plan)
app.command()(status.status)
app.command()(check.check)
conflicts_app.callback()(conflicts.conflicts)
conflicts_app.command("resolve")(conflicts.conflicts_resolve)
app.command()(status.explain)
app.command()(history.history)
app.command()(history.undo)
app.command()(report.report)
app.command()(run.run)
app.command()(tryout.demo)
app.command()(tryout.sandbox)
app.command()(presets.presets)
app.command()(version)
app.add_typer(auth.auth_app, name="auth")
app.add_typer(secret.secret_app, name="secret")


def main() -> None:
    try:
        # One name however it was started (`synchub`, `python -m hub`, a fork): help text
        # and shell completion (its _SYNCHUB_COMPLETE variable) depend on it.
        app(prog_name="synchub")
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
