"""The CLI commands end to end: real config files, real SQLite state, in-memory services."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.memory import get_service
from hub.cli.main import app
from hub.model import Item

runner = CliRunner()


class Env:
    def __init__(self, tmp_path: Path, conflict: str = "newest", extra: str = "") -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.a = get_service(f"a-{self.tag}")
        self.b = get_service(f"b-{self.tag}")
        self.path = tmp_path / "synchub.yaml"
        self.path.write_text(textwrap.dedent(f"""\
            state: {{url: "sqlite:///state.db"}}
            connections:
              ca: {{type: memory, service: a-{self.tag}}}
              cb: {{type: memory, service: b-{self.tag}}}
            flows:
              work:
                conflict: {conflict}
                mass_change_min: 3
                endpoints:
                  jira: {{connection: ca}}
                  todoist: {{connection: cb}}
            retry: {{first_wait: 0s}}  # every retry still made, none waited for
            """) + extra)
        self.path.chmod(0o600)

    def run(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--config", str(self.path)],
                               env={"COLUMNS": "200"})
        return result.exit_code, result.output


def test_sync_then_status(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.a.user_create(Item(title="Fix login"))
    code, out = env.run("sync")
    assert code == 0, out
    assert "work: ok" in out and "created 1" in out
    assert [i.title for i in env.b.live().values()] == ["Fix login"]
    assert (tmp_path / "state.db").exists()  # relative state path: next to the config
    code, out = env.run("status")
    assert code == 0 and "work" in out and "jira, todoist" in out and "ok" in out


def test_plan_shows_per_service_actions_and_writes_nothing(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.a.user_create(Item(title="Fix login"))
    code, out = env.run("plan")
    assert code == 0, out
    assert "todoist" in out and "create" in out and "Fix login" in out
    assert env.b.live() == {}


def test_dry_run(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.a.user_create(Item(title="Fix login"))
    code, out = env.run("sync", "--dry-run")
    assert code == 0 and "dry-run" in out and env.b.live() == {}


def test_conflicts_list_resolve_and_exit_code(tmp_path: Path) -> None:
    env = Env(tmp_path, conflict="manual")
    ref = env.a.user_create(Item(title="x"))
    env.run("sync")
    (ref_b,) = env.b.live()
    env.a.user_edit(ref, title="from jira")
    env.b.user_edit(ref_b, title="from todoist")
    code, out = env.run("sync")
    assert code == 6, out  # conflicts wait for a decision
    code, out = env.run("conflicts")
    assert code == 0 and "title" in out and "from jira" in out and "from todoist" in out
    code, out = env.run("conflicts", "resolve", "1", "--use", "todoist")
    assert code == 0, out
    code, out = env.run("sync")
    assert code == 0, out
    assert [i.title for i in env.a.live().values()] == ["from todoist"]
    code, out = env.run("conflicts")
    assert "No open conflicts" in out


def test_explain_shows_who_wrote_each_field(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.a.user_create(Item(title="Fix login", priority=3))
    env.run("sync")
    (ref_b,) = env.b.live()
    env.b.user_edit(ref_b, priority=4)
    env.run("sync")
    code, out = env.run("explain", "login")
    assert code == 0, out
    assert "priority" in out and "todoist" in out and "changed on one side" in out
    code, out = env.run("explain", "nothing-like-this")
    assert code == 2 and "no synced item matches 'nothing-like-this'" in out
    code, out = env.run("conflicts", "resolve", "99", "--use", "jira")
    assert code == 2 and "no open conflict with id 99" in out


def test_check_valid_and_probe(tmp_path: Path) -> None:
    env = Env(tmp_path)
    code, out = env.run("check")
    assert code == 0 and "valid" in out
    code, out = env.run("check", "--probe")
    assert code == 0 and "in-memory service" in out


def test_probe_with_a_webhook_secret_neither_fails_nor_shows_it(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.path.write_text(env.path.read_text().replace(
        f"service: a-{env.tag}}}", f"service: a-{env.tag}, webhook_secret: s3cr3t-value}}"))
    code, out = env.run("check", "--probe")
    assert code == 0, out
    assert "s3cr3t-value" not in out


def test_a_token_file_path_is_not_taken_for_an_inline_secret(tmp_path: Path) -> None:
    from hub.redact import SECRET_KEYS, collect_secrets

    assert not SECRET_KEYS.search("token_file") and not SECRET_KEYS.search("credentials_file")
    assert SECRET_KEYS.search("api_token") and SECRET_KEYS.search("client_secret")
    assert collect_secrets({"token_file": "/home/me/.synchub/google.json",
                            "token": "t0ken-value"}) == {"t0ken-value"}


def test_bad_config_exit_code_2_with_location(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.path.write_text(env.path.read_text().replace("conflict: newest", "conflict: newst"))
    code, out = env.run("sync")
    assert code == 2
    assert "synchub.yaml:7:5: flows.work.conflict" in out


def test_state_of_another_config_is_refused_with_exit_3(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.run("sync")
    env.path.write_text(env.path.read_text().replace("  work:", "  renamed:"))
    code, out = env.run("sync")
    assert code == 3 and "--rebind" in out
    code, out = env.run("sync", "--rebind")
    assert code == 0, out


def test_mass_change_guard_exit_5_then_force(tmp_path: Path) -> None:
    env = Env(tmp_path, extra="")
    env.path.write_text(env.path.read_text().replace("conflict: newest",
                                                     "conflict: newest\n    delete: propagate"))
    refs = [env.a.user_create(Item(title=f"t{i}")) for i in range(4)]
    env.run("sync")
    for r in refs:
        env.a.user_delete(r)
    code, out = env.run("sync")
    assert code == 5 and "--force" in out and len(env.b.live()) == 4
    code, out = env.run("sync", "--dry-run")  # the preview says what sync would: refused
    assert code == 5 and len(env.b.live()) == 4
    code, out = env.run("sync", "--dry-run", "--force")  # and what it would do forced
    assert code == 0 and "delete" in out and len(env.b.live()) == 4
    code, out = env.run("sync", "--force")
    assert code == 0 and env.b.live() == {}


def test_partial_failure_exit_1(tmp_path: Path) -> None:
    from adapters.faults import FaultKind

    env = Env(tmp_path)
    env.a.user_create(Item(title="x"))
    env.run("sync")
    env.b.faults.inject(FaultKind.OUTAGE, count=None)
    code, out = env.run("sync")
    assert code == 1 and "todoist" in out


@pytest.mark.parametrize("cmd", [["--help"], ["sync", "--help"], ["version"]])
def test_help_and_version(cmd: list[str]) -> None:
    result = runner.invoke(app, cmd)
    assert result.exit_code == 0 and ("synchub" in result.output or "Usage" in result.output)
