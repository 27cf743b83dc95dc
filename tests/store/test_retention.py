"""Retention (state.keep_runs, state.keep_journal) and the state URL checked with the config.

On the old main the ``runs`` and ``journal`` tables grew forever (the journal keeps full
payloads), and ``synchub check`` accepted an unwritable ``state.url`` or ``mysql://`` that only
failed at the first sync."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.model import Item
from hub.store.base import Intent, IntentState, LinkState

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def test_prune_drops_old_runs_and_settled_intents_only(store: Any) -> None:
    with store.transaction() as tx:
        tx.save_link(LinkState("f", "L", Item(title="x")))
        for key, state in (("done", IntentState.DONE), ("gone", IntentState.ABANDONED),
                           ("open", IntentState.PENDING)):
            tx.add_intent(Intent(key=key, flow="f", link_id="L", endpoint="a", kind="update",
                                 payload={"item": {"title": "x" * 1000}}, state=state,
                                 created_at=OLD))
        tx.add_intent(Intent(key="fresh", flow="f", link_id="L", endpoint="a", kind="update",
                             payload={}, state=IntentState.DONE))
    ids = [store.start_run("f") for _ in range(3)] + [store.start_run("g")]
    for rid in ids:
        store.finish_run(rid, "ok", {})
    now = dt.datetime.now(dt.UTC)
    gone = store.prune(runs_before=now + dt.timedelta(seconds=1),
                       journal_before=now - dt.timedelta(days=1))
    assert gone == {"runs": 2, "journal": 2, "writes": 0}
    assert [r.id for r in store.runs("f")] == [ids[2]]  # each flow keeps its last run
    assert [r.id for r in store.runs("g")] == [ids[3]]
    assert [i.key for i in store.pending_intents("f")] == ["open"]  # pending ones stay
    assert store.prune(runs_before=now, journal_before=now) == {"runs": 0, "journal": 1,
                                                                   "writes": 0}


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "synchub.yaml"
    path.write_text(textwrap.dedent(f"""\
        state:
          url: "{url}"
        connections:
          a: {{type: memory, service: a}}
          b: {{type: memory, service: b}}
        flows:
          work:
            endpoints: {{x: {{connection: a}}, y: {{connection: b}}}}
        """))
    return path


@pytest.mark.parametrize("url,words", [
    ("mysql://me@db/sync", "unsupported state URL 'mysql://db/sync'"),
    # a regular file where a folder should be: unwritable for root too (CI runs as root)
    ("sqlite:///{tmp}/notes.txt/state.db", "notes.txt is not a writable folder"),
    ("sqlite:///{tmp}/notes.txt/deeper/state.db", "notes.txt is not a writable folder"),
])
def test_check_refuses_a_state_url_that_cannot_work(tmp_path: Path, url: str,
                                                    words: str) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    path = _config(tmp_path, url.format(tmp=tmp_path))
    result = CliRunner().invoke(app, ["check", "-c", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert words in result.output and "state.url" in result.output
    assert "synchub.yaml:2" in result.output  # the line of state.url
    assert "me@" not in result.output



@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder: this "
                    "case runs for a normal user (the regular-file cases above run for all)")
def test_check_refuses_a_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    path = _config(tmp_path, f"sqlite:///{ro}/state.db")
    result = CliRunner().invoke(app, ["check", "-c", str(path)], env={"COLUMNS": "200"})
    ro.chmod(0o700)
    assert result.exit_code == 2 and "not a writable folder" in result.output


def test_check_refuses_a_state_path_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "state.db").mkdir()
    path = _config(tmp_path, f"sqlite:///{tmp_path / 'state.db'}")
    result = CliRunner().invoke(app, ["check", "-c", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "is not a file" in result.output


def test_check_accepts_a_state_file_yet_to_be_created(tmp_path: Path) -> None:
    path = _config(tmp_path, "sqlite:///new/dir/state.db")
    result = CliRunner().invoke(app, ["check", "-c", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "new").exists()  # check writes nothing
