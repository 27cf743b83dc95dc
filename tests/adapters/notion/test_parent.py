"""Issue 15: parents and sub-items in Notion. ``parent`` lives in a relation of the data source
to itself, as Notion's Sub-items make it ("Parent item", synced with "Sub-item"): found by
that name, by its synced "Sub-item", or named with ``target``; without one nothing changes.
Then whole rounds over the Todoist and Notion emulators: a Todoist sub-task arrives in Notion
under its parent's page, and a move in Notion (the relation changed) reaches Todoist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.notion.adapter import NotionAdapter
from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import SCHEMA, NotionSandbox
from adapters.todoist.sandbox import TodoistSandbox
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import ConfigError
from hub.model import Item
from hub.round.engine import RoundReport, run_flow
from tests.adapters.notion.conftest import build
from tests.adapters.todoist.conftest import build as build_todoist
from tests.support.memstore import MemStore


def relation(ds: str, kind: str = "dual_property", synced: str | None = None
             ) -> dict[str, Any]:
    detail = {"synced_property_name": synced} if synced else {}
    return {"relation": {"data_source_id": ds, "type": kind, kind: detail}}


def adapter(emu: NotionEmulator, db: str, **ctx: Any) -> NotionAdapter:
    a = build(emu, db, **ctx)
    a.map  # noqa: B018 (reads the schema)
    return a


# -- which property holds the parent ----------------------------------------------------------


def test_without_a_self_relation_parent_is_not_synced(sandbox: NotionSandbox) -> None:
    emu = sandbox.emu
    _, other = emu.add_database("Projects", {})
    emu._set_properties(sandbox.ds, {"Parent item": relation(other),  # not to itself
                                     "Blocked by": relation(sandbox.ds, "single_property")})
    a = build(emu, sandbox.db)
    assert "parent" in a.capabilities.fields  # before the schema is read: an upper bound
    a.map  # noqa: B018
    assert "parent" not in a.capabilities.fields and "parent" not in a.map.props
    ref = sandbox.user_create(Item(title="plain"))
    got = a.get(ref)
    assert got is not None and got.item.parent is None


def test_sub_items_are_found_by_name_or_by_their_synced_sub_item(sandbox: NotionSandbox
                                                                 ) -> None:
    emu = sandbox.emu
    emu.enable_sub_items(sandbox.ds)
    assert adapter(emu, sandbox.db).map.props["parent"] == ("Parent item", "relation")
    emu._set_properties(sandbox.ds, {"Parent item": {"name": "Parent task"}})
    a = adapter(emu, sandbox.db)
    assert a.map.props["parent"] == ("Parent task", "relation")
    assert "parent → 'Parent task', priority" in a.verify()
    # a page's sub-items are not part of its version: a child's move leaves it as it was
    p, q = sandbox.user_create(Item(title="P")), sandbox.user_create(Item(title="Q"))
    before = a.get(p)
    c = sandbox.user_create(Item(title="C", parent=p))
    sandbox.user_edit(c, parent=q)
    after = a.get(p)
    assert before is not None and after is not None and after.version == before.version
    assert emu.pages[q]["properties"]["Sub-item"]["relation"] == [{"id": c}]


def test_a_named_self_relation_holds_the_parent_and_others_are_refused() -> None:
    sandbox = NotionSandbox(SCHEMA | {"Notes": {"rich_text": {}}})
    try:
        emu, ds = sandbox.emu, sandbox.ds
        _, other = emu.add_database("Projects", {})
        emu._set_properties(ds, {"Up": relation(ds, "single_property"),
                                 "Project": relation(other)})
        a = adapter(emu, sandbox.db, options={"targets": {"parent": "Up"}})
        assert a.map.props["parent"] == ("Up", "relation")
        p = sandbox.user_create(Item(title="P"))
        created = a.create(Item(title="C", parent=p), origin="L", idempotency_key="k")
        assert created.item.parent == p
        assert emu.pages[created.ref]["properties"]["Up"]["relation"] == [{"id": p}]
        for name, message in (("Project", "relates to another data source"),
                              ("Notes", "is a rich_text property; parent needs one of "
                                        "relation"),
                              ("Nowhere", "does not exist")):
            with pytest.raises(ConfigError, match=message):
                adapter(emu, sandbox.db, options={"targets": {"parent": name}})
        # left out by the config: not synced even with Sub-items on
        emu.enable_sub_items(ds)
        assert "parent" not in adapter(emu, sandbox.db,
                                       fields=frozenset({"title"})).capabilities.fields
    finally:
        sandbox.stop()


def test_a_parent_is_the_first_page_related(sub_items: NotionSandbox) -> None:
    """A person may relate two pages in "Parent item" (Notion does not stop them): the
    first is the parent; a write relates the one page."""
    emu = sub_items.emu
    a = adapter(emu, sub_items.db)
    p, q = sub_items.user_create(Item(title="P")), sub_items.user_create(Item(title="Q"))
    c = sub_items.user_create(Item(title="C"))
    emu.update_page(c, {"properties": {"Parent item": {"relation": [{"id": q}, {"id": p}]}}})
    got = a.get(c)
    assert got is not None and got.item.parent == q
    a.update(c, got.item.evolve(parent=p), fields=frozenset({"parent"}),
             expected_version=got.version, idempotency_key="k")
    assert emu.pages[c]["properties"]["Parent item"]["relation"] == [{"id": p}]


# -- whole rounds: Todoist and Notion ---------------------------------------------------------


class Rounds:
    """Todoist and a Notion database with Sub-items in one flow, a round at a time."""

    def __init__(self) -> None:
        self.todoist = TodoistSandbox()
        self.notion = NotionSandbox(timezone="Europe/Berlin", sub_items=True)
        self.adapters: dict[str, Any] = {"todoist": build_todoist(self.todoist.emu),
                                         "notion": build(self.notion.emu, self.notion.db)}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters})
        self.store = MemStore()

    def sync(self) -> RoundReport:
        report = run_flow("f", self.cfg, self.adapters, self.store)
        assert report.status == "ok", report.errors
        return report

    def ref(self, service: str, title: str) -> str:
        box = self.todoist if service == "todoist" else self.notion
        return next(r for r, i in box.items().items() if i.title == title)

    def parent(self, service: str, title: str) -> str | None:
        box = self.todoist if service == "todoist" else self.notion
        return box.items()[self.ref(service, title)].parent

    def close(self) -> None:
        for a in self.adapters.values():
            a.close()
        self.todoist.stop()
        self.notion.stop()


@pytest.fixture
def rounds() -> Iterator[Rounds]:
    r = Rounds()
    yield r
    r.close()


def test_a_todoist_sub_task_arrives_under_its_parent_and_a_notion_move_reaches_todoist(
        rounds: Rounds) -> None:
    todoist = rounds.todoist.emu
    project = rounds.todoist.project
    epic = todoist.add_item(project, "Epic")
    todoist.add_item(project, "Story", parent_id=epic)
    todoist.add_item(project, "Other epic")
    rounds.sync()
    story = rounds.ref("notion", "Story")
    page = rounds.notion.emu.pages[story]
    assert page["properties"]["Parent item"]["relation"] == [{"id": rounds.ref("notion",
                                                                               "Epic")}]
    epic_page = rounds.notion.emu.pages[rounds.ref("notion", "Epic")]
    assert epic_page["properties"]["Sub-item"]["relation"] == [{"id": story}]
    assert rounds.parent("notion", "Other epic") is None
    assert rounds.sync().counts["writes"] == 0  # the sub-items' change echoes nothing

    # moved in Notion under the other epic: Todoist follows
    rounds.notion.user_edit(story, parent=rounds.ref("notion", "Other epic"))
    assert rounds.sync().counts["update"] == 1
    assert rounds.parent("todoist", "Story") == rounds.ref("todoist", "Other epic")
    assert rounds.sync().counts["writes"] == 0

    # made top-level in Notion: a top-level task in Todoist's project
    rounds.notion.user_edit(story, parent=None)
    rounds.sync()
    assert rounds.parent("todoist", "Story") is None
    assert todoist.items[rounds.ref("todoist", "Story")]["project_id"] == project

    # a sub-item made in Notion arrives as a Todoist sub-task
    rounds.notion.user_create(Item(title="Task", parent=rounds.ref("notion", "Epic")))
    rounds.sync()
    assert rounds.parent("todoist", "Task") == epic
    assert rounds.sync().counts["writes"] == 0


def test_a_todoist_move_reaches_notion(rounds: Rounds) -> None:
    todoist = rounds.todoist.emu
    project = rounds.todoist.project
    epic = todoist.add_item(project, "Epic")
    other = todoist.add_item(project, "Other epic")
    story = todoist.add_item(project, "Story", parent_id=epic)
    rounds.sync()
    with todoist.lock:
        todoist._item_move({"id": story, "parent_id": other})
    rounds.sync()
    assert rounds.parent("notion", "Story") == rounds.ref("notion", "Other epic")
    epic_page = rounds.notion.emu.pages[rounds.ref("notion", "Epic")]
    assert epic_page["properties"]["Sub-item"]["relation"] == []
    assert rounds.sync().counts["writes"] == 0
