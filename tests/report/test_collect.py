"""The report's facts from a seeded state store (no service): which section each item is in
at the period's edges, the groupings, the changes and rounds, and the escaping of what
people typed (an item's title is theirs) in Markdown and HTML."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.model import DateOnly, Item, Status, StatusKind, ZonedDateTime
from hub.report.collect import collect, period_of
from hub.report.facts import Format
from hub.report.render import render
from hub.store import open_store
from hub.store.base import CopyState, LinkState, Provenance, Store

TZ = "Europe/Berlin"
NOW = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)  # Friday 18:00 in Berlin
TODAY = dt.date(2026, 12, 4)
DAY = dt.timedelta(days=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    s.migrate()
    yield s
    s.close()


def link(lid: str, item: Item, *, where: tuple[str, ...] = ("jira", "todoist"),
         status_at: dt.datetime | None = None, status_in: str = "jira",
         more: dict[str, tuple[str, dt.datetime]] | None = None,
         edited_at: dt.datetime | None = None) -> LinkState:
    prov = {f: Provenance(endpoint=e, run_id=1, rule="changed on one side", at=at)
            for f, (e, at) in (more or {}).items()}
    if status_at is not None:
        prov["status"] = Provenance(endpoint=status_in, run_id=1, rule="changed on one side",
                                    at=status_at, edited_at=edited_at)
    copies = {e: CopyState(endpoint=e, ref=f"{e}-{lid}", base=item, snapshot=item)
              for e in where}
    return LinkState(flow="work", link_id=lid, base=item, copies=copies, provenance=prov)


def st(kind: StatusKind) -> Status:
    return Status(kind=kind)


def seed(store: Store) -> None:
    links = [
        link("done-in", Item(title="Shipped", status=st(StatusKind.DONE), labels=["web"],
                             assignee="ann@example.com"), status_at=NOW - 2 * DAY),
        link("cancel-in", Item(title="Dropped", status=st(StatusKind.CANCELLED)),
             status_at=NOW - 6 * DAY, status_in="todoist"),
        link("done-before", Item(title="Old news", status=st(StatusKind.DONE)),
             status_at=NOW - 8 * DAY),
        # linked by this week's first round, closed in Jira long before: not done this week
        link("first-sync", Item(title="Closed in June", status=st(StatusKind.DONE)),
             status_at=NOW - DAY, edited_at=NOW - 160 * DAY),
        # closed in Todoist on Monday, read by a round on Tuesday: done on Monday
        link("read-late", Item(title="Read late", status=st(StatusKind.DONE)),
             status_at=NOW - 3 * DAY, edited_at=NOW - 4 * DAY, status_in="todoist"),
        link("overdue-closed", Item(title="Closed late", status=st(StatusKind.DONE),
                                    due=DateOnly(date=TODAY - 5 * DAY)),
             status_at=NOW - 30 * DAY),
        link("started", Item(title="Building", status=st(StatusKind.IN_PROGRESS),
                             due=DateOnly(date=TODAY + DAY), labels=["web", "api"],
                             assignee="bob@example.com"),
             status_at=NOW - DAY, status_in="todoist"),
        link("started-long-ago", Item(title="Forever", status=st(StatusKind.IN_PROGRESS),
                                      due=DateOnly(date=TODAY - DAY)),
             status_at=NOW - 20 * DAY),  # not started this week: overdue instead
        link("due-today", Item(title="Due today", due=DateOnly(date=TODAY))),
        link("due-in-6", Item(title="Due in six", due=DateOnly(date=TODAY + 6 * DAY),
                              assignee="ann@example.com")),
        link("due-in-7", Item(title="Due in seven", due=DateOnly(date=TODAY + 7 * DAY))),
        # 23:30 UTC on the 3rd is 00:30 on the 4th in Berlin: due today, not overdue
        link("zoned", Item(title="Zoned", due=ZonedDateTime(
            at=dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC), tz="UTC"))),
        link("deadline", Item(title="By deadline", deadline=DateOnly(date=TODAY - 3 * DAY)),
             where=("notion", "todoist"),
             more={"title": ("notion", NOW - 3 * DAY), "deadline": ("todoist", NOW - DAY)}),
    ]
    with store.transaction() as tx:
        for one in links:
            tx.save_link(one)
    for status in ("ok", "ok", "partial"):
        run = store.start_run("work")
        store.finish_run(run, status, {"writes": 2})


def titles(data: dict[str, Any], section: str) -> list[str]:
    return [i["title"] for i in data["sections"][section]]


def report_json(store: Store, **period: Any) -> dict[str, Any]:
    p = period_of(now=NOW, timezone=TZ, **period)
    data: dict[str, Any] = json.loads(render(collect(store, ["work"], p), Format.JSON))
    return data


def test_sections_at_the_edges(store: Store) -> None:
    seed(store)
    data = report_json(store)
    assert titles(data, "done") == ["Dropped", "Read late", "Shipped"]
    late = data["sections"]["done"][1]
    assert late["status_at"] == (NOW - 4 * DAY).isoformat()
    assert titles(data, "started") == ["Building"]
    assert titles(data, "overdue") == ["By deadline", "Forever"]
    assert titles(data, "due_next_week") == ["Due today", "Zoned", "Due in six"]
    assert data["totals"] == {"done": 3, "started": 1, "overdue": 2, "due_next_week": 3}
    assert data["period"]["today"] == "2026-12-04"
    shipped = data["sections"]["done"][2]
    assert (shipped["status"], shipped["status_in"]) == ("done", "jira")
    assert data["sections"]["done"][0]["status"] == "cancelled"


def test_groups(store: Store) -> None:
    seed(store)
    groups = report_json(store)["groups"]
    assert groups["assignee"]["ann@example.com"] == {"done": 1, "started": 0, "overdue": 0,
                                                     "due_next_week": 1}
    assert list(groups["assignee"])[-1] == "(unassigned)"
    assert groups["label"]["web"] == {"done": 1, "started": 1, "overdue": 0,
                                      "due_next_week": 0}
    assert groups["label"]["api"]["started"] == 1
    assert groups["service"]["notion"] == {"done": 0, "started": 0, "overdue": 1,
                                           "due_next_week": 0}
    assert groups["service"]["jira"]["due_next_week"] == 3


def test_changes_and_rounds(store: Store) -> None:
    seed(store)
    data = report_json(store)
    assert data["changes"]["fields_from"] == {"jira": 1, "notion": 1, "todoist": 4}
    by_title = {i["title"]: i for i in data["changes"]["items"]}
    assert [(c["field"], c["service"]) for c in by_title["By deadline"]["changes"]] == [
        ("title", "notion"), ("deadline", "todoist")]
    assert "Old news" not in by_title and "Closed in June" not in by_title
    # the runs are dated by the store's own clock: a period around the real today
    rounds = report_json(store, since=dt.date.today() - DAY,
                         until=dt.date.today() + DAY)["rounds"]
    assert rounds == {"count": 3, "writes": 6, "by_status": {"ok": 2, "partial": 1}}


def test_since_and_until_are_days_in_the_zone(store: Store) -> None:
    seed(store)
    data = report_json(store, since=TODAY - DAY, until=TODAY)
    assert titles(data, "done") == []
    assert titles(data, "started") == ["Building"]
    earlier = report_json(store, until=TODAY - DAY, days=7)
    assert titles(earlier, "done") == ["Dropped", "Read late", "Shipped"]
    assert earlier["period"]["today"] == "2026-12-04"  # the day after the last one
    with pytest.raises(ValueError, match="the period is empty"):
        period_of(now=NOW, timezone=TZ, since=TODAY, until=TODAY - DAY)


def test_what_people_typed_is_escaped(store: Store) -> None:
    title = "<script>alert(1)</script> & **not bold** # [x](y)"
    with store.transaction() as tx:
        tx.save_link(link("x", Item(title=title, due=DateOnly(date=TODAY))))
        tx.save_link(link("y", Item(title="1. First - then", due=DateOnly(date=TODAY))))
        tx.save_link(link("z", Item(title="- dash", due=DateOnly(date=TODAY))))
    rep = collect(store, ["work"], period_of(now=NOW, timezone=TZ))
    page = render(rep, Format.HTML)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    assert page.startswith("<!DOCTYPE html>") and "<link" not in page and "src=" not in page
    md = render(rep, Format.MD)
    assert r"\<script\>alert(1)\</script\> & \*\*not bold\*\* \# \[x\](y)" in md
    assert "\n- 1\\. First - then · " in md  # not an ordered list in a list item
    assert "\n- \\- dash · " in md


def test_a_week_back_is_counted_in_wall_clock_days_across_dst() -> None:
    """Monday 09:00 to Monday 09:00 in Berlin, the clocks changed between: consecutive
    weekly reports meet, no hour falls between them (found in review)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    monday = dt.datetime(2026, 10, 26, 9, 0, tzinfo=zone)  # the Monday after the change
    p = period_of(now=monday.astimezone(dt.UTC), timezone="Europe/Berlin")
    assert p.since.astimezone(zone) == dt.datetime(2026, 10, 19, 9, 0, tzinfo=zone)


def test_a_period_outside_the_calendar_is_a_clear_error() -> None:
    for kwargs in ({"until": dt.date(9999, 12, 31)}, {"since": dt.date(1, 1, 1)},
                   {"days": 800_000}):
        with pytest.raises(ValueError, match="outside the dates"):
            period_of(now=NOW, timezone=TZ, **kwargs)  # type: ignore[arg-type]
