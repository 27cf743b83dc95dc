"""Todoist's filter language in the emulator, through the SDK's ``filter_tasks``: the terms
people write, combined with ``!``, ``&``, ``|``, parentheses and ``,``, and Todoist's 400 for
a query it cannot read (it used to match nothing, silently)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.todoist.client import RewriteTransport
from adapters.todoist.sandbox import TodoistSandbox


@pytest.fixture
def api() -> Iterator[TodoistAPI]:
    sb = TodoistSandbox()
    emu = sb.emu
    today = emu.now().date()
    work = sb.project
    home = emu.add_project("Home")
    garden = emu.add_project("Garden")
    emu.projects[garden]["parent_id"] = home
    section = emu.add_section(work, "Doing")
    emu.add_item(work, "Report", labels=["office"], priority=4,
                 due={"date": today.isoformat()})
    parent = emu.add_item(work, "Launch", section_id=section,
                          due={"date": (today + dt.timedelta(days=3)).isoformat()})
    emu.add_item(work, "Checklist", parent_id=parent, labels=["office-admin"])
    emu.add_item(home, "Taxes", due={"date": (today - dt.timedelta(days=2)).isoformat()})
    emu.add_item(garden, "Water plants", due={"string": "every day",
                                              "date": today.isoformat()})
    http = httpx.Client(transport=RewriteTransport(emu.base_url),
                        headers={"Authorization": f"Bearer {emu.token}"})
    try:
        yield TodoistAPI(emu.token, client=http)
    finally:
        http.close()
        emu.stop()


def titles(api: TodoistAPI, query: str) -> list[str]:
    return sorted(t.content for page in api.filter_tasks(query=query) for t in page)


@pytest.mark.parametrize(("query", "expected"), [
    ("today", ["Report", "Water plants"]),
    ("overdue", ["Taxes"]),
    ("7 days", ["Launch", "Report", "Water plants"]),
    ("no date", ["Checklist"]),
    ("@office", ["Report"]),
    ("@office*", ["Checklist", "Report"]),
    ("#Home", ["Taxes"]),
    ("##Home", ["Taxes", "Water plants"]),
    ("/Doing", ["Checklist", "Launch"]),  # a sub-task lives in its parent's section
    ("p1", ["Report"]),
    ("recurring", ["Water plants"]),
    ("subtask", ["Checklist"]),
    ("search: plan", ["Water plants"]),
    ("(today | overdue) & !#Garden", ["Report", "Taxes"]),
    ("today, overdue", ["Report", "Taxes", "Water plants"]),
    ("due before: tomorrow & !recurring", ["Report", "Taxes"]),
    ("no labels & !no date", ["Launch", "Taxes", "Water plants"]),
])
def test_filter_terms(api: TodoistAPI, query: str, expected: list[str]) -> None:
    assert titles(api, query) == expected


@pytest.mark.parametrize("query", ["frobnicate", "today &", "(today", "due before: someday"])
def test_a_query_todoist_cannot_read_is_a_400(api: TodoistAPI, query: str) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        titles(api, query)
    assert refused.value.response.status_code == 400
    assert "Invalid filter query" in refused.value.response.json()["error"]
