"""The in-memory adapter passes the same contract suite as every real adapter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.faults import FaultKind
from adapters.memory import MemoryAdapter, MemoryService
from adapters.memory.sandbox import MemorySandbox
from hub.errors import ValidationRejected
from hub.model import DateOnly, Item
from tests.contract.suite import AdapterContract


class MemoryHarness(MemorySandbox):
    """The memory sandbox (its user acts on the service directly) and an adapter on it."""

    supports_versions = True

    def __init__(self) -> None:
        super().__init__()
        self.adapter = MemoryAdapter(self.service)

    def sample(self, n: int) -> Item:
        import datetime as dt

        return Item(title=f"Task {n}", description=f"about **{n}**", priority=(n % 4) + 1,
                    labels=[f"l{n}"], due=DateOnly(date=dt.date(2026, 1, 1 + n % 28)),
                    assignee=f"u{n}@example.com")

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "priority": (n % 4) + 1}

    def plant_unreadable(self, title: str) -> str:
        ref = self.service.user_create(Item(title=title))
        self.service.poison(ref, "due: date 9999-12-31 is out of range")
        return ref

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None:
        self.service.faults.inject(kind, op=op, count=count, retry_after=retry_after)


class TestMemoryContract(AdapterContract):
    @pytest.fixture
    def harness(self) -> Iterator[MemoryHarness]:
        h = MemoryHarness()
        yield h
        h.stop()


def test_scope_label_reports_items_leaving_scope() -> None:
    svc = MemoryService()
    a = MemoryAdapter(svc, label="work")
    ref = svc.user_create(Item(title="x", labels=["work"]))
    cur = a.changes(None).cursor
    svc.user_edit(ref, labels=["home"])
    assert dict(a.changes(cur).gone) == {ref: "out_of_scope"}


def test_lag_hides_fresh_changes_and_cursor_does_not_skip_them() -> None:
    svc = MemoryService()
    a = MemoryAdapter(svc)
    cur = a.changes(None).cursor
    svc.faults.inject(FaultKind.LAG, count=None, delay=1)
    ref = svc.user_create(Item(title="late"))
    first = a.changes(cur)
    assert first.items == ()
    svc.faults.clear()
    second = a.changes(first.cursor)
    assert [r.ref for r in second.items] == [ref]


def test_poison_and_unpoison_drive_quarantine_through_listings_and_get() -> None:
    svc = MemoryService()
    a = MemoryAdapter(svc)
    ref = svc.user_create(Item(title="odd"))
    cur = a.changes(None).cursor
    svc.poison(ref, "time zone 'Foo/Bar' is unknown")
    poisoned = a.changes(cur)
    assert poisoned.items == ()
    assert [(u.ref, u.title, u.reason) for u in poisoned.unreadable] == [
        (ref, "odd", "time zone 'Foo/Bar' is unknown")]
    with pytest.raises(ValidationRejected, match="Foo/Bar"):
        a.get(ref)
    svc.unpoison(ref)
    fixed = a.changes(poisoned.cursor)
    assert [r.ref for r in fixed.items] == [ref] and fixed.unreadable == ()
    got = a.get(ref)
    assert got is not None and got.item.title == "odd"
