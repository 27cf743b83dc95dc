"""Building adapters: a plug-in that does not implement today's adapter contract (one written
before ``represent`` was part of it) is a configuration problem naming what it lacks, not an
AttributeError in every round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.base import load_factory
from hub.config import build
from hub.config.loader import load_config
from hub.errors import ConfigError


def memory_config(tmp_path: Path) -> Path:
    path = tmp_path / "synchub.yaml"
    path.write_text("connections:\n  a: {type: memory, service: build-a}\n"
                    "  b: {type: memory, service: build-b}\n"
                    "flows:\n  work:\n    endpoints: {x: {connection: a}, y: {connection: b}}\n")
    path.chmod(0o600)
    return path


def test_a_plug_in_without_represent_is_a_config_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = load_factory("memory")

    class Legacy:
        """Everything of the contract but ``represent``."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner
            self.name, self.capabilities = inner.name, inner.capabilities

        def __getattr__(self, name: str) -> Any:
            if name == "represent":
                raise AttributeError(name)
            return getattr(self.inner, name)

        changes = get = create = update = delete = find_by_origin = close = None

    class Factory:
        type_name, connection_model, scope_model = (real.type_name, real.connection_model,
                                                    real.scope_model)

        def build(self, *args: Any) -> Any:
            return Legacy(real.build(*args))

    monkeypatch.setattr(build, "load_factory", lambda name: Factory())
    loaded = load_config(memory_config(tmp_path))
    with pytest.raises(ConfigError) as err:
        build.build_adapters(loaded, "work")
    text = str(err.value)
    assert "represent" in text and "AdapterBase" in text


def test_the_built_in_adapters_implement_the_contract(tmp_path: Path) -> None:
    loaded = load_config(memory_config(tmp_path))
    adapters = build.build_adapters(loaded, "work")
    assert sorted(adapters) == ["x", "y"]
