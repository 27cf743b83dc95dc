"""A Todoist emulator on 127.0.0.1 and an adapter talking to it through the real client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.faults import FaultKind
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope
from adapters.todoist.adapter import TodoistAdapter
from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.sandbox import TodoistSandbox
from hub.model import DateOnly, FloatingDateTime, Item, ZonedDateTime


def build(emu: TodoistEmulator, project: str = "Work", **ctx: Any) -> TodoistAdapter:
    factory = TodoistAdapterFactory()
    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    return factory.build(conn, TodoistScope(project=project),
                         EndpointContext(name="todoist", flow="t", **ctx))


class TodoistHarness:
    # A create answers without a version (it would cost a read); versions come with listings,
    # and test_todoist.py checks that a stale listed version conflicts.
    supports_versions = False

    def __init__(self, sandbox: TodoistSandbox) -> None:
        self.sandbox = sandbox
        self.emu = sandbox.emu
        self.project = sandbox.project
        self.adapter = build(self.emu)

    def sample(self, n: int) -> Item:
        dues = [DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                FloatingDateTime(at=dt.datetime(2026, 12, 2, 9, n % 60)),
                ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                              tz="Europe/Berlin")]
        return Item(title=f"Task {n}", description=f"about **{n}**", priority=2 + n % 3,
                    labels=[f"l{n}"], due=dues[n % 3], assignee=f"u{n % 20}@example.com",
                    deadline=DateOnly(date=dt.date(2027, 1, 1 + n % 28)))

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "priority": 2 + n % 3}

    def user_create(self, item: Item) -> str:
        return self.sandbox.user_create(item)

    def user_edit(self, ref: str, **changes: Any) -> None:
        self.sandbox.user_edit(ref, **changes)

    def user_delete(self, ref: str) -> None:
        self.sandbox.user_delete(ref)

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None:
        op = {"create": "write", "update": "write", "changes": "sync"}.get(op, op)
        self.emu.faults.inject(kind, op=op, count=count, retry_after=retry_after)


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
