"""``synchub demo``: a readable two-way sync story that needs no account and no network.

It starts the Jira, Todoist, Notion and Google Calendar emulators on 127.0.0.1, talks to them
through the official clients (jira, todoist-api-python, notion-client, google-api-python-client)
as with the real services, keeps state in
SQLite, and narrates each round: matching what exists on both sides, an edit travelling
across, a conflict decided by ``newest``, a delete handled by ``complete``, and a final quiet
round that writes nothing. Adapters and emulators come through the registry, like any other.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from adapters.base import Adapter, EndpointContext, load_factory
from hub.config.models import DeletePolicy, EndpointConfig, FlowConfig
from hub.engine import RoundReport, run_flow
from hub.model import DateOnly, Item, StatusKind

SERVICES = ("jira", "todoist", "notion", "gcal")


def _table(sandboxes: dict[str, Any]) -> Table:
    t = Table(show_header=True, header_style="bold")
    for col in ("service", "title", "status", "due", "priority"):
        t.add_column(col)
    for name, sb in sandboxes.items():
        for item in sorted(sb.items().values(), key=lambda i: i.title):
            t.add_row(name, item.title, item.status.kind.value,
                      str(item.due) if item.due else "—", str(item.priority or "—"))
    return t


def _story(console: Console, step: str, report: RoundReport, sandboxes: dict[str, Any]
           ) -> None:
    c = report.counts
    lines = [f"round: {report.status}; created {c['create']}, updated {c['update']}, "
             f"deleted {c['delete']}, writes {c['writes']}, "
             f"requests {sum(report.requests.values())}"]
    if report.plan:
        for lp in report.plan.links:
            for w in lp.writes:
                what = ", ".join(sorted(w.fields)) if w.fields else ""
                lines.append(f"  → {w.endpoint}: {w.kind.value} {what} [{lp.title}]")
            lines.extend(f"    why: {r}" for r in lp.reasons)
    for ep, err in report.errors:
        lines.append(f"  ✗ {ep}: {err}")
    console.print()
    console.print(f"[bold cyan]{step}[/]")  # wraps on narrow terminals; a panel title would not
    console.print(Panel("\n".join(lines), expand=False))
    console.print(_table(sandboxes))


def _find(sb: Any, title: str) -> str:
    return next(ref for ref, i in sb.items().items() if i.title.casefold() == title.casefold())


def run_demo(console: Console, state: str | None = None) -> int:
    from hub.store import open_store

    sandboxes: dict[str, Any] = {}
    adapters: dict[str, Adapter] = {}
    try:
        for name in SERVICES:
            factory = load_factory(name)
            sb = factory.sandbox()  # type: ignore[attr-defined]
            sandboxes[name] = sb
            adapters[name] = factory.build(
                factory.connection_model.model_validate(sb.connection),
                factory.scope_model.model_validate(sb.scope),
                EndpointContext(name=name, flow="demo", value_maps=sb.value_maps,
                                options=sb.options))
        return _play(console, state, sandboxes, adapters, open_store)
    finally:
        for a in adapters.values():
            a.close()
        for sb in sandboxes.values():
            sb.stop()


def _play(console: Console, state: str | None, sandboxes: dict[str, Any],
          adapters: dict[str, Adapter], open_store: Any) -> int:
    jira, notion, todoist, gcal = (sandboxes[n] for n in ("jira", "notion", "todoist", "gcal"))
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     conflict="newest", delete=DeletePolicy.COMPLETE)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(state).expanduser() if state else Path(tmp) / 'demo.db'}"
        store = open_store(url)
        store.migrate()

        def sync(step: str) -> RoundReport:
            rep = run_flow("demo", cfg, adapters, store)
            _story(console, step, rep, sandboxes)
            return rep

        console.rule("[bold]synchub demo[/]: the team's Jira, your Todoist, a Notion "
                     "project database and your calendar, kept in sync")
        console.print("[dim]All four run locally (emulators on 127.0.0.1) and are reached "
                      "through their official Python clients, as the real ones would be.[/]")
        jira.user_create(Item(title="Fix login timeout", priority=4))
        jira.user_create(Item(title="Prepare sprint review", priority=2))
        todoist.user_create(Item(title="prepare sprint review", labels=["meetings"]))
        todoist.user_create(Item(title="Book team offsite"))
        sync("1. First sync: every item reaches every service; 'Prepare sprint review' was in "
             "Jira and Todoist already and is matched, not duplicated")

        todoist.user_edit(_find(todoist, "Fix login timeout"),
                          due=DateOnly(date=dt.date(2026, 11, 27)))
        sync("2. In Todoist you give 'Fix login timeout' a due date: it reaches Jira and "
             "Notion, and becomes an all-day block in the calendar")

        jira.user_edit(_find(jira, "Fix login timeout"), title="Fix login timeout on SSO")
        time.sleep(0.01)  # the Todoist rename is the later one
        todoist.user_edit(_find(todoist, "Fix login timeout"),
                          title="Fix login timeout (urgent)")
        sync("3. Jira and Todoist both rename it: a conflict; policy 'newest' keeps the later "
             "edit (Todoist's)")

        notion.user_delete(_find(notion, "Prepare sprint review"))
        sync("4. You delete 'Prepare sprint review' in Notion: policy 'complete' closes the "
             "Jira issue and the Todoist task instead of deleting them")

        gcal.user_edit(_find(gcal, "Fix login timeout (urgent)"),
                       due=DateOnly(date=dt.date(2026, 11, 30)))
        sync("5. You drag the block to Monday in the calendar: the new due date reaches "
             "Jira, Todoist and Notion")

        rep = sync("6. Nothing changed: a quiet round writes nothing")
        store.close()
    done = [sb for sb in (jira, todoist) if any(
        i.status.kind is StatusKind.DONE for i in sb.items().values())]
    titles = [{i.title for i in sb.items().values()} for sb in (jira, todoist, notion)]
    moved = all(any(i.due == DateOnly(date=dt.date(2026, 11, 30)) for i in sb.items().values())
                for sb in (jira, todoist, notion, gcal))
    ok = rep.counts["writes"] == 0 and len(done) == 2 and not rep.errors and moved and \
        all("Fix login timeout (urgent)" in t and len(t) == 3 for t in titles[:2])
    console.print("[green]Demo finished: every change arrived, nothing was duplicated.[/]"
                  if ok else "[red]Demo did not converge as expected.[/]")
    return 0 if ok else 1
