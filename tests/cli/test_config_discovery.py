"""Where synchub looks for its config when no --config is given (issue 13: $XDG_CONFIG_HOME
was ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.runtime import find_config


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SYNCHUB_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return tmp_path


def test_xdg_config_home_is_honoured(nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = nowhere / "xdg"
    (xdg / "synchub").mkdir(parents=True)
    (xdg / "synchub" / "synchub.yaml").write_text("x")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert find_config(None) == xdg / "synchub" / "synchub.yaml"


def test_without_xdg_config_home_it_is_dot_config(nowhere: Path) -> None:
    home_cfg = nowhere / "home" / ".config" / "synchub" / "synchub.yaml"
    home_cfg.parent.mkdir(parents=True)
    home_cfg.write_text("x")
    assert find_config(None) == home_cfg


def test_a_relative_xdg_config_home_is_ignored_as_the_spec_says(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    home_cfg = nowhere / "home" / ".config" / "synchub" / "synchub.yaml"
    home_cfg.parent.mkdir(parents=True)
    home_cfg.write_text("x")
    assert find_config(None) == home_cfg


def test_the_working_directory_comes_first_and_explicit_wins(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = nowhere / "xdg"
    (xdg / "synchub").mkdir(parents=True)
    (xdg / "synchub" / "synchub.yaml").write_text("x")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    (nowhere / "synchub.yaml").write_text("x")
    assert find_config(None) == Path("synchub.yaml")
    monkeypatch.setenv("SYNCHUB_CONFIG", str(nowhere / "other.yaml"))
    assert find_config(None) == nowhere / "other.yaml"
    assert find_config("given.yaml") == Path("given.yaml")


def test_nothing_found_names_every_place_and_the_way_out(
        nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(nowhere / "xdg"))
    with pytest.raises(ConfigError) as info:
        find_config(None)
    text = str(info.value)
    assert "./synchub.yaml" in text and str(nowhere / "xdg" / "synchub" / "synchub.yaml") in text
    assert "synchub presets" in text and "--config" in text
