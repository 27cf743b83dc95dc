"""``synchub report``: a progress report of the flows for a period, from the state store
(no service is asked, except a Notion page the report is delivered to)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import ConfigOpt, FlowOpt, err_console, handled, runtime
from hub.errors import UsageError
from hub.report.facts import Format


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)",
                                 param_hint=option) from None


@handled
def report(
    config: ConfigOpt = None,
    flow: FlowOpt = None,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, in the config's "
                     "time zone).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, included (default: up to "
                     "now).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="Days back from --until (default "
                    "7).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="md, html or json.")] = Format.MD,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of "
                   "stdout ({date} in the name: the report's day).")] = None,
    send: Annotated[bool, typer.Option("--deliver", help="Deliver to the configured "
                    "`report.to` targets (a file, a Notion page) instead of stdout.")] = False,
) -> None:
    """Done, started, overdue and due next week across the flows, grouped by service,
    assignee and label, with what changed where (reads only the state store)."""
    from hub.report.collect import period_of
    from hub.report.deliver import Destination, File, Stdout, deliver, destinations
    from hub.report.job import document, report_flows

    if since is not None and days is not None:
        raise typer.BadParameter("give --since or --days, not both", param_hint="--days")
    rt = runtime(config, rebind=True, preview=True)  # reads the state, never changes it
    try:
        try:
            period = period_of(now=dt.datetime.now(dt.UTC), timezone=rt.config.timezone,
                               since=_day(since, "--since"), until=_day(until, "--until"),
                               days=days)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        to: list[Destination] = [Stdout()]
        if send:
            if rt.config.report is None:
                raise UsageError("--deliver needs a `report:` section with `to:` targets in "
                                 "the config (docs/reporting.md)")
            to = destinations(rt.loaded, rt.config.report.to)
        elif out is not None:
            to = [File(out)]
        doc = document(rt, report_flows(rt, flow), period, fmt)
        for where in deliver(doc, to):
            if where != "stdout":
                err_console.print(f"report written to {where}", highlight=False)
    finally:
        rt.close()
