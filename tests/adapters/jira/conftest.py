"""A Jira emulator on 127.0.0.1 and an adapter talking to it through the ``jira`` client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from adapters.base import EndpointContext
from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope
from adapters.jira.adapter import JiraAdapter
from adapters.jira.sandbox import JiraSandbox
from hub.model import DateOnly, Item
from tests.contract.harness import SandboxHarness


def build(sandbox: JiraSandbox, **scope: Any) -> JiraAdapter:
    factory = JiraAdapterFactory()
    conn = JiraConnection.model_validate(sandbox.connection)
    return factory.build(conn, JiraScope.model_validate(sandbox.scope | scope),
                         EndpointContext(name="jira", flow="t", value_maps=sandbox.value_maps,
                                         options=sandbox.options))


class JiraHarness(SandboxHarness):
    supports_versions = False  # Jira has no conditional update (adapters.jira.writes)

    ops: ClassVar[dict[str, str]] = {"changes": "search"}

    def __init__(self, sandbox: JiraSandbox) -> None:
        super().__init__(sandbox)
        self.sprints = sandbox.add_sprints()  # Sprint 1 closed, 2 active, 3 future
        self.adapter = build(sandbox)

    def sample(self, n: int) -> Item:
        return Item(title=f"Issue {n}", description=f"Steps:\n\n- one **{n}**\n- two",
                    priority=1 + n % 4, labels=[f"l{n}"],
                    due=DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                    assignee=f"u{n % 20}@example.com", duration=30 + 15 * n,
                    sprint=("Sprint 2", "Sprint 3")[n % 2], points=n % 5 + 0.5)

    def plant_unreadable(self, title: str) -> str:
        """An issue due on 9999-12-31: Jira holds it, synchub's date range does not."""
        return str(self.emu.create({"project": {"key": self.sandbox.options["project"]},
                                    "issuetype": {"name": "Task"}, "summary": title,
                                    "duedate": "9999-12-31"})["id"])

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "labels": [f"e{n}"], "duration": 60 * n,
                "sprint": ("Sprint 3", "Sprint 2")[n % 2], "points": n + 1}


@pytest.fixture
def sandbox() -> Iterator[JiraSandbox]:
    s = JiraSandbox()
    yield s
    s.stop()


@pytest.fixture
def harness(sandbox: JiraSandbox) -> Iterator[JiraHarness]:
    h = JiraHarness(sandbox)
    yield h
    h.adapter.close()
