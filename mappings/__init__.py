"""The mapping-rule language: JSON schema of the config file and ready presets.

The rules themselves are part of the config models (:mod:`hub.config.models`: ``FieldRule``
with ``target``/``map``/``write`` per endpoint, field directions per flow); this package ships
their schema (for editors) and presets to start from (``synchub`` users copy one).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
PRESETS = HERE / "presets"
SCHEMA = HERE / "schema.json"


def presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PRESETS.glob("*.yaml"))}


def schema() -> dict[str, object]:
    """The config file's JSON schema, generated from the models (``python -m mappings``)."""
    from hub.config.models import Config

    out: dict[str, object] = Config.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "synchub configuration"
    return out


def write_schema() -> None:
    SCHEMA.write_text(json.dumps(schema(), indent=2, sort_keys=True) + "\n")
