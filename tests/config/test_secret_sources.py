"""``${keyring:NAME}`` and ``${cmd:COMMAND ARGS}`` in config values (issue 13): where the value
comes from, every failure as a problem at its line and key that never shows a value, commands
refused from a file others could change, and every such value masked wherever it is shown.

The keyring is an in-memory backend set with ``keyring.set_keyring`` (the user's own is never
touched); commands are real processes: a small Python script this test writes."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from typer.testing import CliRunner

from hub.cli.main import app
from hub.config import secretsrc
from hub.config.loader import load_config
from hub.errors import ConfigError
from hub.redact import Redactor, collect_secrets
from tests.config.keyring_backend import MemoryKeyring

CONFIG = """\
connections:
  mem: {{type: memory, service: "{service}"}}
flows:
  work:
    endpoints:
      a: {{connection: mem, scope: {{label: "{label}"}}}}
      b: {{connection: mem, scope: {{label: b}}}}
"""

TOOL = """\
import sys, time
from pathlib import Path
with open(Path(__file__).with_name("runs.txt"), "a") as runs:
    runs.write(" ".join(sys.argv[1:]) + "\\n")
mode = sys.argv[1]
if mode == "lines":
    print("first-line-secret")
    print("login: me@example.com")
elif mode == "say":
    print(sys.argv[2])
elif mode == "fail":
    print("stdout-secret-xyz")
    print("gpg: decryption failed: stdout-secret-xyz " + "x" * 500, file=sys.stderr)
    print("second stderr line", file=sys.stderr)
    sys.exit(3)
elif mode == "sleep":
    time.sleep(20)
"""


@contextlib.contextmanager
def using(backend: KeyringBackend) -> Iterator[None]:
    """``backend`` as the keyring within, the one before restored afterwards."""
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    ring = MemoryKeyring()
    with using(ring):
        yield ring


def write(tmp_path: Path, service: str = "svc", label: str = "a", mode: int = 0o600) -> Path:
    path = tmp_path / "synchub.yaml"
    path.write_text(textwrap.dedent(CONFIG.format(service=service, label=label)))
    path.chmod(mode)
    return path


def tool(tmp_path: Path, *args: str) -> str:
    """``${cmd:...}`` running this test's script (relative: commands run in the config's
    folder)."""
    (tmp_path / "tool.py").write_text(TOOL)
    return "${cmd:" + shlex.join([sys.executable, "tool.py", *args]) + "}"


def runs(tmp_path: Path) -> list[str]:
    path = tmp_path / "runs.txt"
    return path.read_text().splitlines() if path.exists() else []


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    return [str(p) for p in info.value.problems]


# -- the keyring ------------------------------------------------------------------------------


def test_keyring_reference_reads_the_synchub_service(tmp_path: Path,
                                                     memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("synchub", "mem-service", "from-the-keyring")
    loaded = load_config(write(tmp_path, "${keyring:mem-service}"), environ={})
    assert loaded.connections["mem"].service == "from-the-keyring"  # type: ignore[attr-defined]
    assert "from-the-keyring" in loaded.secrets()  # under `service:`, still a secret


def test_keyring_reference_with_another_tools_service(tmp_path: Path,
                                                      memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("bugwarrior://jira", "me@example.com", "theirs")
    path = write(tmp_path, "${keyring:bugwarrior://jira/me@example.com}")
    assert load_config(path, environ={}).connections["mem"].service == "theirs"  # type: ignore[attr-defined]


def test_missing_keyring_entry_is_a_problem_at_its_line_saying_how_to_store_it(
        tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("synchub", "other", "not-this-one")
    (msg,) = problems(write(tmp_path, "${keyring:jira-token}"))
    assert ":2:" in msg and "connections.mem.service:" in msg
    assert "no secret 'jira-token' in the system keyring (service 'synchub')" in msg
    assert "`synchub secret set jira-token`" in msg
    assert "`keyring set synchub jira-token`" in msg
    assert "not-this-one" not in msg


def test_no_usable_keyring_backend_is_a_problem(tmp_path: Path) -> None:
    with using(fail.Keyring()):
        (msg,) = problems(write(tmp_path, "${keyring:jira-token}"))
    assert ":2:" in msg and "connections.mem.service:" in msg
    assert "no usable system keyring" in msg


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


class KeyringLocked(Exception):
    """As a plug-in backend or D-Bus raises: not one of keyring's own errors."""


def test_a_backend_error_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with using(LockedKeyring()):
        (msg,) = problems(write(tmp_path, "${keyring:jira-token}"))
    assert "connections.mem.service: the system keyring could not be read (KeyringLocked: " \
        "the collection is locked)" in msg


# -- commands ---------------------------------------------------------------------------------


def test_command_reference_takes_the_first_line_of_its_output(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, tool(tmp_path, "lines")), environ={})
    assert loaded.connections["mem"].service == "first-line-secret"  # type: ignore[attr-defined]
    assert "first-line-secret" in loaded.secrets()
    assert "login: me@example.com" not in loaded.secrets()


def test_command_referenced_twice_runs_once(tmp_path: Path) -> None:
    ref = tool(tmp_path, "say", "same-value")
    loaded = load_config(write(tmp_path, ref, label=ref), environ={})
    assert loaded.scopes[("work", "a")].label == "same-value"  # type: ignore[attr-defined]
    assert runs(tmp_path) == ["say same-value"]


