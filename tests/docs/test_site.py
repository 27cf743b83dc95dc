"""The documentation builds with ``mkdocs build --strict``, without the network, and lists
every page in its nav."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.docs.support import DOCS, ROOT, pages


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"mkdocs build made a network request: {args!r}")


def test_mkdocs_build_strict_succeeds_offline(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    for name in ("getaddrinfo", "create_connection"):
        monkeypatch.setattr(socket, name, _no_network)
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    config = load_config(config_file=str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"),
                         strict=True)
    build(config)  # raises mkdocs.exceptions.Abort on any warning (strict)
    for page in ("index.html", "reference/configuration/index.html",
                 "services/notion/index.html", "design/index.html"):
        assert (tmp_path / "site" / page).is_file(), page
    design = (tmp_path / "site" / "design" / "index.html").read_text()
    assert 'id="p1"' in design and 'id="p14"' in design


def _nav_files(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


def test_the_nav_lists_every_page_once() -> None:
    text = (ROOT / "mkdocs.yml").read_text()
    config = YAML(typ="safe", pure=True).load(text)
    nav = _nav_files(config["nav"])
    assert sorted(nav) == sorted(str(p.relative_to(DOCS)) for p in pages())
    assert len(nav) == len(set(nav))
    assert config["strict"] is True
    assert config["theme"]["name"] in ("mkdocs", "readthedocs")  # built in: nothing to fetch
