"""CLI renderings show user text as written: brackets in a title are not rich markup."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

from adapters.base import Capabilities, WriteKind
from hub.cli.render import items_table, plan_table, round_story, show_value
from hub.model import DateOnly, Item, Status, StatusKind
from hub.planner.types import LinkPlan, Plan, Write
from hub.round.engine import RoundReport
from hub.store.base import CopyState, LinkState

TITLE = "[wip] fix login"  # starts in lower case: rich would read it as a style tag


def text(renderable: object) -> str:
    console = Console(record=True, width=160)
    console.print(renderable)
    return console.export_text()


def report() -> RoundReport:
    item = Item(title=TITLE, priority=3)
    copy = CopyState("jira", "10001", base=Item(), snapshot=item)
    link = LinkState(flow="f", link_id="l1", base=item, copies={"jira": copy})
    plan = Plan(flow="f", total_links=0, links=(LinkPlan(
        link_id="l1", before=None, interim=link, reasons=("title: [why] not markup",),
        writes=(Write(WriteKind.CREATE, "todoist", "k1", item=item),
                Write(WriteKind.UPDATE, "notion", "k2", ref="p1", item=item,
                      fields=frozenset({"priority"})))),))
    return RoundReport(flow="f", run_id=1, status="ok", plan=plan, requests={"jira": 2})


def test_plan_table_keeps_bracketed_titles() -> None:
    assert TITLE in text(plan_table(report(), lambda s: s))


def test_round_story_tells_each_item_with_its_writes_and_reasons() -> None:
    caps = {"jira": Capabilities(fields=frozenset({"title"})),
            "todoist": Capabilities(fields=frozenset({"title"})),
            "notion": Capabilities(fields=frozenset({"title"})),
            "calendar": Capabilities(fields=frozenset({"title", "due"}),
                                     create_requires_any=frozenset({"due"}))}
    out = text("\n".join(round_story(report(), caps)))
    lines = [line.strip() for line in out.splitlines()]
    assert lines[:6] == [TITLE, "new in jira", "→ todoist: create",
                         "→ notion: update priority → 3",
                         "calendar: no copy, as it has no due date",
                         "why: title: [why] not markup"]
    assert "round ok: 1 created, 1 updated, 0 deleted, 0 conflicts queued; 0 writes, " \
           "2 requests over HTTP" in out


def test_items_table_shows_values_as_people_read_them() -> None:
    item = Item(title=TITLE, status=Status(kind=StatusKind.IN_PROGRESS),
                due=DateOnly(date=dt.date(2026, 3, 9)), labels=["[x]"])
    out = text(items_table({"jira": {"1": item}, "calendar": {"e": item}},
                           {"jira": frozenset({"title", "status", "due", "labels"}),
                            "calendar": frozenset({"title", "due"})}))
    jira = next(line for line in out.splitlines() if "jira" in line)
    assert TITLE in jira and "in progress" in jira and "Mon 09 Mar" in jira and "[x]" in jira
    calendar = next(line for line in out.splitlines() if "calendar" in line)
    assert calendar.count("n/a") == 4  # status, priority, assignee, labels: not held there
    assert show_value(None) == "—" and show_value(()) == "—"
