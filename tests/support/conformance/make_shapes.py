"""Writes ``specs/notion-shapes.json`` from recorded Notion traffic (notion-sdk-py's
cassettes, MIT licence, trimmed into tests/adapters/notion/cassettes/) and
``specs/todoist-shapes.json`` from the example responses of todoist-api-python's tests (MIT
licence; the dump of its tests/data/test_defaults.py)::

    python -m tests.support.conformance.make_shapes TODOIST_RESPONSES_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.support.conformance import notion, shapes, todoist

OUT = Path(__file__).parent / "specs"
CASSETTES = Path(__file__).parents[2] / "adapters" / "notion" / "cassettes"

#: keys of API v1 tasks that the SDK's examples leave out: the v1 field list in Airbyte's
#: Todoist migration guide (docs.airbyte.com/integrations/sources/todoist-migrations),
#: "New fields" and the renamed ones
TODOIST_TASK_KEYS = ["checked", "note_count", "user_id", "is_deleted", "completed_by_uid",
                     "order_key", "completed_count", "postponed_count"]


def _cassette_bodies(folder: Path) -> list[Any]:
    return [interaction["response"]["json"]
            for path in sorted(folder.glob("*.json"))
            for interaction in json.loads(path.read_text())["interactions"]
            if interaction["response"].get("json") is not None]


def main(todoist_json: str) -> None:
    made = shapes.learn(_cassette_bodies(CASSETTES), notion.kinds)
    (OUT / "notion-shapes.json").write_text(json.dumps({
        "source": "notion-sdk-py tests/cassettes (MIT licence), Notion-Version 2025-09-03, "
                  "recorded July 2026; all 79 cassettes", "kinds": made}, indent=1) + "\n")
    examples = json.loads(Path(todoist_json).read_text())
    made = shapes.learn(todoist.example_bodies(examples), todoist.example_kinds)
    made["task"]["allowed"] = sorted(set(made["task"]["allowed"]) | set(TODOIST_TASK_KEYS))
    (OUT / "todoist-shapes.json").write_text(json.dumps({
        "source": "todoist-api-python 4.0.0 tests/data/test_defaults.py (MIT licence): the "
                  "SDK maintainers' API v1 example responses", "kinds": made}, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
