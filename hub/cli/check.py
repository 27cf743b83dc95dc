"""``synchub check``: validate the configuration (every problem at once) and, with
``--probe``, call each service once with its credentials."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from hub.cli.advice import advice, worst
from hub.cli.common import ConfigOpt, console, handled
from hub.errors import SyncHubError


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
            console.print(f"[red]✗[/] {name} ({conn.type}): {escape(redact(str(err)))}\n"
                          f"    {hint}")
            continue
        console.print(f"[green]✓[/] {name} ({conn.type}): {escape(redact(who))}")
    if failed:
        raise typer.Exit(worst(failed))
