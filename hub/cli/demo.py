"""``synchub demo``: a readable two-way sync story that needs no account and no network.

It starts the Jira, Todoist, Notion and Google Calendar emulators on 127.0.0.1, seeds them with
a small project (a Jira sprint, a Todoist project, a Notion tasks database, a calendar), talks
to them through the official clients (jira, todoist-api-python, notion-client,
google-api-python-client) as with the real services, keeps state in SQLite, and narrates each
round: what exists on both sides being matched, edits made in each service travelling to the
others, a conflict decided by ``newest``, a delete handled by ``complete``, comments copied,
one occurrence of a weekly task completed (rolled on everywhere), and a final quiet round
that writes nothing. Adapters and emulators come through the registry, like any other.

The pieces are separate so a test can play the story and then inspect the emulators:
:func:`demo_world` starts them, :func:`play` tells the story and checks the outcome in every
service (:func:`problems`), :func:`run_demo` is the CLI command.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from adapters.base import Adapter, Commenting, EndpointContext, load_factory, sandbox_factory
from adapters.toolkit.comments import parse as parse_comment
from hub.cli.render import items_table, round_story
from hub.config.models import DeletePolicy, EndpointConfig, FlowConfig
from hub.model import DateOnly, Item, Status, StatusKind
from hub.round.engine import RoundReport, run_flow

FLOW = "demo"
#: endpoint name -> adapter type; the endpoint names are what the tables and "why" lines show
ENDPOINTS = {"jira": "jira", "todoist": "todoist", "notion": "notion", "calendar": "gcal"}
TIMEZONE = "Europe/Berlin"
TEAMMATE = "u1@example.com"  # one of the people the emulators know in all three services
SPRINT = "sprint-14"

# The seeded project (titles are used by the story, its checks and the tests).
FIX = "Fix login timeout"
FIX_RENAMED = "Fix login timeout (urgent)"
FIX_JIRA_RENAME = "Fix login timeout on SSO"
REVIEW = "Prepare sprint review"
RUNBOOK = "Update on-call runbook"
OFFSITE = "Book team offsite"
ROADMAP = "Draft Q3 roadmap"
NOTES = "Write release notes"
GOLIVE = "Release 2.4 go-live"
REPORT = "Send weekly status report"  # recurring: every week, in Todoist
JIRA_COMMENT = "The SSO logs point at the token refresh; can you check on staging?"
TODOIST_COMMENT = "Checked on staging: the refresh runs late. Fix in review."


@dataclass(frozen=True)
class Dates:
    """The sprint runs from next Monday, so every date in the story lies ahead."""

    today: dt.date

    def day(self, n: int) -> dt.date:
        return self.today + dt.timedelta(days=7 - self.today.weekday() + n)


@dataclass
class DemoWorld:
    """The running emulators (each with a *user* who edits as in the service's own app) and
    the adapters synchub reaches them through, both keyed by endpoint name."""

    sandboxes: dict[str, Any]
    adapters: dict[str, Adapter]


@dataclass
class DemoResult:
    reports: list[tuple[str, RoundReport]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@contextmanager
def demo_world() -> Iterator[DemoWorld]:
    sandboxes: dict[str, Any] = {}
    adapters: dict[str, Adapter] = {}
    try:
        for endpoint, service in ENDPOINTS.items():
            factory = load_factory(service)
            sb = sandbox_factory(factory).sandbox()
            sandboxes[endpoint] = sb
            adapters[endpoint] = factory.build(
                factory.connection_model.model_validate(sb.connection),
                factory.scope_model.model_validate(sb.scope),
                EndpointContext(name=endpoint, flow=FLOW, value_maps=sb.value_maps,
                                options=sb.options, timezone=TIMEZONE))
        yield DemoWorld(sandboxes, adapters)
    finally:
        for a in adapters.values():
            a.close()
        for sb in sandboxes.values():
            sb.stop()


def _status(kind: str) -> Status:
    return Status(kind=StatusKind(kind))


def seed(world: DemoWorld, d: Dates) -> None:
    """What each service holds before synchub first runs. 'Prepare sprint review' is in Jira
    and in Todoist already, with the same title and date: the first sync links the two."""
    jira, todoist, notion, calendar = (world.sandboxes[n] for n in ENDPOINTS)
    jira.user_create(Item(title=FIX, priority=4, due=DateOnly(date=d.day(2)),
                          assignee=TEAMMATE, labels=[SPRINT]))
    jira.user_create(Item(title=REVIEW, priority=3, due=DateOnly(date=d.day(3)),
                          labels=[SPRINT]))
    jira.user_create(Item(title=RUNBOOK, priority=1, labels=[SPRINT]))
    todoist.user_create(Item(title=REVIEW, due=DateOnly(date=d.day(3))))
    todoist.user_create(Item(title=OFFSITE))
    todoist.user_create(Item(title=REPORT, due=DateOnly(date=d.day(4)),
                             recurrence="FREQ=WEEKLY"))
    notion.user_create(Item(title=ROADMAP, status=_status("in_progress"), priority=3,
                            due=DateOnly(date=d.day(9))))
    notion.user_create(Item(title=NOTES))
    calendar.user_create(Item(title=GOLIVE, due=DateOnly(date=d.day(4))))


def lossy_notes(holdings: dict[str, dict[str, Item]]) -> list[str]:
    """What a reader of the tables would otherwise take for a sync error: values a service
    cannot hold, shown as that service holds them."""
    notes = ["The calendar holds a title, a description, a date and a repeat rule only "
             "(other columns: n/a); an item becomes an event only once it has a date, here "
             "an all-day block."]
    by_title: dict[str, dict[str, Item]] = {}
    for ep, items in holdings.items():
        for item in items.values():
            by_title.setdefault(item.title, {})[ep] = item
    for title, copies in sorted(by_title.items()):
        notes.extend(note for lossy in (_jira_medium, _todoist_low, _todoist_in_progress,
                                        _calendar_series)
                     if (note := lossy(title, copies)) is not None)
    return notes


def _jira_medium(title: str, copies: dict[str, Item]) -> str | None:
    jira = copies.get("jira")
    if jira and jira.priority == 2 and any(
            c.priority is None for ep, c in copies.items() if ep in ("todoist", "notion")):
        return ("Jira has no 'no priority': an issue without one reads as Medium, shown as "
                "2. synchub knows this and does not copy that 2 back to the others, which "
                "keep no priority.")
    return None


def _todoist_low(title: str, copies: dict[str, Item]) -> str | None:
    todoist = copies.get("todoist")
    if todoist and todoist.priority is None and any(c.priority == 1 for c in copies.values()):
        return ("Todoist's lowest priority (p4) is also its 'no priority': Low (1) shows as — "
                "there, and stays Low everywhere else.")
    return None


def _calendar_series(title: str, copies: dict[str, Item]) -> str | None:
    event = copies.get("calendar")
    if event and event.recurrence and any(
            c.due != event.due for ep, c in copies.items() if ep != "calendar"):
        return (f"'{title}' is a series in the calendar ({event.recurrence}): its date is "
                f"the series' first occurrence, kept so past ones stay; the others hold the "
                f"current one.")
    return None


def _todoist_in_progress(title: str, copies: dict[str, Item]) -> str | None:
    todoist = copies.get("todoist")
    if todoist and todoist.status.kind is StatusKind.OPEN and any(
            c.status.kind is StatusKind.IN_PROGRESS for c in copies.values()):
        return (f"Todoist has no 'in progress' (unless sections are mapped to statuses): "
                f"'{title}' is an open task there, in progress in Jira and Notion.")
    return None


def _find(sb: Any, title: str) -> str:
    return str(next(ref for ref, i in sb.items().items() if i.title == title))


def _day(d: dt.date) -> str:
    return f"{d:%A %d %B}"


def play(console: Console, world: DemoWorld, state: str | None = None,
         today: dt.date | None = None) -> DemoResult:
    """Seed, tell the story round by round, then check every service (see :func:`problems`)."""
    from hub.store import open_store

    d = Dates(today or dt.date.today())
    sb = world.sandboxes
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in world.adapters},
                     conflict="newest", delete=DeletePolicy.COMPLETE, comments=True)
    result = DemoResult()
    shown: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(
            f"sqlite:///{Path(state).expanduser() if state else Path(tmp) / 'demo.db'}")
        store.migrate()

        def sync(step: str, everything: bool = False) -> RoundReport:
            """One round, its story, then the items it touched as each service holds them
            now (``everything``: all items)."""
            rep = run_flow(FLOW, cfg, world.adapters, store)
            result.reports.append((step, rep))
            console.print()
            console.print(f"[bold cyan]{escape(step)}[/]")
            caps = {n: a.capabilities for n, a in world.adapters.items()}
            console.print(Panel("\n".join(round_story(rep, caps)), expand=False))
            touched = {lp.title for lp in rep.plan.links if lp.writes} if rep.plan else set()
            if everything or touched:
                show(None if everything else touched)
            return rep

        def show(titles: set[str] | None = None) -> None:
            holdings = {n: {r: i for r, i in box.items().items()
                            if titles is None or i.title in titles}
                        for n, box in world.sandboxes.items()}
            console.print(items_table(holdings, {n: a.capabilities.fields
                                                 for n, a in world.adapters.items()}))
            for note in lossy_notes(holdings):
                if note not in shown:
                    shown.add(note)
                    console.print(f"[dim]note: {escape(note)}[/]")

        console.rule("[bold]synchub demo[/]: the team's Jira, your Todoist, a Notion "
                     "project database and your calendar, kept in sync")
        console.print("[dim]All four run locally (emulators on 127.0.0.1) and are reached "
                      "through their official Python clients, as the real ones would be. "
                      "Flow: conflict policy 'newest', delete policy 'complete'.[/]")
        seed(world, d)
        console.print()
        console.print(f"[bold cyan]0. Before synchub: Jira has three issues of {SPRINT} "
                      "(one assigned to a teammate), your Todoist has two tasks in 'Work', "
                      "the Notion 'Tasks' database two rows, the calendar one event[/]")
        show()

        sync("1. First sync: every item reaches Jira, Todoist and Notion; the calendar gets "
             "the items that have a date (as all-day blocks). 'Prepare sprint review' was "
             "in Jira and Todoist already: matched by title, not duplicated, and its fields "
             "merged", everything=True)

        _edit(sb["todoist"], OFFSITE, due=DateOnly(date=d.day(11)))
        sync(f"2. In Todoist you give '{OFFSITE}' a date ({_day(d.day(11))}): it reaches "
             "Jira and Notion, and now that it has a date it becomes a calendar block")

        _edit(sb["jira"], FIX, title=FIX_JIRA_RENAME)
        time.sleep(0.05)  # the Todoist rename is the later one
        _edit(sb["todoist"], FIX, title=FIX_RENAMED)
        sync(f"3. Both rename '{FIX}': Jira to '{FIX_JIRA_RENAME}', then Todoist to "
             f"'{FIX_RENAMED}'. A conflict: policy 'newest' keeps the later edit (Todoist's) "
             "everywhere")

        _edit(sb["jira"], RUNBOOK, status=_status("done"))
        sync(f"4. In Jira the team moves '{RUNBOOK}' to Done: the Todoist task is completed "
             "and the Notion row set to Done")

        sb["notion"].user_delete(_find(sb["notion"], NOTES))
        sync(f"5. You delete the Notion row '{NOTES}': policy 'complete' closes the Jira "
             "issue and the Todoist task instead of deleting them")

        _edit(sb["calendar"], FIX_RENAMED, due=DateOnly(date=d.day(7)))
        sync(f"6. In the calendar you drag '{FIX_RENAMED}' to {_day(d.day(7))}: the new "
             "date reaches Jira, Todoist and Notion")

        sb["jira"].user_comment(_find(sb["jira"], FIX_RENAMED), JIRA_COMMENT)
        sb["todoist"].user_comment(_find(sb["todoist"], FIX_RENAMED), TODOIST_COMMENT)
        sync(f"7. A teammate comments on '{FIX_RENAMED}' in Jira and you add a note to the "
             "Todoist task: each comment is copied once to the other services, headed by "
             "who wrote it, where and when")
        console.print(_comments_table(world, FIX_RENAMED))

        _edit(sb["jira"], REPORT, status=_status("done"))
        sync(f"8. '{REPORT}' repeats every week (a Todoist recurring task; a series in the "
             f"calendar). In Jira you close it for this week: every copy moves on to next "
             f"week's, {_day(d.day(11))}, and stays open; Todoist's own close records the "
             f"occurrence done; the calendar series keeps its start, so this week's stays")

        sync("9. Nothing changed: a quiet round writes nothing. Where everything stands:",
             everything=True)
        store.close()
    result.problems = problems(world, d, result.reports)
    if result.ok:
        console.print("[green]Demo finished: every change arrived in every service it "
                      "belongs to, nothing was duplicated, and the last round wrote "
                      "nothing.[/]")
    else:
        console.print("[red]Demo did not converge as expected:[/]")
        for p in result.problems:
            console.print(f"  [red]✗[/] {escape(p)}")
    return result


def _comments(world: DemoWorld, title: str) -> dict[str, list[str]]:
    """Each commenting service's comments on the item, as its adapter reads them."""
    out: dict[str, list[str]] = {}
    for ep, a in world.adapters.items():
        if isinstance(a, Commenting):
            ref = _find(world.sandboxes[ep], title)
            out[ep] = [c.text for c in a.comments([ref]).by_ref.get(ref, ())]
    return out


def _comments_table(world: DemoWorld, title: str) -> Table:
    t = Table(title=escape(f"Comments on '{title}'"), show_lines=True)
    t.add_column("service")
    t.add_column("comments, as each service holds them")
    for ep, texts in _comments(world, title).items():
        t.add_row(escape(ep), escape("\n—\n".join(texts) or "—"))
    return t


def _edit(sb: Any, name: str, **changes: Any) -> None:
    """An edit made by the service's user, as in its own app (not through synchub)."""
    sb.user_edit(_find(sb, name), **changes)


def expected(d: Dates) -> dict[str, dict[str, Any]]:
    """The canonical values every copy should end up with (None: no date)."""
    open_, done = _status("open"), _status("done")
    return {
        FIX_RENAMED: {"due": DateOnly(date=d.day(7)), "priority": 4, "assignee": TEAMMATE,
                      "labels": (SPRINT,), "status": open_},
        REVIEW: {"due": DateOnly(date=d.day(3)), "priority": 3, "labels": (SPRINT,),
                 "status": open_},
        RUNBOOK: {"due": None, "priority": 1, "status": done},
        OFFSITE: {"due": DateOnly(date=d.day(11)), "priority": None, "status": open_},
        ROADMAP: {"due": DateOnly(date=d.day(9)), "priority": 3,
                  "status": _status("in_progress")},
        NOTES: {"due": None, "priority": None, "status": done},
        GOLIVE: {"due": DateOnly(date=d.day(4)), "priority": None, "status": open_},
        REPORT: {"due": DateOnly(date=d.day(11)), "priority": None, "status": open_,
                 "recurrence": "FREQ=WEEKLY"},
    }


def expected_on(ep: str, title: str, d: Dates) -> dict[str, Any]:
    """Where one service holds a value of its own: the calendar's series starts at its first
    occurrence (its DTSTART is not moved by a completed occurrence)."""
    if ep == "calendar" and title == REPORT:
        return {"due": DateOnly(date=d.day(4))}
    return {}


def problems(world: DemoWorld, d: Dates, reports: list[tuple[str, RoundReport]]) -> list[str]:
    """Everything that is not as the story says, in every service: which items each holds
    (no duplicates; the calendar only dated ones; the deleted Notion row stays deleted),
    and each field as that service can represent it."""
    out = [f"{step.split('.')[0]}: {ep or 'round'}: {err}"
           for step, rep in reports for ep, err in rep.errors]
    last = reports[-1][1] if reports else None
    if last is None or last.counts["writes"] != 0:
        out.append("the quiet round wrote something")
    if last is not None and last.comments:
        out.append("the quiet round wrote comments")
    for ep, texts in _comments(world, FIX_RENAMED).items():
        bodies = sorted(parse_comment(t).body for t in texts)
        if bodies != sorted([JIRA_COMMENT, TODOIST_COMMENT]):
            out.append(f"{ep}: comments on {FIX_RENAMED!r} are {bodies}")
    want = expected(d)
    for ep, sb in world.sandboxes.items():
        mine = {t: v | expected_on(ep, t, d) for t, v in want.items()}
        out.extend(_service_problems(ep, world.adapters[ep], list(sb.items().values()), mine))
    return out


def _service_problems(ep: str, adapter: Adapter, items: list[Item],
                      want: dict[str, dict[str, Any]]) -> list[str]:
    """What one service holds that is not as the story says."""
    caps = adapter.capabilities
    out = []
    titles = [i.title for i in items]
    belongs = {t for t, v in want.items()
               if not (caps.create_requires_any and v["due"] is None)
               and not (ep == "notion" and t == NOTES)}
    if sorted(titles) != sorted(belongs):
        out.append(f"{ep} holds {sorted(titles)}, expected {sorted(belongs)}")
    represent = adapter.represent
    for item in items:
        for f, value in want.get(item.title, {}).items():
            if f not in caps.fields:
                continue
            target = represent(f, value)
            if getattr(item, f) != target:
                out.append(f"{ep}: {item.title!r} has {f} = {getattr(item, f)!r}, "
                           f"expected {target!r}")
    return out


def run_demo(console: Console, state: str | None = None) -> int:
    with demo_world() as world:
        return 0 if play(console, world, state).ok else 1


__all__ = ["DemoResult", "DemoWorld", "demo_world", "play", "run_demo"]
