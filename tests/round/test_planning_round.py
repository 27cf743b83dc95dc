"""Sprints and story points across Jira, Notion and Todoist, through the emulators: a sprint
change in Jira reaches a Notion select and a Todoist label, a points edit there reaches
Jira's estimate, quiet rounds write nothing (no ping-pong), and links formed before the
fields synced take them up with one write, not a conflict."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.jira.emu_jql_eval import SPRINT_FIELD
from adapters.jira.sandbox import JiraSandbox
from adapters.notion.sandbox import SCHEMA, NotionSandbox
from adapters.todoist.emulator import TodoistEmulator
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from tests.adapters.jira.conftest import build as build_jira
from tests.adapters.notion.conftest import build as build_notion
from tests.adapters.todoist.conftest import build as build_todoist
from tests.support.memstore import MemStore

POINTS = "customfield_10016"
NOTION_SCHEMA = SCHEMA | {"Sprint": {"select": {"options": []}}, "Story points": {"number": {}}}


@pytest.fixture
def jira() -> Iterator[JiraSandbox]:
    sb = JiraSandbox()
    yield sb
    sb.stop()


def _sync(adapters: dict[str, Any], store: MemStore, **only: tuple[str, ...]) -> dict[str, int]:
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n, only=only.get(n))
                                for n in adapters})
    return dict(run_flow("f", cfg, adapters, store).counts)


def _issue(jira: JiraSandbox) -> dict[str, Any]:
    (issue,) = jira.emu.issues.values()
    return issue


def test_jira_and_notion_share_the_sprint_and_the_points(jira: JiraSandbox) -> None:
    sprints = jira.add_sprints()
    notion = NotionSandbox(schema=NOTION_SCHEMA)
    try:
        adapters = {"jira": build_jira(jira), "notion": build_notion(notion.emu, notion.db)}
        store = MemStore()
        key = jira.user_create(Item(title="Ship the report", sprint="Sprint 2", points=3))
        _sync(adapters, store)
        (page,) = notion.items().values()
        assert (page.sprint, page.points) == ("Sprint 2", 3)
        assert _sync(adapters, store)["writes"] == 0  # no ping-pong

        jira.emu.set_sprint(key, sprints["Sprint 1"], sprints["Sprint 3"])  # moved on
        _sync(adapters, store)
        (page,) = notion.items().values()
        assert page.sprint == "Sprint 3"
        assert _sync(adapters, store)["writes"] == 0

        (ref,) = notion.items()
        notion.user_edit(ref, points=5)
        _sync(adapters, store)
        assert _issue(jira)["fields"][POINTS] == 5
        assert _sync(adapters, store)["writes"] == 0
    finally:
        notion.stop()


def test_jira_and_todoist_share_them_through_labels(jira: JiraSandbox) -> None:
    sprints = jira.add_sprints()
    todoist = TodoistEmulator()
    todoist.start(0)
    try:
        pid = todoist.add_project("Work")
        targets = {"sprint": "label", "points": "label"}
        adapters = {"jira": build_jira(jira),
                    "todoist": build_todoist(todoist, options={"targets": targets})}
        store = MemStore()
        key = jira.user_create(Item(title="Ship the report", labels=["ops"],
                                    sprint="Sprint 2", points=2))
        _sync(adapters, store)
        (task,) = [t for t in todoist.items.values() if t["project_id"] == pid]
        assert sorted(task["labels"]) == ["ops", "points:2", "sprint:Sprint 2"]
        assert _issue(jira)["fields"]["labels"] == ["ops"]  # the labels went one way only
        assert _sync(adapters, store)["writes"] == 0

        jira.emu.set_sprint(key, sprints["Sprint 3"])
        _sync(adapters, store)
        assert sorted(task["labels"]) == ["ops", "points:2", "sprint:Sprint 3"]
        assert _sync(adapters, store)["writes"] == 0

        todoist.edit_item(task["id"], labels=["ops", "points:8", "sprint:Sprint 3"])
        _sync(adapters, store)
        assert _issue(jira)["fields"][POINTS] == 8
        assert _issue(jira)["fields"]["labels"] == ["ops"]
        assert [s["name"] for s in _issue(jira)["fields"][SPRINT_FIELD]] == ["Sprint 3"]
        assert _sync(adapters, store)["writes"] == 0
    finally:
        todoist.stop()


def test_links_formed_before_the_fields_synced_take_them_up_with_one_write(
        jira: JiraSandbox) -> None:
    """An upgrade: the links' state holds no sprint or points (as state written before the
    fields existed reads). The first round after writes each set value once, to the copies
    that lack it, and plans nothing where no copy has one."""
    jira.add_sprints()
    notion = NotionSandbox(schema=NOTION_SCHEMA)
    try:
        adapters = {"jira": build_jira(jira), "notion": build_notion(notion.emu, notion.db)}
        store = MemStore()
        jira.user_create(Item(title="In a sprint", sprint="Sprint 2", points=1))
        jira.user_create(Item(title="In none"))
        before = ("title", "description", "status", "priority", "labels", "due")
        _sync(adapters, store, jira=before, notion=before)
        assert {i.title: i.sprint for i in notion.items().values()} == {
            "In a sprint": None, "In none": None}
        assert _sync(adapters, store)["writes"] == 1  # the one Notion page that lacks them
        assert {i.title: (i.sprint, i.points) for i in notion.items().values()} == {
            "In a sprint": ("Sprint 2", 1), "In none": (None, None)}
        assert _sync(adapters, store)["writes"] == 0
    finally:
        notion.stop()
