"""Comments between Jira and Todoist through their emulators and official clients (issue
15): copied once each way with author and time, rich text readable, edits and deletes
followed, quiet rounds quiet, synchub's origin marker note never copied nor touched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.jira import adf
from adapters.jira.emu_changelog import PERSON
from adapters.jira.sandbox import JiraSandbox
from adapters.todoist.emulator import TodoistEmulator
from adapters.toolkit import comments as text
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import RoundReport, run_flow
from tests.adapters.jira.conftest import build as build_jira
from tests.adapters.todoist.conftest import build as build_todoist
from tests.support.memstore import MemStore


class Pair:
    def __init__(self, todoist: TodoistEmulator, jira: JiraSandbox) -> None:
        self.todoist, self.jira = todoist, jira
        self.adapters: dict[str, Any] = {"jira": build_jira(jira),
                                         "todoist": build_todoist(todoist)}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in self.adapters},
                              comments=True)
        self.store = MemStore()

    def sync(self) -> RoundReport:
        rep = run_flow("f", self.cfg, self.adapters, self.store)
        assert not rep.errors, rep.errors
        return rep

    def issue(self) -> dict[str, Any]:
        (issue,) = self.jira.emu.issues.values()
        return issue

    def jira_comments(self) -> list[dict[str, Any]]:
        return list(self.jira.emu.comments.get(self.issue()["id"], []))

    def notes(self) -> list[dict[str, Any]]:
        return [n for n in self.todoist.notes.values() if not n.get("is_deleted")]

    def person_notes(self) -> list[str]:
        """The Todoist comments' own text (synchub's origin marker note left out)."""
        return [text.parse(n["content"]).body for n in self.notes()
                if not n["content"].startswith("synchub-origin")]


@pytest.fixture
def pair() -> Iterator[Pair]:
    todoist, jira = TodoistEmulator(), JiraSandbox()
    todoist.start(0)
    todoist.add_project("Work")
    try:
        yield Pair(todoist, jira)
    finally:
        todoist.stop()
        jira.stop()


def test_comments_travel_both_ways_once_and_edits_and_deletes_follow(pair: Pair) -> None:
    pid = next(p for p, v in pair.todoist.projects.items() if v["name"] == "Work")
    tid = pair.todoist.add_item(pid, "Write report")
    pair.sync()
    key = pair.issue()["key"]
    marker = [n for n in pair.notes() if n["content"].startswith("synchub-origin")]

    # a person comments in Jira, with rich text
    doc = adf.from_markdown("Looks **good**, see [spec](https://example.com/spec)")
    assert doc is not None
    cid = pair.jira.emu.add_comment(key, doc, PERSON)["id"]
    assert pair.sync().comments == {"todoist": 1}
    (copy,) = [n for n in pair.notes() if "synchub-c-" in n["content"]]
    assert copy["item_id"] == tid
    head, _, body = copy["content"].partition("\n\n")
    assert PERSON["displayName"] in head and "Jira" in head and "UTC" in head
    assert f"/browse/{key}" in head
    assert body == "Looks **good**, see [spec](https://example.com/spec)"

    # a person comments in Todoist: it reaches Jira, readable as rich text
    pair.todoist.add_note(tid, "Draft attached, please *review*")
    assert pair.sync().comments == {"jira": 1}
    mine = [c for c in pair.jira_comments() if c["id"] != cid]
    assert len(mine) == 1
    assert "please *review*" in adf.to_markdown(mine[0]["body"])

    for _ in range(2):  # nothing echoed, nothing copied again
        assert pair.sync().comments == {}
    assert len(pair.jira_comments()) == 2 and len(pair.person_notes()) == 2

    # edits and deletes of the originals follow
    edited = adf.from_markdown("Looks great")
    assert edited is not None
    pair.jira.emu.edit_comment(key, cid, edited, PERSON)
    pair.sync()
    assert "Looks great" in pair.person_notes()
    pair.jira.emu.delete_comment(key, cid)
    pair.sync()
    assert pair.person_notes() == ["Draft attached, please *review*"]
    assert len(pair.jira_comments()) == 1
    assert pair.sync().comments == {}
    # synchub's own marker note is still there, untouched
    assert [n for n in pair.notes() if n["content"].startswith("synchub-origin")] == marker


def test_notion_comments_arrive_by_the_sweep_and_jira_comments_reach_notion() -> None:
    from adapters.notion import emu_comments
    from adapters.notion.comments import to_rich
    from adapters.notion.sandbox import NotionSandbox
    from tests.adapters.notion.conftest import build as build_notion

    notion, jira = NotionSandbox(timezone="Europe/Berlin"), JiraSandbox()
    try:
        adapters: dict[str, Any] = {"jira": build_jira(jira),
                                    "notion": build_notion(notion.emu, notion.db)}
        cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                         comments={"sync": True, "sweep": 1})
        store = MemStore()

        def sync() -> RoundReport:
            rep = run_flow("f", cfg, adapters, store)
            assert not rep.errors, rep.errors
            return rep

        for title in ("Plan", "Ship"):
            notion.user_create(Item(title=title))
        sync()
        pages = {p["properties"]["Name"]["title"][0]["plain_text"]: pid
                 for pid, p in notion.emu.pages.items()}
        with notion.emu.lock:
            emu_comments.by_person(notion.emu, pages["Ship"], to_rich("from Notion"),
                                   next(iter(notion.emu.users)))
        rounds = 0
        while not any("from Notion" in adf.to_markdown(c["body"])
                      for cs in jira.emu.comments.values() for c in cs):
            sync()  # nothing lists the page: the sweep reads one page a round
            rounds += 1
            assert rounds <= 2
        (ship,) = [i for i in jira.emu.issues.values() if i["fields"]["summary"] == "Ship"]
        doc = adf.from_markdown("from Jira")
        assert doc is not None
        jira.emu.add_comment(ship["key"], doc, PERSON)
        sync()
        texts = [text.parse(notion_text(c)).body for c in notion.emu.comments
                 if c["parent"].get("page_id") == pages["Ship"]]
        assert texts == ["from Notion", "from Jira"]
        for _ in range(3):
            assert sync().comments == {}
    finally:
        notion.stop()
        jira.stop()


def notion_text(comment: dict[str, Any]) -> str:
    from adapters.notion.comments import from_rich

    return from_rich(comment["rich_text"])
