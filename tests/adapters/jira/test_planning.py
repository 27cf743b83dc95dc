"""Sprint and story points on Jira Cloud, through the ``jira`` client and the emulator: the
fields found by their schema, the current sprint read, a sprint written by its id, a
missing one refused for its item alone, and sites without the fields."""

from __future__ import annotations

import pytest

from adapters.base import EndpointContext
from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope, emu_planning
from adapters.jira.adapter import JiraAdapter
from adapters.jira.emu_jql_eval import SPRINT_FIELD
from adapters.jira.sandbox import JiraSandbox
from hub.errors import ConfigError, ValidationRejected
from hub.model import Item
from tests.adapters.jira.conftest import JiraHarness

POINTS_FIELD = "customfield_10016"


def _raw(a: JiraAdapter, ref: str) -> dict:  # type: ignore[type-arg]
    return dict(a.client.raw("GET", f"issue/{ref}")["fields"])


def _agile(sandbox: JiraSandbox) -> list[str]:
    return [p for _, p in sandbox.emu.request_log if p.startswith("/rest/agile/")]


def test_sprint_and_points_are_written_as_jira_cloud_takes_them(harness: JiraHarness) -> None:
    a = harness.adapter
    created = a.create(Item(title="t", sprint="Sprint 2", points=3), origin="l1",
                       idempotency_key="k1")
    assert created.item.sprint == "Sprint 2" and created.item.points == 3
    raw = _raw(a, created.ref)
    assert [s["name"] for s in raw[SPRINT_FIELD]] == ["Sprint 2"]
    assert raw[SPRINT_FIELD][0]["id"] == harness.sprints["Sprint 2"]
    assert raw[POINTS_FIELD] == 3 and isinstance(raw[POINTS_FIELD], int)  # as typed in Jira
    moved = a.update(created.ref, created.item.evolve(sprint="Sprint 3", points=0.5),
                     fields=frozenset({"sprint", "points"}), expected_version=None,
                     idempotency_key="k2")
    assert moved.item.sprint == "Sprint 3" and moved.item.points == 0.5


