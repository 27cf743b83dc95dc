"""The shipped config files as a user would use them: copied next to nothing else, readable by
others (the usual 0644), variables from the environment, validated by `synchub check`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from hub.cli.main import app
from mappings import presets

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "mappings" / "presets" / "example.yaml"
DUMMY = {"JIRA_URL": "https://example.atlassian.net", "JIRA_EMAIL": "me@example.com",
         "JIRA_TOKEN": "t", "TODOIST_TOKEN": "t", "NOTION_TOKEN": "t",
         "NOTION_DATABASE_ID": "0123456789abcdef0123456789abcdef", "COLUMNS": "200"}
FILES = {f"preset {k}": v for k, v in presets().items()}


def check(path: Path, env: dict[str, str | None]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", "-c", str(path)], env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("name", sorted(FILES))
def test_shipped_config_passes_synchub_check(name: str, tmp_path: Path) -> None:
    path = tmp_path / "synchub.yaml"
    shutil.copy(FILES[name], path)
    path.chmod(0o644)
    code, out = check(path, {**DUMMY, "GOOGLE_TOKEN_FILE": None})
    assert code == 0, out
    assert "valid" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synchub.yaml"]  # check writes nothing


def test_example_config_is_a_four_service_flow() -> None:
    data = YAML(typ="safe").load(EXAMPLE.read_text())
    types = {c["type"] for c in data["connections"].values()}
    assert types == {"jira", "todoist", "notion", "gcal"}
    (flow,) = data["flows"].values()
    used = {data["connections"][ep["connection"]]["type"] for ep in flow["endpoints"].values()}
    assert used == types


def test_example_config_without_its_variables_names_each_one(tmp_path: Path) -> None:
    path = tmp_path / "synchub.yaml"
    shutil.copy(EXAMPLE, path)
    code, out = check(path, {**dict.fromkeys(DUMMY), "COLUMNS": "200"})
    assert code == 2
    for var in ("JIRA_URL", "JIRA_EMAIL", "JIRA_TOKEN", "TODOIST_TOKEN", "NOTION_TOKEN",
                "NOTION_DATABASE_ID"):
        assert f"environment variable {var} is not set" in out


def test_env_example_documents_every_variable_the_configs_need() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=",
                                (ROOT / "config" / ".env.example").read_text(), re.M))
    for name, path in FILES.items():
        text = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
        needed = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", text))  # no default
        assert needed <= documented, (name, needed - documented)
