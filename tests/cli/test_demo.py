"""The README's main job: `synchub demo`. The story is played against the four emulators and
then the emulators themselves are inspected: each change really arrived in each service."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from hub.cli import demo
from hub.cli.main import app
from hub.model import DateOnly, StatusKind

TODAY = dt.date(2026, 3, 4)  # a Wednesday: the sprint starts Monday 9 March
MONDAY = dt.date(2026, 3, 9)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = io.StringIO()
    state = tmp_path_factory.mktemp("demo") / "demo.db"
    with demo.demo_world() as world:
        result = demo.play(Console(file=out, width=120), world, str(state), today=TODAY)
        yield {"world": world, "result": result, "out": out.getvalue(), "state": state}


def held(played: dict[str, Any], endpoint: str) -> dict[str, Any]:
    """title -> canonical item, as the service's own user sees it; fails on a duplicate."""
    items = list(played["world"].sandboxes[endpoint].items().values())
    by_title = {i.title: i for i in items}
    assert len(by_title) == len(items), f"duplicate titles in {endpoint}"
    return by_title


def test_every_service_holds_the_project_and_nothing_twice(played: dict[str, Any]) -> None:
    everything = {"Fix login timeout (urgent)", "Prepare sprint review",
                  "Update on-call runbook", "Book team offsite", "Draft Q3 roadmap",
                  "Write release notes", "Release 2.4 go-live", "Send weekly status report"}
    assert set(held(played, "jira")) == everything
    assert set(held(played, "todoist")) == everything
    assert set(held(played, "notion")) == everything - {"Write release notes"}
    # the calendar holds the items with a date, and only those
    assert set(held(played, "calendar")) == {
        "Fix login timeout (urgent)", "Prepare sprint review", "Book team offsite",
        "Draft Q3 roadmap", "Release 2.4 go-live", "Send weekly status report"}
    assert played["state"].exists()  # it ran on the real SQLite store


def test_each_edit_arrived_in_each_service(played: dict[str, Any]) -> None:
    every = ("jira", "todoist", "notion", "calendar")
    # Todoist gave the offsite a date: everywhere, and a calendar block appeared
    for ep in every:
        assert held(played, ep)["Book team offsite"].due == DateOnly(
            date=MONDAY + dt.timedelta(days=11)), ep
    # the calendar drag moved the login fix to the following Monday everywhere
    for ep in every:
        assert held(played, ep)["Fix login timeout (urgent)"].due == DateOnly(
            date=MONDAY + dt.timedelta(days=7)), ep
    # Jira's Done reached Todoist (completed) and Notion
    for ep in ("jira", "todoist", "notion"):
        assert held(played, ep)["Update on-call runbook"].status.kind is StatusKind.DONE, ep
    # the first sync merged the matched item: Jira's priority and label reached Todoist
    review = held(played, "todoist")["Prepare sprint review"]
    assert review.priority == 3 and review.labels == ("sprint-14",)
    # the assignment made in Jira is on the Todoist task and the Notion row too
    for ep in ("jira", "todoist", "notion"):
        assert held(played, ep)["Fix login timeout (urgent)"].assignee == "u1@example.com"


def test_an_occurrence_completed_in_jira_rolls_every_copy_on(played: dict[str, Any]) -> None:
    title = "Send weekly status report"
    nxt = DateOnly(date=MONDAY + dt.timedelta(days=11))
    for ep in ("jira", "todoist", "notion"):
        item = held(played, ep)[title]
        assert (item.status.kind, item.due) == (StatusKind.OPEN, nxt), ep
    assert held(played, "todoist")[title].recurrence == "FREQ=WEEKLY"
    series = held(played, "calendar")[title]  # the series keeps its first occurrence
    assert (series.due, series.recurrence) == (
        DateOnly(date=MONDAY + dt.timedelta(days=4)), "FREQ=WEEKLY")
    reports = dict(played["result"].reports)
    (rolled,) = [r for s, r in reports.items() if s.startswith("8.")]
    assert any("rolled to the next" in why for lp in rolled.plan.links for why in lp.reasons)
    assert "is a series in the calendar" in " ".join(played["out"].split())


def test_conflict_winner_and_delete_policy(played: dict[str, Any]) -> None:
    for ep in ("jira", "todoist", "notion", "calendar"):
        titles = set(held(played, ep))
        assert "Fix login timeout on SSO" not in titles, ep  # Jira's older rename lost
        assert "Fix login timeout (urgent)" in titles, ep
    # policy 'complete': the Notion delete closed the other copies, deleted none of them
    assert "Write release notes" not in held(played, "notion")
    for ep in ("jira", "todoist"):
        assert held(played, ep)["Write release notes"].status.kind is StatusKind.DONE, ep
    reports = dict(played["result"].reports)
    (conflict,) = [r for s, r in reports.items() if s.startswith("3.")]
    assert any("todoist wins (conflict: newest)" in why
               for lp in conflict.plan.links for why in lp.reasons)
    from hub.cli.render import settled_by_policy

    assert settled_by_policy(conflict) == 1  # a conflict all the same, said so
    assert "1 settled by policy" in " ".join(played["out"].split())
    (delete,) = [r for s, r in reports.items() if s.startswith("5.")]
    assert delete.counts["delete"] == 0 and delete.counts["update"] == 2


def test_lossy_values_are_shown_as_each_service_holds_them(played: dict[str, Any]) -> None:
    # Jira has no "no priority": the offsite reads as Medium (2) there, none elsewhere,
    # and the story says why.
    assert held(played, "jira")["Book team offsite"].priority == 2
    assert held(played, "todoist")["Book team offsite"].priority is None
    assert held(played, "notion")["Book team offsite"].priority is None
    out = " ".join(played["out"].split())
    assert "Jira has no 'no priority'" in out
    assert "Todoist has no 'in progress'" in out


def test_the_story_is_accurate(played: dict[str, Any]) -> None:
    result = played["result"]
    assert result.ok, result.problems
    assert result.reports[-1][1].counts["writes"] == 0
    out = " ".join(played["out"].split())
    assert "already in jira and todoist with the same title: linked, not copied" in out
    assert "prepare sprint review" not in out  # the matched title was never rewritten
    first = result.reports[0][1]
    assert first.counts["conflict"] == 0 and not any(
        "conflicting" in why for lp in first.plan.links for why in lp.reasons)
    assert "calendar: no copy, as it has no due date" in out


def test_the_demo_check_looks_at_every_service(played: dict[str, Any]) -> None:
    world, reports = played["world"], played["result"].reports
    notion = world.sandboxes["notion"]
    ref = next(r for r, i in notion.items().items() if i.title == "Draft Q3 roadmap")
    notion.user_edit(ref, title="Draft Q3 roadmap v2")
    try:
        found = demo.problems(world, demo.Dates(TODAY), reports)
        assert any(p.startswith("notion holds") for p in found)
    finally:
        notion.user_edit(ref, title="Draft Q3 roadmap")
    assert demo.problems(world, demo.Dates(TODAY), reports) == []


def test_cli_demo_tells_the_story_and_exits_zero(tmp_path: Path) -> None:
    state = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--state", str(state)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    for step in range(8):
        assert f"\n{step}. " in out
    assert "todoist wins (conflict: newest)" in out
    assert "notion: copy deleted; policy complete" in out
    assert "Demo finished: every change arrived" in out
