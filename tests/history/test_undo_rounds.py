"""Issue 16: ``synchub history`` and ``synchub undo`` as users run them, over the four
emulators with real ``synchub sync`` rounds (in-process through typer's runner, and as a
real process), on SQLite and PostgreSQL state.

Every undo is followed by a sync that must write nothing: the link agrees on what the undo
restored, so nothing ping-pongs."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import sandbox as sbx
from hub.cli.main import app
from hub.model import DateOnly, Item
from tests.store.test_processes import Worker
from tests.support.procs import child_env
from tests.support.sandboxes import running

runner = CliRunner()
SERVICES = ("jira", "todoist", "notion", "gcal")
DUE = DateOnly(date=dt.date.today() + dt.timedelta(days=3))


@pytest.fixture
def boxes() -> Iterator[dict[str, Any]]:
    with running() as started:
        yield started


def configure(boxes: dict[str, Any], tmp_path: Path, *, delete: str = "complete",
              state: str | None = None) -> Path:
    path = sbx.config(boxes, tmp_path)
    data = sbx.read_config(path)
    data["flows"]["sandbox"]["delete"] = delete
    data["flows"]["sandbox"]["comments"] = False
    if state is not None:
        data["state"]["url"] = state
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return path


def cli(path: Path, *args: str, code: int = 0, input: str | None = None) -> str:
    result = runner.invoke(app, [*args, "--config", str(path)], input=input,
                           env={"COLUMNS": "300"})
    assert result.exit_code == code, result.output
    return result.output


def sync(path: Path) -> str:
    return cli(path, "sync")


def quiet(path: Path) -> None:
    out = sync(path)
    assert "writes 0," in out, out


def last_run(path: Path) -> dict[str, Any]:
    runs: dict[str, Any] = json.loads(cli(path, "history", "--json"))
    return dict(runs["runs"][0])


def titles(boxes: dict[str, Any], *names: str) -> dict[str, list[str]]:
    return {n: sorted(i.title for i in boxes[n].items().values()) for n in names or SERVICES}


def ref_of(box: Any, title: str) -> str:
    (ref,) = [r for r, i in box.items().items() if i.title == title]
    return str(ref)


def seeded(boxes: dict[str, Any], path: Path, title: str = "Fix login") -> None:
    boxes["jira"].user_create(Item(title=title, due=DUE))
    sync(path)
    quiet(path)
    assert titles(boxes) == {n: [title] for n in SERVICES}


def renamed(boxes: dict[str, Any], path: Path, where: str, title: str) -> str:
    """Seed "Fix login", a person renames it in ``where``, a sync copies it: that run."""
    seeded(boxes, path)
    boxes[where].user_edit(ref_of(boxes[where], "Fix login"), title=title)
    sync(path)
    assert titles(boxes) == {n: [title] for n in SERVICES}
    return str(last_run(path)["run"])


@pytest.mark.parametrize("where", SERVICES)
def test_an_update_is_undone_in_every_service(boxes: dict[str, Any], tmp_path: Path,
                                              where: str) -> None:
    path = configure(boxes, tmp_path)
    run = renamed(boxes, path, where, "Fix login timeout")
    shown = cli(path, "history", run)
    assert "Fix login → Fix login timeout" in shown, shown
    assert where not in {w["service"] for w in json.loads(
        cli(path, "history", run, "--json"))["writes"]}  # a person's edit there
    out = cli(path, "undo", run, "--yes")
    assert "Fix login timeout → Fix login" in out, out
    assert titles(boxes) == {n: ["Fix login"] for n in SERVICES}  # the source copy too
    quiet(path)
    undo_run = last_run(path)
    assert undo_run["undoes"] is None  # the quiet sync is the newest run


def test_a_field_edited_since_the_run_is_left_as_it_is(boxes: dict[str, Any],
                                                       tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    run = renamed(boxes, path, "jira", "Fix login timeout")
    boxes["notion"].user_edit(ref_of(boxes["notion"], "Fix login timeout"), title="Mine now")
    out = cli(path, "undo", run, "--yes")
    assert "skipped: notion 'Fix login timeout' title: edited since" in out, out
    assert titles(boxes) == {"jira": ["Fix login"], "todoist": ["Fix login"],
                             "notion": ["Mine now"], "gcal": ["Fix login"]}
    sync(path)  # the person's later edit is an edit like any other: it wins everywhere
    assert titles(boxes) == {n: ["Mine now"] for n in SERVICES}
    quiet(path)


def test_a_created_item_is_undone_and_not_created_again(boxes: dict[str, Any],
                                                        tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    seeded(boxes, path)
    boxes["todoist"].user_create(Item(title="Call the bank", due=DUE))
    sync(path)
    run = last_run(path)
    assert run["counts"]["create"] == 3
    out = cli(path, "undo", str(run["run"]), "--yes")
    assert out.count("delete") >= 3, out
    assert titles(boxes) == {"jira": ["Fix login"], "todoist": ["Call the bank", "Fix login"],
                             "notion": ["Fix login"], "gcal": ["Fix login"]}
    quiet(path)
    assert titles(boxes, "jira", "notion", "gcal") == {n: ["Fix login"]
                                                       for n in ("jira", "notion", "gcal")}


def test_a_delete_is_undone_by_restoring_the_copies(boxes: dict[str, Any],
                                                    tmp_path: Path) -> None:
    path = configure(boxes, tmp_path, delete="propagate")
    seeded(boxes, path)
    boxes["todoist"].user_delete(ref_of(boxes["todoist"], "Fix login"))
    sync(path)
    assert titles(boxes) == {n: [] for n in SERVICES}
    run = last_run(path)
    shown = cli(path, "history", str(run["run"]))
    assert "Fix login → —" in shown, shown
    out = cli(path, "undo", str(run["run"]), "--yes")
    assert "create" in out, out
    # Restored where synchub deleted it; the person's own delete in Todoist stands.
    assert titles(boxes) == {"jira": ["Fix login"], "todoist": [], "notion": ["Fix login"],
                             "gcal": ["Fix login"]}
    for n in ("jira", "notion", "gcal"):
        assert boxes[n].items()[ref_of(boxes[n], "Fix login")].due == DUE, n
    quiet(path)
    assert titles(boxes)["todoist"] == []


def test_an_undo_is_undone(boxes: dict[str, Any], tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    first = renamed(boxes, path, "gcal", "Ship login fix")
    cli(path, "undo", first, "--yes")
    undo = last_run(path)
    assert undo["undoes"] == int(first)
    assert "undo of run" in cli(path, "history")
    newest = json.loads(cli(path, "history", "--flow", "sandbox", "--limit", "2", "--json"))
    assert [r["run"] for r in newest["runs"]] == [undo["run"], int(first)]  # newest first
    cli(path, "history", "--flow", "nope", code=2)
    cli(path, "undo", str(undo["run"]), "--yes")
    assert titles(boxes) == {n: ["Ship login fix"] for n in SERVICES}
    quiet(path)


def test_dry_run_and_a_declined_prompt_write_nothing(boxes: dict[str, Any],
                                                     tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    run = renamed(boxes, path, "jira", "Fix login timeout")
    out = cli(path, "undo", run, "--dry-run")
    assert "Fix login timeout → Fix login" in out and "nothing written" in out, out
    out = cli(path, "undo", run, input="n\n", code=5)
    assert "nothing written" in out, out
    assert titles(boxes) == {n: ["Fix login timeout"] for n in SERVICES}
    cli(path, "undo", "9999", code=2)


def test_undo_as_a_real_process_asks_and_writes(boxes: dict[str, Any],
                                                tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    run = renamed(boxes, path, "notion", "Renamed")
    proc = subprocess.run([sys.executable, "-m", "hub", "undo", run, "--config", str(path)],
                          input="y\n", capture_output=True, text=True, env=child_env(),
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Write these" in proc.stderr and "Renamed → Fix login" in proc.stdout
    assert titles(boxes) == {n: ["Fix login"] for n in SERVICES}
    quiet(path)


def test_history_and_undo_on_either_state_store(boxes: dict[str, Any], tmp_path: Path,
                                                store_url: str) -> None:
    path = configure(boxes, tmp_path, state=store_url)
    run = renamed(boxes, path, "todoist", "Fix it")
    assert "Fix login → Fix it" in cli(path, "history", run)
    cli(path, "undo", run, "--yes")
    assert titles(boxes) == {n: ["Fix login"] for n in SERVICES}
    quiet(path)


def test_undo_is_the_flows_only_writer(boxes: dict[str, Any], tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    run = renamed(boxes, path, "jira", "Fix login timeout")
    other = Worker(f"sqlite:///{tmp_path / 'synchub-state.db'}")  # another process writes
    try:
        assert other.ask("lock sandbox") == "locked"
        out = cli(path, "undo", run, "--yes", "--wait", "0.2", code=7)
        assert "being written by another synchub (worker sandbox)" in out, out
        assert titles(boxes) == {n: ["Fix login timeout"] for n in SERVICES}
        cli(path, "undo", run, "--dry-run", "--wait", "0")  # a dry run only reads
    finally:
        other.kill()
    cli(path, "undo", run, "--yes", "--wait", "0")
    assert titles(boxes) == {n: ["Fix login"] for n in SERVICES}


class Died(Exception):
    """The undo's process dying between a write landing and its commit."""