def test_failing_command_names_program_and_status_never_its_output(tmp_path: Path) -> None:
    (msg,) = problems(write(tmp_path, tool(tmp_path, "fail")))
    assert ":2:" in msg and "connections.mem.service:" in msg
    assert f"command {sys.executable!r} exited with status 3" in msg
    assert "gpg: decryption failed: ***" in msg  # stderr's first line, its own stdout masked
    assert "stdout-secret-xyz" not in msg and "second stderr line" not in msg
    assert "x" * 200 not in msg and msg.endswith("...")  # truncated


def test_missing_program_is_a_problem(tmp_path: Path) -> None:
    (msg,) = problems(write(tmp_path, "${cmd:no-such-program-4711 show jira}"))
    assert "connections.mem.service:" in msg
    assert "command 'no-such-program-4711' not found" in msg


def test_command_that_hangs_is_stopped_after_the_timeout(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secretsrc, "TIMEOUT", 0.5)
    (msg,) = problems(write(tmp_path, tool(tmp_path, "sleep")))
    assert "did not finish within 0.5 s and was stopped" in msg


def test_command_printing_nothing_is_a_problem(tmp_path: Path) -> None:
    (msg,) = problems(write(tmp_path, tool(tmp_path, "quiet")))
    assert "printed nothing on its first line" in msg


def test_unbalanced_quotes_are_a_problem(tmp_path: Path) -> None:
    (msg,) = problems(write(tmp_path, "${cmd:pass show 'jira}"))
    assert "cannot be split into words" in msg


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o660])
def test_command_refused_from_a_file_others_can_change(tmp_path: Path, mode: int) -> None:
    (msg,) = problems(write(tmp_path, tool(tmp_path, "say", "x-value"), mode=mode))
    assert "connections.mem.service:" in msg
    assert f"other users can change (mode {mode:04o})" in msg
    assert f"chmod go-w {tmp_path / 'synchub.yaml'}" in msg
    assert runs(tmp_path) == []  # never run


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another user")
def test_command_refused_from_a_file_another_user_owns(tmp_path: Path) -> None:
    path = write(tmp_path, tool(tmp_path, "say", "x-value"))
    os.chown(path, 65534, -1)
    (msg,) = problems(path)
    assert "owned by another user (uid 65534)" in msg
    assert runs(tmp_path) == []


def test_a_command_in_an_environment_value_is_not_run(tmp_path: Path) -> None:
    path = write(tmp_path, "${SVC}")
    loaded = load_config(path, environ={"SVC": tool(tmp_path, "say", "y")})
    assert loaded.connections["mem"].service.startswith("${cmd:")  # type: ignore[attr-defined]
    assert runs(tmp_path) == []


def test_cmd_with_a_default_is_still_a_variable(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, "${cmd:-plain-default}"), environ={})
    assert loaded.connections["mem"].service == "plain-default"  # type: ignore[attr-defined]


# -- masked wherever shown --------------------------------------------------------------------


def test_command_value_under_state_url_is_masked_in_the_error(tmp_path: Path) -> None:
    path = write(tmp_path)
    ref = tool(tmp_path, "say", "mysql://db.internal/sync")
    path.write_text(path.read_text() + f'state: {{url: "{ref}"}}\n')
    (msg,) = problems(path)
    assert "state.url: unsupported state URL '***'" in msg
    assert "db.internal" not in msg


def test_command_value_is_masked_in_synchub_check_output(tmp_path: Path) -> None:
    path = write(tmp_path, tool(tmp_path, "say", "service-from-a-command"))
    db = tmp_path / "state.db"
    ref = tool(tmp_path, "say", f"sqlite:///{db}")
    path.write_text(path.read_text() + f'state: {{url: "{ref}"}}\n')
    result = CliRunner().invoke(app, ["check", "-c", str(path), "--probe"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "in-memory service '***'" in result.output  # the probe names the service
    assert "service-from-a-command" not in result.output and str(db) not in result.output


def test_a_literal_choice_is_never_collected_as_a_secret() -> None:
    """`credentials: none | oauth | service_account` (gcal) made every "none" and "oauth" in
    the output "***"; a real secret beside it still is one."""
    from hub.config import checks

    block = {"type": "gcal", "credentials": "none", "client_secret": "hunter2-secret"}
    assert collect_secrets({"cal": block}, choices=checks.choices) == {"hunter2-secret"}
    assert Redactor(collect_secrets({"cal": block}, choices=checks.choices))(
        "auth: none, oauth") == "auth: none, oauth"


def test_loaded_config_does_not_mask_a_credentials_mode(tmp_path: Path) -> None:
    path = tmp_path / "synchub.yaml"
    path.write_text(textwrap.dedent("""\
        connections:
          cal: {type: gcal, credentials: oauth, token_file: /k.json}
          mem: {type: memory}
        flows:
          work:
            endpoints:
              a: {connection: cal, scope: {calendar_id: primary}}
              b: {connection: mem, scope: {label: b}}
        """))
    path.chmod(0o600)
    assert "oauth" not in load_config(path, environ={}).secrets()
