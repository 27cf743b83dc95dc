"""A Todoist emulator on 127.0.0.1 and an adapter talking to it through the real client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.faults import FaultKind
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope, convert
from adapters.todoist.adapter import TodoistAdapter
from adapters.todoist.emulator import TodoistEmulator
from hub.model import DateOnly, FloatingDateTime, Item, StatusKind, ZonedDateTime


def build(emu: TodoistEmulator, project: str = "Work", **ctx: Any) -> TodoistAdapter:
    factory = TodoistAdapterFactory()
    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    return factory.build(conn, TodoistScope(project=project),
                         EndpointContext(name="todoist", flow="t", **ctx))


class TodoistHarness:
    # A create answers without a version (it would cost a read); versions come with listings,
    # and test_todoist.py checks that a stale listed version conflicts.
    supports_versions = False

    def __init__(self, emu: TodoistEmulator) -> None:
        self.emu = emu
        self.project = emu.add_project("Work", shared=True)
        for n in range(20):
            emu.add_user(f"u{n}@example.com")
        self.adapter = build(emu)

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

    def _args(self, item: Item, fields: frozenset[str]) -> dict[str, Any]:
        emails = {u["email"]: uid for uid, u in self.emu.users.items()}
        return convert.to_args(item, fields, emails=emails)

    def user_create(self, item: Item) -> str:
        args = self._args(item, frozenset({"title", "description", "due", "deadline",
                                           "priority", "labels", "assignee"}))
        ref = self.emu.add_item(self.project, **args)
        if item.status.kind is StatusKind.DONE:
            self.emu.complete_item(ref)
        return ref

    def user_edit(self, ref: str, **changes: Any) -> None:
        item = Item().evolve(**changes)
        fields = frozenset(changes) - {"status"}
        if fields:
            self.emu.edit_item(ref, **self._args(item, fields))
        if "status" in changes and item.status.kind is StatusKind.DONE:
            self.emu.complete_item(ref)

    def user_delete(self, ref: str) -> None:
        self.emu.delete_item(ref)

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None:
        op = {"create": "write", "update": "write", "changes": "sync"}.get(op, op)
        self.emu.faults.inject(kind, op=op, count=count, retry_after=retry_after)


@pytest.fixture
def emu() -> Iterator[TodoistEmulator]:
    e = TodoistEmulator().start()
    assert isinstance(e, TodoistEmulator)
    yield e
    e.stop()


@pytest.fixture
def harness(emu: TodoistEmulator) -> Iterator[TodoistHarness]:
    h = TodoistHarness(emu)
    yield h
    h.adapter.close()