def test_an_undo_that_dies_midway_is_healed_by_the_next_sync(
        boxes: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.round.executor import Executor

    path = configure(boxes, tmp_path, delete="propagate")
    seeded(boxes, path)
    boxes["jira"].user_delete(ref_of(boxes["jira"], "Fix login"))
    sync(path)
    run = str(last_run(path)["run"])
    commit = Executor._commit_success

    def dies_once(self: Executor, *args: Any) -> Any:
        monkeypatch.setattr(Executor, "_commit_success", commit)
        raise Died("killed after the write, before its commit")

    monkeypatch.setattr(Executor, "_commit_success", dies_once)
    cli(path, "undo", run, "--yes", code=10)
    monkeypatch.setattr(Executor, "_commit_success", commit)
    landed = [n for n in ("todoist", "notion", "gcal") if titles(boxes, n)[n]]
    assert len(landed) == 1  # the first re-create landed; its commit never happened
    out = sync(path)  # recovery finds it by its marker: linked, not created twice
    assert "found by its marker" in out and "created 0" in out, out
    runs = json.loads(cli(path, "history", "--json"))["runs"]
    (died,) = [r["run"] for r in runs if r["undoes"] == int(run)]
    writes = json.loads(cli(path, "history", str(died), "--json"))["writes"]
    assert [(w["service"], w["state"]) for w in writes if w["ref"]] == [(landed[0], "done")]
    out = cli(path, "undo", run, "--yes")  # the rest of the undo
    assert f"skipped: {landed[0]} 'Fix login': the item has a copy there again" in out, out
    assert titles(boxes) == {"jira": [], "todoist": ["Fix login"], "notion": ["Fix login"],
                             "gcal": ["Fix login"]}
    quiet(path)


def test_a_created_copy_a_person_commented_on_since_is_not_deleted(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    """Undoing a create would delete the Jira issue and the comment a person wrote on it
    since (found in review): it is kept and the plan says why; the other copies go."""
    path = configure(boxes, tmp_path)
    data = sbx.read_config(path)
    data["flows"]["sandbox"]["comments"] = True
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    seeded(boxes, path)
    boxes["todoist"].user_create(Item(title="Call the bank", due=DUE))
    sync(path)
    run = last_run(path)["run"]
    boxes["jira"].user_comment(ref_of(boxes["jira"], "Call the bank"), "Bank says: bring ID")
    shown = cli(path, "undo", str(run), "--dry-run")
    assert "comment(s) written on it since the run: not deleted" in " ".join(shown.split())
    cli(path, "undo", str(run), "--yes")
    held = titles(boxes)
    assert "Call the bank" in held["jira"]
    assert "Call the bank" not in held["notion"]
