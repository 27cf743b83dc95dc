"""One-shot runs as users make them: two ``synchub sync`` processes over the four emulators.
The second, quiet, run makes the listing requests alone (what a daemon round makes): what the
adapters discovered the first time (the Jira user and fields, the Notion schema, the Todoist
project id) comes from the state store's discovery cache. A Notion property renamed in the
app meanwhile does not break the next run: the cached schema proves stale, is read again and
the write that named the old property is retried on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.context import EndpointContext
from adapters.notion.adapter import NotionAdapter
from adapters.notion.client import NotionClient
from hub.cli import sandbox as sbx
from tests.round.test_lost_state_sandbox import ref, sync

#: a quiet round's requests: one listing each, two for Notion (edited pages, trashed pages)
FLOOR = {"jira": {"POST /rest/api/3/search/jql": 1},
         "todoist": {"POST /api/v1/sync": 1},
         "notion": {"query": 2},
         "gcal": {"GET /calendar/v3/calendars/primary/events": 1}}


def _config(boxes: dict[str, Any], directory: Path) -> Path:
    path = sbx.config(boxes, directory)
    text = path.read_text()
    head, body = text[:text.index("{")], json.loads(text[text.index("{"):])
    flow = body["flows"]["sandbox"]
    flow["comments"] = False  # comments are not discovery: their reads are another matter
    flow["endpoints"]["jira"]["scope"]["reconcile_every"] = 10  # no id reconcile this run
    path.write_text(head + json.dumps(body, indent=2) + "\n")
    return path


def _requests(boxes: dict[str, Any]) -> dict[str, dict[str, int]]:
    out = {}
    for name, box in boxes.items():
        seen: dict[str, int] = {}
        for what, n in box.emu.requests.items():
            key = "query" if name == "notion" and what.endswith("/query") else what
            seen[key] = seen.get(key, 0) + n
        out[name] = seen
    return out


def _reset(boxes: dict[str, Any]) -> None:
    for box in boxes.values():
        box.emu.reset_counts()


def test_a_quiet_one_shot_run_makes_only_the_listing_requests(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    sbx.seed(boxes)
    path = _config(boxes, tmp_path)
    sync(path)  # the first run discovers and copies
    sync(path)  # lists its own writes back
    _reset(boxes)
    sync(path)
    assert _requests(boxes) == FLOOR


def test_a_renamed_notion_property_does_not_break_the_next_run(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    sbx.seed(boxes)
    path = _config(boxes, tmp_path)
    sync(path)
    sync(path)
    notion = boxes["notion"]
    props = notion.emu.sources[notion.ds]["properties"]
    title = next(n for n, p in props.items() if p["type"] == "title")
    notion.emu._set_properties(notion.ds, {title: {"name": "Task name"}})
    notion.view = NotionAdapter(  # the sandbox's own reader, on the renamed schema
        NotionClient(notion.emu.token, notion.emu.base_url, 1000),
        EndpointContext(name="notion-user", flow="sandbox", value_maps=notion.value_maps),
        database_id=notion.db)
    # a Jira edit is written to Notion under the property's new name (the cached schema's
    # old name is refused, read again, and the write retried once)
    boxes["jira"].user_edit(ref(boxes["jira"], "Fix login timeout"),
                            title="Fix login timeout (prod)")
    sync(path)
    assert "Fix login timeout (prod)" in {i.title for i in notion.items().values()}
    # and a Notion edit under the new name reaches Jira
    notion.user_edit(ref(notion, "Draft Q3 roadmap"), title="Draft Q3 roadmap v2")
    sync(path)
    assert "Draft Q3 roadmap v2" in {i.title for i in boxes["jira"].items().values()}
    _reset(boxes)
    sync(path)  # settled again: quiet, on the fresh schema now cached
    sync(path)
    assert _requests(boxes)["notion"] == {"query": 4}


def test_check_probe_refreshes_what_was_discovered(boxes: dict[str, Any], tmp_path: Path) -> None:
    from tests.support.procs import Proc, child_env

    sbx.seed(boxes)
    path = _config(boxes, tmp_path)
    sync(path)
    _reset(boxes)
    done = Proc(["check", "--probe", "--config", str(path)], tmp_path, child_env(),
                "probe").wait(120)
    assert done.code == 0, str(done)
    _reset(boxes)
    sync(path)
    asked = _requests(boxes)
    # forgotten by the probe: asked again (what the probe's own checks read is kept)
    assert asked["jira"]["GET /rest/api/3/myself"] == 1
    assert asked["jira"]["GET /rest/api/3/field"] == 1
    assert not any("/databases/" in r for r in asked["notion"])  # the probe read it
