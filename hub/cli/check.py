"""``synchub check``: validate the configuration (every problem at once) and, with
``--probe``, sign in to each service and check each endpoint's scope and mapping there (the
JQL, the project, the Notion properties, the calendar) with a request or two each."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from hub.cli.advice import advice, worst
from hub.cli.common import ConfigOpt, console, handled
from hub.errors import SyncHubError
from hub.words import counted


@handled
def check(
    config: ConfigOpt = None,
    probe: Annotated[bool, typer.Option("--probe/--no-probe", help="Also sign in to "
                     "each service and check every endpoint's scope and mapping there.")] = False,
) -> None:
    """Validate the configuration (every problem at once); with --probe, test connections."""
    from adapters.base import load_factory
    from hub.config.loader import load_config
    from hub.redact import Redactor, activate
    from hub.runtime import find_config

    path = find_config(config)
    loaded = load_config(path)
    redact = activate(Redactor(loaded.secrets()))
    connections = counted(len(loaded.config.connections), "connection")
    console.print(f"[green]✓[/] {path}: valid ({connections}, "
                  f"{counted(len(loaded.config.flows), 'flow')})")
    if not probe:
        return
    failed = []
    probed: dict[str, bool] = {}
    for name, conn in loaded.config.connections.items():
        factory = load_factory(conn.type)
        try:  # the settings the loader validated (without type and webhook_secret)
            who = factory.probe(loaded.connections[name])
        except SyncHubError as err:
            code, hint = advice(err)
            failed.append(code)
            probed[name] = False
            console.print(f"[red]✗[/] {name} ({conn.type}): {escape(redact(str(err)))}\n"
                          f"    {hint}")
            continue
        probed[name] = True
        console.print(f"[green]✓[/] {name} ({conn.type}): {escape(redact(who))}")
    failed += _verify_endpoints(loaded, redact, skip={n for n, ok in probed.items() if not ok})
    if failed:
        raise typer.Exit(worst(failed))


def _verify_endpoints(loaded: Any, redact: Any, skip: set[str]) -> list[int]:
    """Each endpoint's scope and mapping against its service (adapters that can say:
    :class:`adapters.contract.Verifying`); endpoints of a connection that failed its probe
    are left out (their error is already shown). Returns the exit codes of failures."""
    from adapters.contract import Verifying
    from hub.config.build import build_adapters

    failed = []
    for flow in loaded.config.flows:
        try:
            adapters = build_adapters(loaded, flow)
        except SyncHubError as err:
            code, hint = advice(err)
            console.print(f"[red]✗[/] flow {flow}: {escape(redact(str(err)))}\n    {hint}")
            failed.append(code)
            continue
        try:
            for ename, adapter in adapters.items():
                conn = loaded.config.flows[flow].endpoints[ename].connection
                if conn not in skip and isinstance(adapter, Verifying):
                    failed += _verify_one(f"{flow}.{ename}", adapter, redact)
        finally:
            for adapter in adapters.values():
                adapter.close()
    return failed


def _verify_one(where: str, adapter: Any, redact: Any) -> list[int]:
    try:
        found = adapter.verify()
    except SyncHubError as err:
        code, hint = advice(err)
        console.print(f"[red]✗[/] {where}: {escape(redact(str(err)))}\n    {hint}")
        return [code]
    console.print(f"[green]✓[/] {where}: {escape(redact(found))}", soft_wrap=True)
    return []
