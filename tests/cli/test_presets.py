"""The shipped presets as a user meets them: listed and printed by `synchub presets`, and each
one working as shipped over the sandbox (`synchub sandbox --preset`): `check`, then two `sync`
rounds, the second with nothing left to do (issue 13: two presets once failed every round)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.cli.presets import all_presets
from hub.cli.sandbox import preset_config, seed, start
from mappings import presets

runner = CliRunner()
ENV = {"COLUMNS": "200"}


def test_presets_lists_every_shipped_preset_with_its_services() -> None:
    result = runner.invoke(app, ["presets"], env=ENV)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for name in presets():
        [line] = [ln for ln in lines if ln.startswith(name + " ")]
        for service in all_presets()[name].services:
            assert service in line
    assert "jira, todoist, notion, gcal" in next(ln for ln in lines if ln.startswith("four-way"))


def test_presets_name_prints_the_file_itself() -> None:
    result = runner.invoke(app, ["presets", "jira-todoist"], env=ENV)
    assert result.exit_code == 0
    assert result.output == presets()["jira-todoist"].read_text()


def test_an_unknown_preset_is_a_usage_error_with_a_suggestion() -> None:
    result = runner.invoke(app, ["presets", "jira-todo"], env=ENV)
    assert result.exit_code == 2
    assert "no preset named 'jira-todo'" in result.output
    assert "did you mean 'jira-todoist'?" in result.output


def test_preset_variables_are_listed_required_first() -> None:
    p = all_presets()["jira-todoist"]
    assert p.variables[:4] == ("JIRA_URL", "JIRA_EMAIL", "JIRA_TOKEN", "TODOIST_TOKEN")
    assert "JIRA_PROJECT" in p.variables  # has a default: after the required ones


@pytest.fixture
def sandboxes() -> Iterator[dict[str, Any]]:
    sbs = start()
    seed(sbs)
    yield sbs
    for sb in sbs.values():
        sb.stop()


def _run(path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(path)], env=ENV)
    return result.exit_code, result.output


@pytest.mark.parametrize("name", sorted(presets()))
def test_each_preset_checks_and_syncs_over_the_sandbox_as_shipped(
        name: str, sandboxes: dict[str, Any], tmp_path: Path) -> None:
    path = preset_config(sandboxes, presets()[name].read_text(), tmp_path)
    assert os.stat(path).st_mode & 0o077 == 0 and os.stat(tmp_path / ".env").st_mode & 0o077 == 0
    code, out = _run(path, "check", "--probe")
    assert code == 0, out
    code, out = _run(path, "sync")
    assert code == 0, out
    code, out = _run(path, "plan")
    assert code == 0 and "nothing to do" in out.lower(), out
    code, out = _run(path, "sync")
    assert code == 0, out
