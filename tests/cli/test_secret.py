"""`synchub secret` as a user runs it, in real processes: a secret piped in (or typed, hidden,
in a real terminal) is stored in the keyring, `synchub check` reads it through
``${keyring:NAME}``, and its value is never printed by any of them.

The keyring is a file backend of the tests, chosen as a user chooses one
(``PYTHON_KEYRING_BACKEND``), so the user's real keyring is never touched."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pexpect
import pytest

from tests.support.procs import ROOT, child_env

SECRET = "s3cr3t-service-name"
CONFIG = """\
connections:
  mem: {type: memory, service: "${keyring:mem-service}"}
flows:
  work:
    endpoints:
      a: {connection: mem, scope: {label: a}}
      b: {connection: mem, scope: {label: b}}
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**child_env(), "PYTHON_KEYRING_BACKEND": "tests.config.keyring_backend.FileKeyring",
            "TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}


def synchub(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", *args], input=stdin, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def stored(tmp_path: Path) -> dict[str, str]:
    return dict(json.loads((tmp_path / "keyring.json").read_text()))


def test_secret_set_then_check_reads_it_from_the_keyring(tmp_path: Path,
                                                         env: dict[str, str]) -> None:
    put = synchub(env, "secret", "set", "mem-service", stdin=SECRET + "\n")
    assert put.returncode == 0, put.stderr
    assert "stored 'mem-service' in the system keyring (service 'synchub'" in put.stdout
    assert stored(tmp_path) == {"synchub\0mem-service": SECRET}  # the line end left out

    config = tmp_path / "synchub.yaml"
    config.write_text(textwrap.dedent(CONFIG))
    config.chmod(0o600)
    check = synchub(env, "check", "-c", str(config), "--probe")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "valid (1 connection, 1 flow)" in check.stdout
    assert "in-memory service '***'" in check.stdout  # read from the keyring, masked
    for done in (put, check):
        assert SECRET not in done.stdout + done.stderr


def test_secret_get_check_and_delete(tmp_path: Path, env: dict[str, str]) -> None:
    assert synchub(env, "secret", "set", "jira", stdin=SECRET).returncode == 0
    there = synchub(env, "secret", "get", "jira", "--check")
    assert there.returncode == 0 and "'jira' is stored" in there.stdout
    plain = synchub(env, "secret", "get", "jira")
    assert plain.returncode == 2 and "never prints a secret" in plain.stderr
    gone = synchub(env, "secret", "delete", "jira")
    assert gone.returncode == 0 and "deleted 'jira'" in gone.stdout
    assert stored(tmp_path) == {}
    missing = synchub(env, "secret", "get", "jira", "--check")
    assert missing.returncode == 2
    assert "no secret 'jira' in the system keyring" in missing.stderr
    assert "synchub secret set jira" in missing.stderr
    again = synchub(env, "secret", "delete", "jira")
    assert again.returncode == 2 and "no secret 'jira'" in again.stderr
    for done in (there, plain, gone, missing, again):
        assert SECRET not in done.stdout + done.stderr


def test_check_names_a_secret_missing_from_the_keyring(tmp_path: Path,
                                                       env: dict[str, str]) -> None:
    config = tmp_path / "synchub.yaml"
    config.write_text(textwrap.dedent(CONFIG))
    config.chmod(0o600)
    check = synchub(env, "check", "-c", str(config))
    assert check.returncode == 2
    assert "synchub.yaml:2:" in check.stderr and "connections.mem.service:" in check.stderr
    assert "`synchub secret set mem-service`" in check.stderr


def test_secret_set_without_a_keyring_says_so_before_asking(env: dict[str, str]) -> None:
    env = {**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = synchub(env, "secret", "set", "jira", stdin=SECRET)
    assert done.returncode == 2 and "no usable system keyring" in done.stderr


def test_secret_set_with_nothing_piped_in_stores_nothing(tmp_path: Path,
                                                         env: dict[str, str]) -> None:
    done = synchub(env, "secret", "set", "jira", stdin="\n")
    assert done.returncode == 2 and "nothing to store" in done.stderr
    assert not (tmp_path / "keyring.json").exists()


def test_secret_set_in_a_terminal_asks_twice_without_echo(tmp_path: Path,
                                                          env: dict[str, str]) -> None:
    child = pexpect.spawn(sys.executable, ["-m", "hub", "secret", "set", "jira"],
                          cwd=str(ROOT), env=env, encoding="utf-8", timeout=30)
    child.logfile_read = screen = io.StringIO()  # all the terminal showed
    child.expect("Secret for jira:")
    child.sendline(SECRET)
    child.expect("Repeat for confirmation:")
    child.sendline(SECRET)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, screen.getvalue()
    assert "stored 'jira'" in screen.getvalue()
    assert SECRET not in screen.getvalue()  # not echoed, not printed
    assert stored(tmp_path) == {"synchub\0jira": SECRET}
