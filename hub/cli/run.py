"""``synchub run``: the daemon (:mod:`hub.daemon`) with its logging set up."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import ConfigOpt, handled, runtime


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
    from hub.daemon.logs import setup_logging
    from hub.daemon.service import Daemon

    rt = runtime(config)
    setup_logging(log_level, log_format, rt.redact)
    raise typer.Exit(Daemon(rt, host=host, port=port).serve())
