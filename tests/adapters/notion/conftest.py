"""A Notion emulator on 127.0.0.1 and an adapter talking to it through notion-client."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from notion_client import Client

from adapters.base import EndpointContext
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.adapter import NotionAdapter
from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import SCHEMA, STATUS, NotionSandbox
from hub.model import DateOnly, Item, ZonedDateTime
from tests.contract.harness import SandboxHarness

HEADERS = {"Authorization": "Bearer secret-test", "Notion-Version": "2025-09-03"}


def build(emu: NotionEmulator, database_id: str, **ctx: Any) -> NotionAdapter:
    conn = NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                            requests_per_second=1000)
    ctx.setdefault("value_maps", {"status": STATUS})
    return NotionAdapterFactory().build(conn, NotionScope(database_id=database_id),
                                        EndpointContext(name="notion", flow="t",
                                                        timezone="Europe/Berlin", **ctx))


class NotionHarness(SandboxHarness):
    supports_versions = False  # Notion has no conditional update (NotionAdapter.update)

    ops: ClassVar[dict[str, str]] = {"changes": "query"}

    def __init__(self, sandbox: NotionSandbox) -> None:
        super().__init__(sandbox)
        self.db, self.ds = sandbox.db, sandbox.ds
        self.adapter = build(self.emu, self.db)

    def sample(self, n: int) -> Item:
        dues = [DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                              tz="Europe/Berlin")]
        return Item(title=f"Task {n}", description=f"about **{n}** and *more*",
                    priority=1 + n % 4, labels=[f"l{n}"], due=dues[n % 2],
                    assignee=f"u{n % 20}@example.com")

    def plant_unreadable(self, title: str) -> str:
        """A page whose Due is 9999-12-31: Notion holds it, synchub's date range does not."""
        return str(self.emu.create_page(self.ds, {
            "Name": {"title": [{"type": "text", "text": {"content": title}}]},
            "Due": {"date": {"start": "9999-12-31"}}})["id"])

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "priority": 1 + n % 4}

    @property
    def person(self) -> str:
        return str(self.sandbox.person)

    def user_comment(self, ref: str, text: str, rich_text: list[dict[str, Any]] | None = None
                     ) -> str:
        return str(self.sandbox.user_comment(ref, text, rich_text))


class NotionSubItemsHarness(NotionHarness):
    """A database with Notion's Sub-items: every sample is a sub-item of one page, every
    edit moves it under another (a parent is a page id, as adapters speak of it)."""

    def __init__(self, sandbox: NotionSandbox) -> None:
        super().__init__(sandbox)
        self._parents: dict[int, str] = {}

    def parent_ref(self, n: int) -> str:
        """A top-level page to be a parent (the same one for the same ``n``)."""
        if n not in self._parents:
            self._parents[n] = self.user_create(Item(title=f"Parent {n}"))
        return self._parents[n]

    def sample(self, n: int) -> Item:
        return super().sample(n).evolve(parent=self.parent_ref(0))

    def edit(self, n: int) -> dict[str, Any]:
        return super().edit(n) | {"parent": self.parent_ref(1)}


class NotionPlanningHarness(NotionHarness):
    """A database with a "Sprint" select and a "Story points" number: every sample and edit
    sets both (a sprint Notion has no option for yet among them)."""

    def sample(self, n: int) -> Item:
        return super().sample(n).evolve(sprint=f"Sprint {n % 3}", points=n % 4 + 0.5)

    def edit(self, n: int) -> dict[str, Any]:
        return super().edit(n) | {"sprint": f"Sprint {n + 10}", "points": n}


#: the sandbox's tasks database with a sprint select and a story points number
PLANNING_SCHEMA = SCHEMA | {"Sprint": {"select": {"options": [{"name": "Sprint 1"}]}},
                            "Story points": {"number": {}}}


@pytest.fixture
def planning() -> Iterator[NotionPlanningHarness]:
    s = NotionSandbox(schema=PLANNING_SCHEMA, timezone="Europe/Berlin")
    h = NotionPlanningHarness(s)
    yield h
    h.adapter.close()
    s.stop()


@pytest.fixture
def sandbox() -> Iterator[NotionSandbox]:
    s = NotionSandbox(timezone="Europe/Berlin")
    yield s
    s.stop()


@pytest.fixture
def emu(sandbox: NotionSandbox) -> NotionEmulator:
    return sandbox.emu


@pytest.fixture
def harness(sandbox: NotionSandbox) -> Iterator[NotionHarness]:
    h = NotionHarness(sandbox)
    yield h
    h.adapter.close()


@pytest.fixture
def sub_items() -> Iterator[NotionSandbox]:
    s = NotionSandbox(timezone="Europe/Berlin", sub_items=True)
    yield s
    s.stop()


@pytest.fixture
def parents(sub_items: NotionSandbox) -> Iterator[NotionSubItemsHarness]:
    h = NotionSubItemsHarness(sub_items)
    yield h
    h.adapter.close()


#: a Notion sandbox and notion-client pointed at it, for tests of the emulator's routes
Site = tuple[NotionSandbox, Any]


@contextlib.contextmanager
def site_of(sb: NotionSandbox) -> Iterator[Site]:
    """``sb`` and notion-client talking to its emulator; both closed afterwards."""
    client = Client(auth=sb.emu.token, base_url=sb.emu.base_url, notion_version="2025-09-03",
                    retry=False)
    try:
        yield sb, client
    finally:
        client.close()
        sb.stop()


@pytest.fixture
def site() -> Iterator[Site]:
    with site_of(NotionSandbox(users=2)) as s:
        yield s


def rich(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]
