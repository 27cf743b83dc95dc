"""``synchub check``: validate the configuration (every problem at once) and, with
``--probe``, sign in to each service and check each endpoint's scope and mapping there (the
JQL, the project, the Notion properties, the calendar) with a request or two each. A probe
also refreshes what the adapters discovered (the state store's discovery cache: the Jira
user and fields, the Notion schema, the Todoist project id): forgotten, so each service is
asked again, and what the checks read is kept."""

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
    store = _discovery_store(loaded)
    try:
        failed += _verify_endpoints(loaded, redact,
                                    skip={n for n, ok in probed.items() if not ok}, store=store)
    finally:
        if store is not None:
            store.close()
    if failed:
        raise typer.Exit(worst(failed))


def _discovery_store(loaded: Any) -> Any:
    """The state store, its discovery cache emptied (``--probe`` refreshes it), or None when
    there is no state yet or it cannot be opened as it is (a probe creates, upgrades and binds
    nothing: that is the next run's business, with its own errors)."""
    from pathlib import Path

    from hub.settings import Settings
    from hub.store import open_store, resolve_url
    from hub.store.base import SCHEMA_VERSION

    url = resolve_url(Settings().state_url or loaded.config.state.url, loaded.path.parent)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).expanduser().exists():
        return None
    try:
        store = open_store(url)
    except SyncHubError:
        return None
    try:
        if store.schema_version() != SCHEMA_VERSION:  # type: ignore[attr-defined]
            store.close()
            return None
        store.drop_discovered()
    except Exception:  # a cache left as it is: the probe's checks still run
        store.close()
        return None
    return store


def _verify_endpoints(loaded: Any, redact: Any, skip: set[str], store: Any = None
                      ) -> list[int]:
    """Each endpoint's scope and mapping against its service (adapters that can say:
    :class:`adapters.contract.Verifying`); endpoints of a connection that failed its probe
    are left out (their error is already shown). Returns the exit codes of failures."""
    from adapters.context import DiscoveryCache
    from adapters.contract import Verifying
    from hub.config.build import build_adapters

    cache = DiscoveryCache(store) if store is not None else None

    failed = []
    for flow in loaded.config.flows:
        try:
            adapters = build_adapters(loaded, flow, cache)
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
