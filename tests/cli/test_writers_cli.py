"""The CLI as one of several processes on a state (P13, P14): `sync` beside another writer
waits or exits 7 naming it, `status --json` for scripts, an internal error exits 10."""

from __future__ import annotations

import json
from pathlib import Path

from hub.model import Item
from hub.store import open_store
from tests.cli.test_commands import Env
from tests.store.test_processes import Worker


def test_sync_beside_another_writer_gives_up_with_exit_7_naming_it(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.a.user_create(Item(title="Fix login"))
    other = Worker(f"sqlite:///{tmp_path / 'state.db'}")  # another process
    try:
        assert other.ask("lock work") == "locked"
        code, out = env.run("sync", "--wait", "0.2")
        assert env.b.live() == {}  # it wrote nothing beside the writer
        assert "being synced now by worker work" in env.run("status")[1]
    finally:
        other.kill()
    assert code == 7, out
    assert "is being written by worker work; waiting up to 0.2 s" in out
    assert "being written by another synchub (worker work); waited" in out
    code, out = env.run("sync", "--wait", "0")
    assert code == 0, out
    assert [i.title for i in env.b.live().values()] == ["Fix login"]


def test_a_dry_run_takes_no_lock(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.run("sync")
    other = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    with other.writer("work", "someone", wait=0):
        code, out = env.run("sync", "--dry-run", "--wait", "0")
    other.close()
    assert code == 0, out


def test_status_json_lists_flows_and_items_set_aside(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.a.user_create(Item(title="fine"))
    odd = env.a.user_create(Item(title="odd"))
    env.a.poison(odd, "date 9999-12-31 is out of range")
    code, out = env.run("sync")
    assert code == 1 and "odd" in out and "9999-12-31" in out, out
    code, out = env.run("status", "--json")
    assert code == 0, out
    [flow] = json.loads(out)["flows"]
    assert flow["flow"] == "work" and flow["links"] == 1 and flow["writer"] is None
    assert flow["last_run"]["status"] == "partial"
    [aside] = flow["set_aside"]
    assert (aside["service"], aside["id"], aside["title"]) == ("jira", odd, "odd")
    assert "9999-12-31" in aside["problem"]
    code, out = env.run("sync")  # not named again while nothing changed
    assert code == 0 and "9999-12-31" not in out and "1 item still set aside" in out, out


def test_an_internal_error_exits_10_with_its_traceback(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env = Env(tmp_path)
    import hub.round.engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(hub.round.engine, "run_flow", broken)
    code, out = env.run("sync")
    assert code == 10, out
    assert "internal error" in out and "a bug" in out and "Traceback" in out
