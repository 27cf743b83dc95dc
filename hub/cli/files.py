"""The files ``synchub init`` and ``synchub auth`` write: the config, edited as YAML
round-trip data so the preset's (or the user's) comments and layout survive, and the ``.env``
beside it (mode 0600, through :func:`hub.cli.common.write_private`), in one spelling that
python-dotenv reads back unchanged."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


def load_yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="rt").load(text)


def dump_yaml(doc: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 100
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def quoted(value: str) -> str:
    """A .env value python-dotenv reads back unchanged (quotes and spaces kept)."""
    if re.fullmatch(r"[A-Za-z0-9_./:@+-]*", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def env_text(values: Mapping[str, str]) -> str:
    return "".join(f"{k}={quoted(v)}\n" for k, v in values.items())


def read_env(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def point_at(block: Any, factory: Any, url: str) -> None:
    """A connection block talks to ``url`` (its ``base_url``, or Jira's ``url``)."""
    fields = factory.connection_model.model_fields
    block["base_url" if "base_url" in fields else "url"] = url
