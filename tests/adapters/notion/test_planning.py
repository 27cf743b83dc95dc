"""``sprint`` and ``points`` on Notion: found by name (Sprint; Story points or Points, any
case) or named with ``target``; a sprint on a select (Notion adds a missing option), a text
or a multi-select of one; points on a number property."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.notion.sandbox import SCHEMA, NotionSandbox
from adapters.notion.schema import check
from hub.errors import ConfigError, ValidationRejected
from hub.model import Item
from tests.adapters.notion.conftest import NotionPlanningHarness, build

TITLE = {"Name": {"type": "title", "title": {}}}


def _schema(**props: str) -> dict[str, Any]:
    return TITLE | {name: {"type": kind, kind: {}} for name, kind in props.items()}


def _ctx(**kw: Any) -> EndpointContext:
    return EndpointContext(name="n", flow="f", **kw)


@pytest.mark.parametrize(("props", "sprint", "points"), [
    ({"Sprint": "select", "Story points": "number"}, ("Sprint", "select"),
     ("Story points", "number")),
    ({"sprint": "rich_text", "POINTS": "number"}, ("sprint", "rich_text"), ("POINTS", "number")),
    ({"Sprint": "multi_select", "Points": "number", "Story Points": "number"},
     ("Sprint", "multi_select"), ("Story Points", "number")),
    ({"Sprint": "relation", "Estimate": "number"}, None, None),  # another type; ambiguous
    ({"Iteration": "select", "Effort": "number"}, None, None),  # other names: not guessed
])
def test_found_by_name(props: dict[str, str], sprint: tuple[str, str] | None,
                       points: tuple[str, str] | None) -> None:
    resolved = check(_schema(**props), _ctx())
    assert resolved.get("sprint") == sprint and resolved.get("points") == points


def test_named_with_target_and_checked() -> None:
    schema = _schema(Iteration="select", Effort="number", Sprint="select")
    resolved = check(schema, _ctx(options={"targets": {"sprint": "Iteration",
                                                       "points": "Effort"}}))
    assert resolved["sprint"] == ("Iteration", "select")
    assert resolved["points"] == ("Effort", "number")
    with pytest.raises(ConfigError, match="property 'Effort' is a number property; sprint "
                                          "needs one of multi_select, rich_text, select"):
        check(schema, _ctx(options={"targets": {"sprint": "Effort"}}))


def test_a_database_without_them_does_not_sync_them(harness: Any) -> None:
    harness.adapter.changes(None)
    assert not {"sprint", "points"} & harness.adapter.capabilities.fields


def test_a_new_sprint_becomes_a_select_option_as_in_notion(
        planning: NotionPlanningHarness) -> None:
    a = planning.adapter
    created = a.create(Item(title="t", sprint="Sprint 7", points=3), origin="l",
                       idempotency_key="k")
    assert created.item.sprint == "Sprint 7" and created.item.points == 3
    options = planning.emu.sources[planning.ds]["properties"]["Sprint"]["select"][
        "options"]
    assert [o["name"] for o in options] == ["Sprint 1", "Sprint 7"]
    page = planning.emu.pages[created.ref]["properties"]
    assert page["Story points"]["number"] == 3


def test_a_sprint_notion_cannot_hold_is_refused_for_that_item(
        planning: NotionPlanningHarness) -> None:
    with pytest.raises(ValidationRejected, match="commas not allowed"):
        planning.adapter.create(Item(title="t", sprint="Sprint 7, team A"), origin="l",
                                idempotency_key="k")


def test_text_and_multi_select_sprints_and_odd_points_read_as_one_value() -> None:
    schema = SCHEMA | {"Sprint": {"multi_select": {}}, "Points": {"number": {}}}
    sb = NotionSandbox(schema=schema)
    try:
        a = build(sb.emu, sb.db)
        page = sb.emu.create_page(sb.ds, {
            "Name": {"title": [{"type": "text", "text": {"content": "t"}}]},
            "Sprint": {"multi_select": [{"name": "Sprint 4"}, {"name": "Sprint 5"}]},
            "Points": {"number": -1}})
        got = a.get(str(page["id"]))
        assert got is not None and got.item.sprint == "Sprint 4" and got.item.points is None
        a.update(str(page["id"]), got.item.evolve(sprint="Sprint 6", points=1.5),
                 fields=frozenset({"sprint", "points"}), expected_version=None,
                 idempotency_key="k")
        stored = sb.emu.pages[str(page["id"])]["properties"]
        assert [o["name"] for o in stored["Sprint"]["multi_select"]] == ["Sprint 6"]
        assert stored["Points"]["number"] == 1.5
        a.close()
    finally:
        sb.stop()


def test_a_text_sprint_round_trips_and_clears() -> None:
    sb = NotionSandbox(schema=SCHEMA | {"Sprint": {"rich_text": {}}})
    try:
        a = build(sb.emu, sb.db)
        created = a.create(Item(title="t", sprint="Q4, week 2"), origin="l",
                           idempotency_key="k1")
        assert created.item.sprint == "Q4, week 2"
        cleared = a.update(created.ref, created.item.evolve(sprint=None),
                           fields=frozenset({"sprint"}), expected_version=None,
                           idempotency_key="k2")
        assert cleared.item.sprint is None
        a.close()
    finally:
        sb.stop()
