"""The emulator answers with the shapes the official Jira Cloud OpenAPI spec defines.

``spec_fragments.json`` holds the property names of the spec's schemas that the emulator
serves (copied from the spec, so tests never read outside the repository). Every key the
emulator sends must exist in the real schema, and the keys clients depend on must be there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.adapters.jira.conftest import JiraHarness

SCHEMAS: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "spec_fragments.json").read_text())["schemas"]


def check(body: dict[str, Any], schema: str, required: set[str]) -> None:
    allowed = set(SCHEMAS[schema])
    assert set(body) <= allowed, (schema, set(body) - allowed)
    assert required <= set(body), (schema, required - set(body))


def test_shapes_match_the_official_spec(harness: JiraHarness) -> None:
    emu = harness.emu
    auth = (emu.email, emu.token)
    api = f"{emu.base_url}/rest/api/3"
    check(httpx.get(f"{api}/serverInfo", auth=auth).json(), "ServerInformation",
          {"baseUrl", "deploymentType", "versionNumbers"})
    check(httpx.get(f"{api}/myself", auth=auth).json(), "User", {"accountId", "self"})
    created = httpx.post(f"{api}/issue", auth=auth, json={"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "x"}})
    assert created.status_code == 201
    check(created.json(), "CreatedIssue", {"id", "key", "self"})
    issue = httpx.get(f"{api}/issue/{created.json()['id']}", auth=auth).json()
    check(issue, "IssueBean", {"id", "key", "self", "fields"})
    found = httpx.post(f"{api}/search/jql", auth=auth,
                       json={"jql": "project = OPS", "maxResults": 1}).json()
    check(found, "SearchAndReconcileResults", {"issues", "isLast"})
    check(found["issues"][0], "IssueBean", {"id"})
    assert "fields" not in found["issues"][0]  # search/jql's default is ids only
    found = httpx.post(f"{api}/search/jql", auth=auth, json={
        "jql": "project = OPS", "fields": ["summary"], "properties": ["synchub"]}).json()
    check(found["issues"][0], "IssueBean", {"id", "key", "fields"})
    assert set(found["issues"][0]["fields"]) == {"summary"}
    refused = httpx.post(f"{api}/search/jql", auth=auth, json={
        "jql": "project = OPS", "properties": "synchub"})  # an array in the spec
    assert refused.status_code == 400
    check(refused.json(), "ErrorCollection", {"errorMessages", "errors"})
    for kind in httpx.get(f"{api}/issuetype", auth=auth).json():
        check(kind, "IssueTypeDetails", {"id", "name", "subtask", "hierarchyLevel"})
    transitions = httpx.get(f"{api}/issue/{created.json()['id']}/transitions", auth=auth).json()
    check(transitions, "Transitions", {"transitions"})
    check(transitions["transitions"][0], "IssueTransition", {"id", "name", "to"})
    error = httpx.post(f"{api}/issue", auth=auth, json={"fields": {}}).json()
    check(error, "ErrorCollection", {"errorMessages", "errors"})
    for prio in httpx.get(f"{api}/priority", auth=auth).json():
        check(prio, "Priority", {"id", "name"})
