"""Matching by title over real ``synchub`` processes and the emulators (issue 15): an
ambiguous title links nothing and copies nothing until a person settles it, and the round
after they do links what is left; the items are listed by an incremental listing only once,
so the held ones are read again each round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from hub.model import DateOnly, Item
from tests.process.harness import Hub

TITLE = "Team offsite"


def _count(hub: Hub, service: str, title: str) -> int:
    return [i.title for i in hub.items(service).values()].count(title)


def test_an_ambiguous_title_is_held_back_until_a_person_renames_one(
        make_hub: Callable[..., Hub]) -> None:
    hub = make_hub()
    due = DateOnly(date=dt.date(2027, 3, 5))
    jira, todoist = hub.boxes["jira"], hub.boxes["todoist"]
    jira.user_create(Item(title=TITLE, priority=3, due=due))
    second = jira.user_create(Item(title=TITLE, priority=3, due=due))
    todoist.user_create(Item(title=TITLE, priority=3, due=due))

    first = hub.sync()
    assert first.code == 0, str(first)
    assert "not linked" in first.text and TITLE in first.text, str(first)
    held = {s: _count(hub, s, TITLE) for s in ("jira", "todoist", "notion", "gcal")}
    assert held == {"jira": 2, "todoist": 1, "notion": 0, "gcal": 0}  # nothing copied
    status = hub.status()
    assert "ambiguous" in status.text or "matching" in status.text, str(status)

    assert hub.sync().code == 0  # a quiet round changes nothing either
    assert {s: _count(hub, s, TITLE) for s in held} == held

    jira.user_edit(second, title=f"{TITLE} (venue)")
    for _ in range(2):
        assert hub.sync().code == 0
    for service in ("jira", "todoist", "notion", "gcal"):
        assert (_count(hub, service, TITLE), _count(hub, service, f"{TITLE} (venue)")) == \
            (1, 1), service
    assert "not linked" not in hub.sync().text


def test_matching_by_title_copies_no_default_as_if_a_person_set_it(
        make_hub: Callable[..., Hub]) -> None:
    """Jira gives every issue a priority (Medium when nobody chose one); matched by title with
    a Todoist task and a Notion row that have none, and again after the state file is lost
    (re-linked by markers), that default reaches neither."""
    hub = make_hub()
    due = DateOnly(date=dt.date(2027, 3, 5))
    for service in ("jira", "todoist", "notion"):
        hub.boxes[service].user_create(Item(title="Book venue", due=due))
    assert [i.priority for i in hub.items("jira").values()] == [2]  # Jira's own default
    for rounds in ("first sync", "after the state was lost"):
        assert hub.sync().code == 0, rounds
        for service in ("todoist", "notion"):
            assert [(i.title, i.priority) for i in hub.items(service).values()] == [
                ("Book venue", None)], (service, rounds)
        hub.delete_state()
