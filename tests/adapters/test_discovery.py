"""Discovery (``adapters.registry.Discovering``), the same checks for every service over its
emulator: what a connection reaches is listed, the chosen target described, and the preset's
endpoint proposed with the service's real names; then the proposed endpoint passes the
adapter's own ``verify`` (what ``synchub check --probe`` runs)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import EndpointContext
from adapters.registry import Discovering, load_factory
from adapters.toolkit.discovery import kind_of, priority_rule, status_rule

SERVICES = ("jira", "todoist", "notion", "gcal")


@pytest.fixture(params=SERVICES)
def site(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    factory = load_factory(request.param)
    sb = factory.sandbox()  # type: ignore[attr-defined]
    if request.param == "jira":
        sb.emu.add_project("WEB", "Website")
        sb.emu.add_board("OPS board", "OPS")
        sb.emu.add_board("Web flow", "WEB", kind="kanban")
    if request.param == "todoist":
        sb.emu.add_section(sb.project, "Doing")
    try:
        yield request.param, sb
    finally:
        (getattr(sb, "stop", None) or sb.emu.stop)()


def test_every_real_adapter_discovers() -> None:
    for name in SERVICES:
        assert isinstance(load_factory(name), Discovering), name


def test_discover_describe_propose_then_verify(site: tuple[str, Any]) -> None:
    name, sb = site
    factory = load_factory(name)
    assert isinstance(factory, Discovering)
    connection = factory.connection_model(**sb.connection)
    found = factory.discover(connection)
    assert found.targets and found.who
    wanted = {"jira": "OPS", "todoist": "Work", "notion": sb.scope.get("database_id"),
              "gcal": "primary"}[name]
    target = next(t for t in found.targets
                  if wanted in (t.id, t.name, t.facts.get("database_id")))
    target = factory.describe(connection, target)
    preset = {"connection": name, "scope": {"jql": "assignee = currentUser()"} if name ==
              "jira" else {}, "fields": {}}
    before = copy.deepcopy(preset)
    endpoint = factory.propose(target, preset)
    assert endpoint["connection"] == name and preset == before  # propose is pure
    scope = factory.scope_model(**endpoint["scope"])
    maps = _value_maps(endpoint)
    ctx = EndpointContext(name=name, flow="f", value_maps=maps,
                          options=endpoint.get("options", {}))
    adapter = factory.build(connection, scope, ctx)
    try:
        assert adapter.verify()  # type: ignore[attr-defined]
    finally:
        adapter.close()


def _value_maps(endpoint: dict[str, Any]) -> dict[str, Any]:
    from adapters.context import ValueMap

    return {f: ValueMap.from_pairs({str(k): str(v) for k, v in rule["map"].items()},
                                   rule.get("write"))
            for f, rule in (endpoint.get("fields") or {}).items() if rule.get("map")}


def test_jira_lists_projects_statuses_priorities_and_boards() -> None:
    factory = load_factory("jira")
    sb = factory.sandbox()  # type: ignore[attr-defined]
    try:
        for n in range(120):  # three pages of GET /project/search (50 a page)
            sb.emu.add_project(f"P{n:03d}", f"Project {n}")
        sb.emu.add_board("OPS board", "OPS")
        connection = factory.connection_model(**sb.connection)
        found = factory.discover(connection)  # type: ignore[attr-defined]
        assert len(found.targets) == 121 and found.kind == "project"
        assert "synchub bot" in found.who
        ops = factory.describe(connection,  # type: ignore[attr-defined]
                               next(t for t in found.targets if t.id == "OPS"))
        assert ops.facts["statuses"] == [
            ("To Do", "open"), ("In Progress", "in_progress"), ("In Review", "in_progress"),
            ("Done", "done")]  # every issue type's, by category
        assert "Task" in ops.facts["issue_types"]
        assert "Sub-task" not in ops.facts["issue_types"]
        assert ops.facts["boards"] == ["OPS board (scrum)"]
        endpoint = factory.propose(ops, {  # type: ignore[attr-defined]
            "connection": "jira", "scope": {"jql": "assignee = currentUser() OR x = 1"},
            "options": {"issue_type": "Chore"},
            "fields": {"status": {"map": {"Open": "open"}, "write": {"in_progress": "In Review"}}}})
        assert endpoint["scope"]["jql"] == "project = OPS AND (assignee = currentUser() OR x = 1)"
        assert endpoint["options"] == {"issue_type": "Task", "project": "OPS"}
        assert endpoint["fields"]["status"] == {
            "map": {"To Do": "open", "In Progress": "in_progress", "In Review": "in_progress",
                    "Done": "done"}, "write": {"in_progress": "In Review"}}  # the preset's
        again = factory.propose(ops, {"connection": "jira",  # type: ignore[attr-defined]
                                      "scope": {"jql": "project = ${JIRA_PROJECT:-OPS}"}})
        assert again["scope"]["jql"] == "project = OPS"
        assert again["fields"]["status"]["write"] == {"in_progress": "In Progress"}
        assert endpoint["fields"]["priority"]["map"] == {
            "Highest": 4, "High": 3, "Medium": 2, "Low": 1, "Lowest": 1}
    finally:
        sb.emu.stop()


def test_notion_maps_fields_onto_the_properties_the_database_has() -> None:
    factory = load_factory("notion")
    from adapters.notion.sandbox import NotionSandbox

    sb = NotionSandbox(schema={
        "State": {"status": {"options": [{"name": "Backlog"}, {"name": "Doing"},
                                         {"name": "Waiting", "group": "In progress"},
                                         {"name": "Shipped"}]}},
        "Deadline": {"date": {}}, "Priority": {"select": {"options": [
            {"name": "P1"}, {"name": "P2"}, {"name": "P3"}]}},
        "Owner": {"people": {}}, "Status": {"rich_text": {}}, "Tags": {"rich_text": {}}})
    try:
        connection = factory.connection_model(**sb.connection)
        found = factory.discover(connection)  # type: ignore[attr-defined]
        (target,) = found.targets
        assert found.kind == "data source" and target.name == "Tasks"
        endpoint = factory.propose(target, {  # type: ignore[attr-defined]
            "connection": "notion", "scope": {"database_id": "${NOTION_DATABASE_ID}"},
            "fields": {"title": {"target": "Title"}, "due": {"target": "Due"},
                       "status": {"target": "Status",
                                  "map": {"Not started": "open", "Done": "done"}}}})
        assert endpoint["scope"] == {"database_id": sb.scope["database_id"]}
        fields = endpoint["fields"]
        assert fields["title"] == {"target": "Name"}
        assert fields["due"] == {"target": "Deadline"}
        assert fields["assignee"] == {"target": "Owner"}
        assert fields["status"] == {"target": "State", "map": {
            "Backlog": "open", "Doing": "in_progress", "Waiting": "in_progress",
            "Shipped": "done"}, "write": {"in_progress": "Doing"}}
        assert fields["priority"] == {"map": {"P1": 4, "P2": 2, "P3": 1}, "write": {"3": "P1"}}
        # "Tags" is a text property here, so labels have nowhere to go: the field list says
        # which fields sync (the schema check refuses a conventional name of the wrong type)
        assert endpoint["only"] == ["title", "status", "due", "priority", "assignee", "span"]
        adapter = factory.build(connection, factory.scope_model(**endpoint["scope"]),
                                EndpointContext(name="n", flow="f",
                                                value_maps=_value_maps(endpoint),
                                                fields=frozenset(endpoint["only"]),
                                                options={"targets": {
                                                    f: r["target"] for f, r in fields.items()
                                                    if r.get("target")}}))
        try:
            assert "status → 'State'" in adapter.verify()  # type: ignore[attr-defined]
        finally:
            adapter.close()
    finally:
        sb.emu.stop()


def test_notion_search_refuses_the_database_filter_as_notion_does() -> None:
    import httpx

    from adapters.notion.sandbox import NotionSandbox

    sb = NotionSandbox()
    try:
        headers = {"Authorization": f"Bearer {sb.connection['token']}",
                   "Notion-Version": "2025-09-03"}
        bad = httpx.post(f"{sb.emu.base_url}/v1/search", headers=headers,
                         json={"filter": {"property": "object", "value": "database"}})
        assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
        ok = httpx.post(f"{sb.emu.base_url}/v1/search", headers=headers,
                        json={"query": "task", "page_size": 1})
        body = ok.json()
        assert body["type"] == "page_or_data_source" and body["results"][0]["object"] == \
            "data_source"
    finally:
        sb.emu.stop()


def test_gcal_names_the_primary_calendar_by_the_account() -> None:
    factory = load_factory("gcal")
    sb = factory.sandbox()  # type: ignore[attr-defined]
    try:
        sb.emu.add_calendar("team@group.calendar.google.com", "Team", access_role="reader")
        found = factory.discover(factory.connection_model(**sb.connection))  # type: ignore
        assert found.who == sb.emu.account
        by_id = {t.id: t for t in found.targets}
        assert by_id["primary"].detail.startswith("primary")
        team = by_id["team@group.calendar.google.com"]
        assert "read-only" in team.detail
        endpoint = factory.propose(team, {"connection": "c", "scope": {}})  # type: ignore
        assert endpoint == {"connection": "c", "read_only": True,
                            "scope": {"calendar_id": "team@group.calendar.google.com"}}
    finally:
        sb.emu.stop()


@given(st.lists(st.sampled_from(["To Do", "Doing", "Review", "Done", "Closed", "Open"]),
                min_size=1, unique=True),
       st.dictionaries(st.sampled_from(["open", "in_progress", "done"]),
                       st.sampled_from(["To Do", "Doing", "Review", "Done", "Nope"])))
def test_status_rule_maps_every_status_and_writes_only_what_exists(
        names: list[str], write: dict[str, str]) -> None:
    statuses = [(n, kind_of(n)) for n in names]
    rule = status_rule(statuses, {"map": {"x": "open"}, "write": write, "target": "T"})
    assert rule["map"] == dict(statuses) and rule["target"] == "T"
    for kind, name in (rule.get("write") or {}).items():
        assert rule["map"][name] == kind  # a write names a status of that kind
        assert name in names
    kinds = [k for _, k in statuses]
    for kind in set(kinds):  # one-to-one, or a write says which (the config check's rule)
        assert kinds.count(kind) == 1 or kind in rule["write"]


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=8, unique=True))
def test_priority_rule_goes_from_4_down_to_1_and_writes_every_priority(
        names: list[str]) -> None:
    rule = priority_rule(names, None)
    values = list(rule["map"].values())
    assert values[0] == 4 and all(1 <= v <= 4 for v in values)
    assert values == sorted(values, reverse=True)
    assert len(names) == 1 or values[-1] == 1
    written = {str(v) for v in values} | set(rule.get("write") or {})
    assert written == {"1", "2", "3", "4"}  # no canonical priority is cleared on the way
    assert all(n in names for n in (rule.get("write") or {}).values())


def test_priority_rule_for_three_and_five_names() -> None:
    assert priority_rule(["P1", "P2", "P3"], None) == {
        "map": {"P1": 4, "P2": 2, "P3": 1}, "write": {"3": "P1"}}
    assert priority_rule(["Highest", "High", "Medium", "Low", "Lowest"], None) == {
        "map": {"Highest": 4, "High": 3, "Medium": 2, "Low": 1, "Lowest": 1}}


@pytest.mark.parametrize(("jql", "narrowed"), [
    ("", "project = OPS"),
    ("assignee = currentUser() OR x = 1", "project = OPS AND (assignee = currentUser() OR x = 1)"),
    ("project = ${JIRA_PROJECT:-OPS}", "project = OPS"),
    ('project = "Old one" AND labels = mine', "project = OPS AND labels = mine"),
    # the scope takes no ORDER BY (synchub orders its searches): left out
    ("labels = mine ORDER BY created DESC", "project = OPS AND (labels = mine)"),
    ("ORDER BY created DESC", "project = OPS"),
    # terms naming only projects are the chosen one (creates go there: it is the scope)
    ("project in (OPS, WEB)", "project = OPS"),
    ("project in (A, B)", "project = OPS"),
    ("project = A OR project = B", "project = OPS"),
    ("project in (A) OR project = B", "project = OPS"),
    ("labels = OPS AND project in (A, B)", "project = OPS AND labels = OPS"),
    ("labels = project", "project = OPS AND (labels = project)"),  # a value, not the field
    # anything else about projects is kept whole, under the chosen one
    ("project != OPS", "project = OPS AND (project != OPS)"),
    ("project not in (OPS)", "project = OPS AND (project not in (OPS))"),
    ("project = OPS OR assignee = currentUser()",
     "project = OPS AND (project = OPS OR assignee = currentUser())"),
    ('summary ~ "order by" AND project = A', 'project = OPS AND summary ~ "order by"'),
])
def test_jira_narrows_the_scope_to_the_chosen_project(jql: str, narrowed: str) -> None:
    from adapters.jira.discovery import narrow

    assert narrow(jql, "OPS") == narrowed


def test_gcal_for_a_service_account_takes_a_calendar_id_and_checks_it() -> None:
    """A service account's own `primary` is nobody's calendar and calendars shared with it
    are not in its list: discovery leaves the first out, accepts an id and checks it."""
    from adapters.gcal import discovery
    from adapters.gcal.client import GcalClient
    from adapters.gcal.sandbox import GcalSandbox
    from adapters.registry import Target
    from hub.errors import NotFound

    sb = GcalSandbox()
    try:
        sb.emu.add_calendar("team@group.calendar.google.com", "Team")
        client = GcalClient(sb.emu.base_url)
        found = discovery.discover(client, service_account="sync@p.iam.gserviceaccount.com")
        assert found.open and found.who == "service account sync@p.iam.gserviceaccount.com"
        assert "primary" not in {t.id for t in found.targets}
        given = discovery.describe(client, Target("team@group.calendar.google.com",
                                                  "team@group.calendar.google.com"))
        assert given.name == "Team" and given.facts == {"listed": True}
        with pytest.raises(NotFound):
            discovery.describe(client, Target("nobody@example.com", "nobody@example.com"))
    finally:
        sb.emu.stop()