def test_clearing_the_sprint_moves_the_issue_to_the_backlog_keeping_its_history(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    a = harness.adapter
    ref = harness.user_create(Item(title="t"))
    sandbox.emu.set_sprint(ref, harness.sprints["Sprint 1"], harness.sprints["Sprint 2"])
    got = a.get(ref)
    assert got is not None and got.item.sprint == "Sprint 2"
    cleared = a.update(ref, got.item.evolve(sprint=None, points=None),
                       fields=frozenset({"sprint", "points"}), expected_version=None,
                       idempotency_key="k")
    assert cleared.item.sprint is None and cleared.item.points is None
    assert [s["name"] for s in _raw(a, ref)[SPRINT_FIELD]] == ["Sprint 1"]  # closed: kept


def test_the_current_sprint_is_the_active_one_else_the_future_one_never_a_closed_one(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    a, s = harness.adapter, harness.sprints
    ref = harness.user_create(Item(title="t"))
    for held, current in (([s["Sprint 1"]], None), ([s["Sprint 3"]], "Sprint 3"),
                          ([s["Sprint 1"], s["Sprint 3"], s["Sprint 2"]], "Sprint 2")):
        sandbox.emu.set_sprint(ref, *held)
        got = a.get(ref)
        assert got is not None and got.item.sprint == current, held


def test_a_completed_sprint_moves_open_issues_on_and_leaves_done_ones_in_no_sprint(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    a, s, emu = harness.adapter, harness.sprints, sandbox.emu
    open_ref = harness.user_create(Item(title="open", sprint="Sprint 2"))
    done_ref = harness.user_create(Item(title="done", sprint="Sprint 2",
                                        status={"kind": "done"}))
    emu.close_sprint(s["Sprint 2"], move_to=s["Sprint 3"])
    still, done = a.get(open_ref), a.get(done_ref)
    assert still is not None and still.item.sprint == "Sprint 3"
    assert done is not None and done.item.sprint is None


def test_a_sprint_with_no_open_sprint_of_its_name_is_refused_for_that_item_alone(
        harness: JiraHarness) -> None:
    a = harness.adapter
    ok = a.create(Item(title="fine", sprint="Sprint 2"), origin="l1", idempotency_key="k1")
    for name in ("Sprint 9", "Sprint 1"):  # unknown, and closed (history)
        with pytest.raises(ValidationRejected) as err:
            a.update(ok.ref, ok.item.evolve(title="renamed", sprint=name),
                     fields=frozenset({"title", "sprint"}), expected_version=None,
                     idempotency_key=f"k-{name}")
        assert repr(name) in err.value.message and "Sprint 2, Sprint 3" in err.value.message
    got = a.get(ok.ref)
    assert got is not None and got.item.title == "fine"  # nothing of the edit was written
    again = a.create(Item(title="next", sprint="Sprint 3"), origin="l2", idempotency_key="k2")
    assert again.item.sprint == "Sprint 3"  # the adapter goes on with other items


def test_sprint_ids_are_looked_up_once_a_round_not_per_issue(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    a = harness.adapter
    a.changes(None)
    before = len(_agile(sandbox))
    for n in range(4):
        a.create(Item(title=f"t{n}", sprint="Sprint 3"), origin=f"l{n}", idempotency_key=f"k{n}")
    lookups = _agile(sandbox)[before:]
    assert lookups == ["/rest/agile/1.0/board", "/rest/agile/1.0/board/1/sprint"]
    cursor = a.changes(None).cursor  # a new round reads them again (a sprint may close) ...
    after = len(_agile(sandbox))
    a.create(Item(title="t9", sprint="Sprint 3"), origin="l9", idempotency_key="k9")
    assert _agile(sandbox)[after:] == []  # ... or knows them from the issues it listed
    assert cursor


def test_a_board_named_in_the_options_needs_no_board_listing(sandbox: JiraSandbox) -> None:
    sprints = sandbox.add_sprints()
    adapter = _build(sandbox, board="1")
    created = adapter.create(Item(title="t", sprint="Sprint 3"), origin="l", idempotency_key="k")
    assert created.item.sprint == "Sprint 3"
    assert _agile(sandbox) == ["/rest/agile/1.0/board/1/sprint"]
    assert sprints["Sprint 3"] == _raw(adapter, created.ref)[SPRINT_FIELD][0]["id"]
    adapter.close()


def test_a_person_setting_sprint_and_points_is_listed_with_the_fields_own_times(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    a = harness.adapter
    ref = harness.user_create(Item(title="t"))
    cursor = a.changes(None).cursor
    sandbox.emu.edit(ref, **{POINTS_FIELD: 5})
    sandbox.emu.set_sprint(ref, harness.sprints["Sprint 3"])
    (seen,) = [r for r in a.changes(cursor).items if r.ref == ref]
    assert seen.item.points == 5 and seen.item.sprint == "Sprint 3"
    assert {"points", "sprint"} <= set(seen.field_times)


def test_a_site_without_jira_software_syncs_neither_and_writes_the_rest(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    sandbox.emu.planning_fields = []
    a = harness.adapter
    created = a.create(Item(title="t", sprint="Sprint 2", points=3), origin="l",
                       idempotency_key="k")
    assert not {"sprint", "points"} & a.capabilities.fields
    assert created.item.title == "t" and created.item.sprint is None


def test_the_classic_story_points_field_is_found_by_its_name(sandbox: JiraSandbox) -> None:
    sandbox.emu.planning_fields = [emu_planning.SPRINT, emu_planning.STORY_POINTS]
    adapter = _build(sandbox)
    created = adapter.create(Item(title="t", points=8), origin="l", idempotency_key="k")
    assert created.item.points == 8
    assert _raw(adapter, created.ref)["customfield_10028"] == 8
    adapter.close()


def test_a_negative_estimate_reads_as_no_points(harness: JiraHarness,
                                                sandbox: JiraSandbox) -> None:
    ref = harness.user_create(Item(title="t"))
    sandbox.emu.edit(ref, **{POINTS_FIELD: -2})
    got = harness.adapter.get(ref)
    assert got is not None and got.item.points is None


def test_a_target_names_the_points_field_and_a_wrong_one_is_a_config_error(
        sandbox: JiraSandbox) -> None:
    sandbox.emu.planning_fields = [*emu_planning.CLOUD, emu_planning.STORY_POINTS]
    named = _build(sandbox, targets={"points": "story points"})
    created = named.create(Item(title="t", points=2), origin="l", idempotency_key="k")
    assert _raw(named, created.ref)["customfield_10028"] == 2
    assert _raw(named, created.ref)[POINTS_FIELD] is None
    named.close()
    wrong = _build(sandbox, targets={"points": "Sprint"})
    with pytest.raises(ConfigError, match="points needs a number field"):
        wrong.changes(None)
    wrong.close()


def test_editmeta_and_the_field_list_show_the_fields_by_their_schema(
        harness: JiraHarness, sandbox: JiraSandbox) -> None:
    a = harness.adapter
    ref = harness.user_create(Item(title="t"))
    meta = a.client.raw("GET", f"issue/{ref}/editmeta")["fields"]
    assert meta[SPRINT_FIELD]["schema"]["custom"] == "com.pyxis.greenhopper.jira:gh-sprint"
    assert meta[POINTS_FIELD]["schema"]["type"] == "number"
    listed = {f["id"]: f for f in a.client.raw("GET", "field")}
    assert listed[POINTS_FIELD]["name"] == "Story point estimate"


def _build(sandbox: JiraSandbox, **options: object) -> JiraAdapter:
    return JiraAdapterFactory().build(
        JiraConnection.model_validate(sandbox.connection), JiraScope.model_validate(
            sandbox.scope), EndpointContext(name="jira", flow="t",
                                            value_maps=sandbox.value_maps,
                                            options=sandbox.options | options))
