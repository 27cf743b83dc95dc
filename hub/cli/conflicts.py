"""``synchub conflicts`` and ``synchub conflicts resolve``: the conflicts a ``manual`` policy
queued, and deciding one (the state edit is :func:`hub.round.conflicts.resolve`)."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import ConfigOpt, WaitOpt, console, handled, runtime, writer


@handled
def conflicts(ctx: typer.Context, config: ConfigOpt = None) -> None:
    """List open conflicts (``synchub conflicts resolve ID --use SERVICE`` decides one)."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.cli.render import conflicts_table

    rt = runtime(config)
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


@handled
def conflicts_resolve(
    conflict_id: Annotated[int, typer.Argument(help="The conflict id (`synchub conflicts`).")],
    use: Annotated[str, typer.Option("--use", help="The service whose value wins.")],
    config: ConfigOpt = None,
    wait: WaitOpt = None,
) -> None:
    """Resolve a conflict by choosing the service whose value wins; the next sync applies it."""
    from hub.round.conflicts import resolve_open

    rt = runtime(config)
    try:
        done = resolve_open(rt.store, conflict_id, use,
                            lambda flow: writer(rt, flow, "synchub conflicts resolve", wait))
        console.print(f"[green]✓[/] conflict {conflict_id} ({done.field}) resolved with "
                      f"{use}'s value; run `synchub sync` to apply it everywhere")
    finally:
        rt.close()
