"""``synchub status`` and ``synchub explain``: what the state store says, read only (readers
take no lock, so neither ever gets in the way of a writer)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from hub.cli.common import ConfigOpt, console, handled, runtime
from hub.errors import UsageError


@handled
def status(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document, for scripts and "
                       "monitoring.")] = False,
) -> None:
    """Flows, their last run, item counts, open conflicts and items set aside (reads only the
    state store, and never gets in the way of a writer)."""
    from hub.cli.render import last_run_cells, quarantine_table, services_table, status_table
    from hub.round.health import conflicts_next

    rt = runtime(config)
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
                "endpoints": ", ".join(fcfg.endpoints), "links": rt.store.count_links(name),
                "last_run": last, "result": result, "writes": writes,
                "conflicts": len(rt.store.conflicts(name)),
                "interval": str(fcfg.interval)})
        console.print(status_table(rows))
        for name in rt.config.flows:
            holder = rt.store.writer_holder(name)
            if holder:
                console.print(f"{escape(name)}: being synced now by {escape(holder)}",
                              highlight=False)
        troubled = [h for h in rt.store.health() if h.flow in rt.config.flows
                    and h.error is not None]  # every service that failed lately
        if troubled:
            console.print(services_table(troubled, rt.redact))
        aside = rt.store.quarantined()
        if aside:
            console.print(quarantine_table(aside, rt.redact))
        for name in rt.config.flows:
            waiting = conflicts_next(len(rt.store.conflicts(name)))
            if waiting:
                console.print(f"{escape(name)}: {escape(waiting)}", highlight=False)
    finally:
        rt.close()


def _status_json(rt: Any) -> None:
    import json

    from hub.redact import redact_data
    from hub.round.health import conflicts_next, health_json
    from hub.round.quarantine import as_json

    flows = []
    for name, fcfg in rt.config.flows.items():
        runs = rt.store.runs(name, limit=1)
        last = None if not runs else {
            "started_at": runs[0].started_at.isoformat(), "status": runs[0].status,
            "finished_at": runs[0].finished_at.isoformat() if runs[0].finished_at else None,
            "counts": dict(runs[0].counts), "error": runs[0].error}
        flows.append({
            "flow": name, "enabled": fcfg.enabled, "endpoints": list(fcfg.endpoints),
            "links": rt.store.count_links(name), "last_run": last,
            "conflicts": len(rt.store.conflicts(name)),
            "conflicts_next": conflicts_next(len(rt.store.conflicts(name))) or None,
            "services": [health_json(h) for h in rt.store.health(name)],
            "interval_seconds": fcfg.interval.total_seconds(),
            "writer": rt.store.writer_holder(name),
            "set_aside": [as_json(q) for q in rt.store.quarantined(name)]})
    print(json.dumps({"flows": redact_data(flows, rt.redact)}, indent=2))


@handled
def explain(
    item: Annotated[str, typer.Argument(help="A link id; SERVICE:ID; the service's own key "
                    "(Jira's OPS-3) or link (a Jira, Todoist or Notion URL, a calendar event "
                    "link); or a title (an exact one first, else part of one).")],
    config: ConfigOpt = None,
) -> None:
    """Which service last wrote each field of an item, in which run, by which rule.
    Read-only: the state store is not changed."""
    from hub.cli.lookup import find
    from hub.cli.render import copies_table, explain_table

    rt = runtime(config, rebind=True, preview=True)  # a look, never a bind
    try:
        hits = []
        for flow_name, fcfg in rt.config.flows.items():
            hits += find(rt.store.load_links(flow_name), item, fcfg.endpoints)
        titles = {h.base.title.casefold() for h in hits}
        if len(hits) > 1 and item.strip().casefold() in titles:  # exact across flows too
            hits = [h for h in hits if h.base.title.casefold() == item.strip().casefold()]
        if not hits:
            raise UsageError(f"no synced item matches {item!r}")
        if len(hits) > 1:
            listing = "\n".join(f"  {h.link_id}  {h.base.title}" for h in hits[:20])
            raise UsageError(f"{len(hits)} items match {item!r}; use a link id:\n{listing}")
        console.print(explain_table(hits[0], rt.redact))
        console.print(copies_table(hits[0], rt.redact))
        rule = hits[0].base.recurrence
        if rule is not None:
            unheld = sorted(ep for ep, c in hits[0].copies.items()
                            if c.snapshot.recurrence is None)
            if unheld:  # never silently a one-off: say where the rule is not held
                console.print(f"recurrence {rule}: not held by {', '.join(unheld)} (they "
                              "hold the current occurrence; synchub keeps the rule and "
                              "moves them on when one is completed)")
    finally:
        rt.close()
