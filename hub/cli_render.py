"""Rich renderings for the CLI: plans, round summaries, status, conflicts, explanations.

Everything shown passes through the runtime's redactor first, so no secret reaches a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.base import WriteKind
from hub.engine import RoundReport
from hub.model import SYNC_FIELDS, Item
from hub.planner.merge import json_value
from hub.store.base import ConflictRecord, LinkState, RunRecord

Redact = Callable[[str], str]

_KIND_STYLE = {WriteKind.CREATE: "green", WriteKind.UPDATE: "yellow", WriteKind.DELETE: "red"}


def _short(value: Any, width: int = 40) -> str:
    text = "—" if value in (None, "", [], ()) else str(value)
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


def plan_table(report: RoundReport, redact: Redact) -> Table:
    t = Table(title=f"Plan for flow {report.flow!r}", show_lines=False)
    t.add_column("service")
    t.add_column("action")
    t.add_column("item")
    t.add_column("details")
    plan = report.plan
    rows = 0
    if plan is not None:
        for lp in plan.links:
            for w in lp.writes:
                what = ", ".join(sorted(w.fields)) if w.kind is WriteKind.UPDATE else (
                    w.ref or "")
                t.add_row(w.endpoint, f"[{_KIND_STYLE[w.kind]}]{w.kind.value}[/]",
                          redact(_short(lp.title)), redact(_short(what, 50)))
                rows += 1
            for c in lp.conflicts:
                t.add_row(", ".join(c.values), "[magenta]conflict[/]", redact(_short(lp.title)),
                          f"{c.field}: " + redact(_short(dict(c.values), 60)))
                rows += 1
    if rows == 0:
        t.add_row("—", "nothing to do", "", "")
    return t


def per_service_counts(report: RoundReport) -> Table:
    t = Table(title="Per service")
    for col in ("service", "create", "update", "delete"):
        t.add_column(col, justify="right" if col != "service" else "left")
    counts: dict[str, dict[str, int]] = {}
    for w in report.plan.writes if report.plan else []:
        counts.setdefault(w.endpoint, {"create": 0, "update": 0, "delete": 0})[w.kind.value] += 1
    for ep in sorted(counts):
        c = counts[ep]
        t.add_row(ep, str(c["create"]), str(c["update"]), str(c["delete"]))
    return t


def round_summary(console: Console, report: RoundReport, redact: Redact) -> None:
    c = report.counts
    style = {"ok": "green", "partial": "yellow", "failed": "red", "refused": "red",
             "dry-run": "cyan"}.get(report.status, "white")
    console.print(
        f"[bold]{report.flow}[/]: [{style}]{report.status}[/]  "
        f"created {c.get('create', 0)}, updated {c.get('update', 0)}, "
        f"deleted {c.get('delete', 0)}, conflicts {c.get('conflict', 0)}, "
        f"writes {c['writes']}, failed {c['failed']}")
    for ep, err in report.errors:
        text = str(err) if not ep or str(err).startswith(ep) else f"{ep}: {err}"
        console.print(f"  [red]✗[/] {redact(text)}")
    for note in report.notes:
        console.print(f"  [dim]•[/] {redact(note)}")


def status_table(rows: Sequence[dict[str, Any]]) -> Table:
    t = Table(title="synchub status")
    for col in ("flow", "endpoints", "links", "last run", "result", "writes", "open conflicts",
                "interval"):
        t.add_column(col)
    for r in rows:
        t.add_row(*(str(r[k]) for k in ("flow", "endpoints", "links", "last_run", "result",
                                         "writes", "conflicts", "interval")))
    return t


def when(ts: dt.datetime | None) -> str:
    if ts is None:
        return "never"
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def last_run_cells(run: RunRecord | None) -> tuple[str, str, str]:
    if run is None:
        return "never", "—", "—"
    return when(run.started_at), run.status, str(run.counts.get("writes", "—"))


def conflicts_table(conflicts: Sequence[ConflictRecord], titles: dict[str, str],
                    redact: Redact) -> Table:
    t = Table(title="Open conflicts")
    for col in ("id", "flow", "item", "field", "values (per service)", "since"):
        t.add_column(col)
    for c in conflicts:
        values = "; ".join(f"{ep}: {_short(v, 30)}" for ep, v in c.values.items())
        t.add_row(str(c.id), c.flow, redact(_short(titles.get(c.link_id, c.link_id))), c.field,
                  redact(values), when(c.created_at))
    return t


def explain_table(link: LinkState, redact: Redact) -> Table:
    t = Table(title=f"{link.base.title!r}  (link {link.link_id}, flow {link.flow})")
    for col in ("field", "agreed value", "last decided by", "run", "rule", "when"):
        t.add_column(col)
    for f in SYNC_FIELDS:
        value = json_value(link.base, f)
        prov = link.provenance.get(f)
        if value in (None, "", [], ()) and prov is None:
            continue
        t.add_row(f, redact(_short(value, 40)), prov.endpoint if prov else "—",
                  str(prov.run_id) if prov and prov.run_id is not None else "—",
                  prov.rule if prov else "—", when(prov.at) if prov else "—")
    return t


def copies_table(link: LinkState, redact: Redact) -> Table:
    t = Table(title="Copies")
    for col in ("service", "remote id", "version", "differs from agreed value in"):
        t.add_column(col)
    for ep, c in sorted(link.copies.items()):
        differs = [f for f in SYNC_FIELDS if getattr(c.snapshot, f) != getattr(link.base, f)
                   and getattr(c.snapshot, f) != getattr(Item(), f)]
        t.add_row(ep, redact(c.ref), c.version or "—", ", ".join(differs) or "—")
    for ep in sorted(link.detached):
        t.add_row(ep, "[dim]detached (deleted or out of scope there)[/]", "", "")
    return t
