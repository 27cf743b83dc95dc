"""A Notion emulator on 127.0.0.1 and an adapter talking to it through notion-client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import EndpointContext, ValueMap
from adapters.faults import FaultKind
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.adapter import NotionAdapter
from adapters.notion.emulator import NotionEmulator
from hub.model import DateOnly, Item, ZonedDateTime

STATUS = ValueMap.from_pairs({"Not started": "open", "In progress": "in_progress",
                              "Done": "done"})
SCHEMA = {
    "Status": {"status": {"options": [{"name": "Not started"}, {"name": "In progress"},
                                      {"name": "Done"}]}},
    "Due": {"date": {}}, "Priority": {"number": {}}, "Tags": {"multi_select": {}},
    "Assignee": {"people": {}}, "Description": {"rich_text": {}},
}


def build(emu: NotionEmulator, database_id: str, **ctx: Any) -> NotionAdapter:
    conn = NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                            requests_per_second=1000)
    ctx.setdefault("value_maps", {"status": STATUS})
    return NotionAdapterFactory().build(conn, NotionScope(database_id=database_id),
                                        EndpointContext(name="notion", flow="t",
                                                        timezone="Europe/Berlin", **ctx))


class NotionHarness:
    supports_versions = True

    def __init__(self, emu: NotionEmulator, schema: dict[str, Any] | None = None) -> None:
        self.emu = emu
        for n in range(20):
            emu.add_user(f"User {n}", f"u{n}@example.com")
        self.db, self.ds = emu.add_database("Tasks", schema or SCHEMA)
        self.adapter = build(emu, self.db)

    def sample(self, n: int) -> Item:
        dues = [DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                              tz="Europe/Berlin")]
        return Item(title=f"Task {n}", description=f"about **{n}** and *more*",
                    priority=1 + n % 4, labels=[f"l{n}"], due=dues[n % 2],
                    assignee=f"u{n % 20}@example.com")

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "priority": 1 + n % 4}

    def _props(self, item: Item, fields: frozenset[str]) -> dict[str, Any]:
        return self.adapter._properties(item, fields & self.adapter.capabilities.fields)

    def user_create(self, item: Item) -> str:
        fields = self.adapter.capabilities.fields
        return str(self.emu.create_page(self.ds, self._props(item, fields))["id"])

    def user_edit(self, ref: str, **changes: Any) -> None:
        self.emu.update_page(ref, {"properties": self._props(Item().evolve(**changes),
                                                               frozenset(changes))})

    def user_delete(self, ref: str) -> None:
        self.emu.trash(ref)

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None:
        op = {"changes": "query"}.get(op, op)
        self.emu.faults.inject(kind, op=op, count=count, retry_after=retry_after)


@pytest.fixture
def emu() -> Iterator[NotionEmulator]:
    e = NotionEmulator().start()
    assert isinstance(e, NotionEmulator)
    yield e
    e.stop()


@pytest.fixture
def harness(emu: NotionEmulator) -> Iterator[NotionHarness]:
    h = NotionHarness(emu)
    yield h
    h.adapter.close()
