"""Every YAML example in the docs is valid: a whole config loads with the real loader; a
part (``<!-- fragment -->`` on the line before its block) is at least valid YAML."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from hub.config.loader import load_config
from tests.docs.support import Block, code_blocks, pages

BLOCKS = [b for page in pages() for b in code_blocks(page) if b.lang == "yaml"]
WHOLE = [b for b in BLOCKS if not b.fragment]
PARTS = [b for b in BLOCKS if b.fragment]
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def _value(name: str, tmp_path: Path) -> str:
    """A stand-in that the variable's key accepts (a URL, an address, a Notion id...)."""
    if name.endswith("_URL"):
        return "https://example.atlassian.net"
    if name.endswith("_EMAIL"):
        return "me@example.com"
    if name.endswith("DATABASE_ID"):
        return "0123456789abcdef0123456789abcdef"
    if name.endswith("_FILE"):
        return str(tmp_path / f"{name.lower()}.json")
    return "stand-in-value"


def test_the_docs_have_whole_configs_and_parts() -> None:
    assert len(WHOLE) >= 6 and len(PARTS) >= 10
    assert {b.page.name for b in WHOLE} >= {"recipes.md", "configuration.md"}


@pytest.mark.parametrize("block", WHOLE, ids=lambda b: b.where)
def test_a_whole_config_loads(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "synchub.yaml"
    path.write_text(block.text)
    os.chmod(path, 0o600)
    environ = {n: _value(n, tmp_path) for n in VARIABLE.findall(block.text)}
    loaded = load_config(path, environ=environ)
    assert loaded.config.flows, block.where


@pytest.mark.parametrize("block", PARTS, ids=lambda b: b.where)
def test_a_part_is_valid_yaml(block: Block) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    assert yaml.load(block.text) is not None, block.where
