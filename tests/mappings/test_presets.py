"""Presets and the example config are valid configurations, and the schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config.interpolate import interpolate
from hub.config.models import Config
from hub.config.yamlsrc import parse, plain
from mappings import SCHEMA, presets, schema

ROOT = Path(__file__).resolve().parents[2]
ENV = {"JIRA_URL": "https://example.atlassian.net", "JIRA_EMAIL": "me@example.com",
       "JIRA_TOKEN": "t", "TODOIST_TOKEN": "t", "NOTION_TOKEN": "t",
       "NOTION_DATABASE_ID": "0123456789abcdef0123456789abcdef"}
FILES = {f"preset {k}": v for k, v in presets().items()}


@pytest.mark.parametrize("name", sorted(FILES))
def test_preset_is_valid_yaml_and_a_valid_config(name: str) -> None:
    path = FILES[name]
    doc, problems = parse(path.read_text(), str(path))
    assert problems == []
    assert interpolate(doc, ENV, str(path)) == []
    cfg = Config.model_validate(plain(doc))
    for flow in cfg.flows.values():
        for ep in flow.endpoints.values():
            assert ep.connection in cfg.connections


def test_presets_cover_the_four_services() -> None:
    types = set()
    for path in presets().values():
        doc, _ = parse(path.read_text(), str(path))
        types |= {c["type"] for c in plain(doc)["connections"].values()}
    assert types >= {"jira", "todoist", "notion", "gcal"}


def test_committed_schema_is_up_to_date() -> None:
    assert json.loads(SCHEMA.read_text()) == schema(), "run `python -m mappings`"
