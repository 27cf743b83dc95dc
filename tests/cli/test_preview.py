"""Issue 16, previews you can trust: ``synchub plan`` and ``sync --dry-run`` are strictly
read-only (no state file created, changed or bound, on SQLite and on PostgreSQL) and show
each change as old → new per field and per service, with the item's title; ``--json`` for
scripts; ``--flow`` naming no flow is an argument error. Over the four emulators, through
the CLI as a user runs it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import sandbox as sbx
from hub.cli.main import app
from hub.model import DateOnly, Item

runner = CliRunner()
DAY = dt.date.today() + dt.timedelta(days=3)




def invoke(path: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "--config", str(path)], env={"COLUMNS": "250"})


def state_files(directory: Path) -> dict[str, str]:
    """Every state file there and a digest of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.glob("synchub-state.db*")) if p.is_file()}


def test_a_plan_before_the_first_sync_creates_no_state(boxes: dict[str, Any],
                                                       tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    boxes["jira"].user_create(Item(title="Plan me", due=DateOnly(date=DAY)))
    for args in (("plan",), ("sync", "--dry-run"), ("plan", "--json")):
        result = invoke(path, *args)
        assert result.exit_code == 0, result.output
        # nothing created (no file, no lock folder), nothing bound
        assert list(tmp_path.glob("synchub-state.db*")) == [], args
    assert "Plan me" in invoke(path, "plan").output
    assert invoke(path, "sync").exit_code == 0
    assert "synchub-state.db" in state_files(tmp_path)


def test_plan_shows_old_and_new_values_and_changes_nothing(boxes: dict[str, Any],
                                                           tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    ref = boxes["jira"].user_create(Item(title="Ship the beta", due=DateOnly(date=DAY),
                                         priority=2))
    for _ in range(2):
        assert invoke(path, "sync").exit_code == 0
    later = DAY + dt.timedelta(days=4)
    boxes["jira"].user_edit(ref, due=DateOnly(date=later), priority=4)
    before = state_files(tmp_path)
    out = invoke(path, "plan")
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "Ship the beta" in text
    assert f"due: {DAY:%a %d %b} → {later:%a %d %b}" in text
    assert "priority: 2 → 4" in text
    dry = invoke(path, "sync", "--dry-run")
    assert dry.exit_code == 0 and f"{DAY:%a %d %b} → {later:%a %d %b}" in " ".join(
        dry.output.split())
    assert state_files(tmp_path) == before  # not a byte changed, no -wal/-shm left behind
    doc = json.loads(invoke(path, "plan", "--json").output)
    (flow,) = doc["flows"]
    updates = [c for c in flow["changes"] if c["action"] == "update"]
    assert {c["service"] for c in updates} == {"todoist", "notion", "gcal"}
    for c in updates:
        assert c["item"] == "Ship the beta"
        assert c["fields"]["due"] == {"old": {"kind": "date", "date": DAY.isoformat()},
                                      "new": {"kind": "date", "date": later.isoformat()}}
    assert state_files(tmp_path) == before
    assert invoke(path, "sync").exit_code == 0
    assert state_files(tmp_path) != before  # a real sync does write


def test_a_scope_edit_is_previewed_with_rebind_and_nothing_is_bound(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    boxes["todoist"].user_create(Item(title="Rescoped"))
    assert invoke(path, "sync").exit_code == 0
    data = sbx.read_config(path)
    endpoints = data["flows"]["sandbox"]["endpoints"]
    endpoints["renamed"] = endpoints.pop("notion")
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    before = state_files(tmp_path)
    refused = invoke(path, "plan")
    assert refused.exit_code == 3, refused.output
    assert "plan --rebind" in " ".join(refused.output.split())
    shown = invoke(path, "plan", "--rebind")
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "endpoint 'notion' is no longer in this flow" in text, text
    assert state_files(tmp_path) == before
    assert invoke(path, "sync").exit_code == 3  # the preview bound nothing
    # the rename itself, rebound: the copies there are found again by their markers
    done = invoke(path, "sync", "--rebind")
    assert done.exit_code == 0, done.output
    assert [i.title for i in boxes["notion"].items().values()] == ["Rescoped"]
    assert "writes 0," in invoke(path, "sync").output


def test_an_unknown_flow_is_an_argument_error(boxes: dict[str, Any], tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    for args in (("plan", "--flow", "sandbx"), ("sync", "--flow", "nosuch")):
        result = invoke(path, *args)
        assert result.exit_code == 2, result.output
        text = " ".join(result.output.split())
        assert "no flow of that name" in text and "configuration" not in text
    assert "did you mean 'sandbox'" in " ".join(invoke(path, "plan", "--flow", "sandbx")
                                                .output.split())


def test_an_untitled_item_is_named_by_where_it_lives(boxes: dict[str, Any],
                                                     tmp_path: Path) -> None:
    path = sbx.config(boxes, tmp_path)
    ref = boxes["notion"].user_create(Item(title="", due=DateOnly(date=DAY)))
    doc = json.loads(invoke(path, "plan", "--json").output)
    items = {c["item"] for c in doc["flows"][0]["changes"]}
    assert items == {f"(untitled: notion {ref})"}


@pytest.mark.skipif(not os.environ.get("SYNCHUB_TEST_POSTGRES_URL"),
                    reason="set SYNCHUB_TEST_POSTGRES_URL=postgresql://... to run the "
                           "PostgreSQL cases")
def test_a_preview_on_postgresql_writes_nothing(boxes: dict[str, Any], tmp_path: Path
                                                ) -> None:
    import psycopg

    base = os.environ["SYNCHUB_TEST_POSTGRES_URL"]
    schema = f"preview_{uuid.uuid4().hex[:10]}"
    url = f"{base}?schema={schema}"
    path = sbx.config(boxes, tmp_path)
    data = sbx.read_config(path)
    data["state"] = {"url": url}
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    boxes["jira"].user_create(Item(title="On Postgres", due=DateOnly(date=DAY)))

    def schema_exists() -> bool:
        with psycopg.connect(base) as c:
            return c.execute("SELECT 1 FROM information_schema.schemata WHERE "
                             "schema_name = %s", (schema,)).fetchone() is not None

    try:
        assert invoke(path, "plan").exit_code == 0
        assert not schema_exists()  # not even the schema was created
        assert invoke(path, "sync").exit_code == 0
        ref = next(r for r, i in boxes["jira"].items().items() if i.title == "On Postgres")
        boxes["jira"].user_edit(ref, priority=4)

        def tables() -> dict[str, Any]:
            with psycopg.connect(base) as c:
                c.execute(f'SET search_path TO "{schema}"')
                names = [r[0] for r in c.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (schema,)).fetchall()]
                return {n: c.execute(f'SELECT * FROM "{n}"').fetchall() for n in sorted(names)}

        before = tables()
        out = invoke(path, "sync", "--dry-run")
        assert out.exit_code == 0, out.output
        assert "priority" in out.output
        assert tables() == before
    finally:
        with psycopg.connect(base, autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_commands_that_look_leave_the_state_as_it_is(boxes: dict[str, Any],
                                                         tmp_path: Path) -> None:
    """history, report, explain and undo --dry-run only read (as plan does): not a byte of
    the state file changes, nothing is bound."""
    path = sbx.config(boxes, tmp_path)
    boxes["jira"].user_create(Item(title="Looked at", due=DateOnly(date=DAY)))
    assert invoke(path, "sync").exit_code == 0
    listed = json.loads(invoke(path, "history", "--json").output)
    runs = listed["runs"] if isinstance(listed, dict) else listed
    first = runs[0]["run"]
    before = state_files(tmp_path)
    for args in (("history",), ("history", str(first)), ("report",), ("explain", "Looked at"),
                 ("undo", str(first), "--dry-run")):
        result = invoke(path, *args)
        assert result.exit_code == 0, (args, result.output)
        assert state_files(tmp_path) == before, args
