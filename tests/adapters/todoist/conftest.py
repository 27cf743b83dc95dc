"""A Todoist emulator on 127.0.0.1 and an adapter talking to it through the real client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.base import EndpointContext
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope
from adapters.todoist.adapter import TodoistAdapter
from adapters.todoist.client import RewriteTransport
from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.sandbox import TodoistSandbox
from hub.model import DateOnly, FloatingDateTime, Item, ZonedDateTime
from tests.contract.harness import SandboxHarness


def build(emu: TodoistEmulator, project: str = "Work", **ctx: Any) -> TodoistAdapter:
    factory = TodoistAdapterFactory()
    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    return factory.build(conn, TodoistScope(project=project),
                         EndpointContext(name="todoist", flow="t", **ctx))


class TodoistHarness(SandboxHarness):
    # A create answers without a version (it would cost a read); versions come with listings,
    # and test_todoist.py checks that a stale listed version conflicts.
    supports_versions = False

    ops: ClassVar[dict[str, str]] = {"create": "write", "update": "write", "changes": "sync"}

    def __init__(self, sandbox: TodoistSandbox) -> None:
        super().__init__(sandbox)
        self.project = sandbox.project
        self.adapter = build(self.emu)

    def sample(self, n: int) -> Item:
        dues = [DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                FloatingDateTime(at=dt.datetime(2026, 12, 2, 9, n % 60)),
                ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                              tz="Europe/Berlin")]
        return Item(title=f"Task {n}", description=f"about **{n}**", priority=2 + n % 3,
                    labels=[f"l{n}"], due=dues[n % 3], assignee=f"u{n % 20}@example.com",
                    deadline=DateOnly(date=dt.date(2027, 1, 1 + n % 28)),
                    duration=[2880, 45 + n, 1440][n % 3])  # days on an all-day due

    def plant_unreadable(self, title: str) -> str:
        """A task due on 9999-12-31: Todoist holds it, synchub's date range does not."""
        return self.emu.add_item(self.project, title, due={"date": "9999-12-31"})

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "priority": 2 + n % 3, "duration": 15 + n}


class TodoistPlanningHarness(TodoistHarness):
    """Sprint and points held in labels (``target: label``): every sample and edit sets
    both, beside an ordinary label."""

    TARGETS: ClassVar[dict[str, str]] = {"sprint": "label", "points": "label"}

    def __init__(self, sandbox: TodoistSandbox) -> None:
        sandbox.label_fields(self.TARGETS)
        super().__init__(sandbox)
        self.adapter = build(self.emu, options={"targets": dict(self.TARGETS)})

    def sample(self, n: int) -> Item:
        return super().sample(n).evolve(sprint=f"Sprint {n % 3}", points=n % 4 + 0.5)

    def edit(self, n: int) -> dict[str, Any]:
        return super().edit(n) | {"sprint": f"Sprint {n + 10}", "points": n}


@pytest.fixture
def planning(sandbox: TodoistSandbox) -> Iterator[TodoistPlanningHarness]:
    h = TodoistPlanningHarness(sandbox)
    yield h
    h.adapter.close()


@pytest.fixture
def sandbox() -> Iterator[TodoistSandbox]:
    s = TodoistSandbox()
    yield s
    s.stop()


@pytest.fixture
def emu(sandbox: TodoistSandbox) -> TodoistEmulator:
    return sandbox.emu


@pytest.fixture
def harness(sandbox: TodoistSandbox) -> Iterator[TodoistHarness]:
    h = TodoistHarness(sandbox)
    yield h
    h.adapter.close()


#: a sandbox with one user and todoist-api-python pointed at it (the emulator's REST tests)
@pytest.fixture
def sb() -> Iterator[TodoistSandbox]:
    s = TodoistSandbox(users=1)
    yield s
    s.stop()


@pytest.fixture
def api(sb: TodoistSandbox) -> Iterator[TodoistAPI]:
    http = httpx.Client(transport=RewriteTransport(sb.emu.base_url),
                        headers={"Authorization": f"Bearer {sb.emu.token}"})
    yield TodoistAPI(sb.emu.token, client=http)
    http.close()
