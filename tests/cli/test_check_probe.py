"""`synchub check --probe` checks each endpoint's scope and mapping at the service, not only
the credentials (issue 13: a Notion property that did not exist passed the probe and failed
the first round)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.cli.sandbox import config, read_config, start

runner = CliRunner()


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Any]]:
    sbs = start()
    yield sbs
    for sb in sbs.values():
        sb.stop()


def probe(sandboxes: dict[str, Any], tmp_path: Path, **endpoint_changes: dict[str, Any]
          ) -> tuple[int, str]:
    path = config(sandboxes, tmp_path)
    data = read_config(path)
    for name, change in endpoint_changes.items():
        data["flows"]["sandbox"]["endpoints"][name].update(change)
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", "--probe", "-c", str(path)], env={"COLUMNS": "300"})
    return result.exit_code, result.output


def test_every_endpoint_is_verified_and_says_what_it_found(
        sandboxes: dict[str, Any], tmp_path: Path) -> None:
    code, out = probe(sandboxes, tmp_path)
    assert code == 0, out
    assert "✓ sandbox.jira: JQL 'project = OPS' " in out and "creates in project OPS" in out
    assert "✓ sandbox.todoist: project 'Work'" in out
    assert "✓ sandbox.notion: database " in out and "status → 'Status'" in out
    assert "✓ sandbox.gcal: calendar " in out


def test_a_notion_property_that_does_not_exist_fails_the_probe(
        sandboxes: dict[str, Any], tmp_path: Path) -> None:
    code, out = probe(sandboxes, tmp_path, notion={"fields": {"assignee": {"target": "Owner"}}})
    assert code == 2, out
    assert "✗ sandbox.notion" in out
    assert "property 'Owner' (for assignee) does not exist" in out
    assert "✓ sandbox.todoist" in out  # the others are still checked and shown


def test_a_todoist_project_or_section_that_does_not_exist_fails_the_probe(
        sandboxes: dict[str, Any], tmp_path: Path) -> None:
    code, out = probe(sandboxes, tmp_path, todoist={"scope": {"project": "Wrok"}})
    assert code != 0 and "no Todoist project named 'Wrok'" in out, out
    code, out = probe(sandboxes, tmp_path, todoist={"scope": {"project": "Work",
                                                              "section": "Nope"}})
    assert code != 0 and "no section 'Nope' in Todoist project 'Work'" in out, out


def test_a_calendar_that_does_not_exist_fails_the_probe(
        sandboxes: dict[str, Any], tmp_path: Path) -> None:
    code, out = probe(sandboxes, tmp_path, gcal={"scope": {"calendar_id": "nope@example.com"}})
    assert code != 0 and "✗ sandbox.gcal" in out, out


def test_jql_the_service_refuses_fails_the_probe(
        sandboxes: dict[str, Any], tmp_path: Path) -> None:
    code, out = probe(sandboxes, tmp_path, jira={"scope": {"jql": "project = OPS AND"}})
    assert code != 0 and "✗ sandbox.jira" in out and "JQL" in out, out
    code, out = probe(sandboxes, tmp_path, jira={"options": {"project": "NOPE",
                                                             "issue_type": "Task"}})
    assert code != 0 and "✗ sandbox.jira" in out and "NOPE" in out, out
