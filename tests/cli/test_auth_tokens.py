"""`synchub auth jira|todoist|notion` as a user runs them, in real processes over the
emulators: the token asked for where it is made (hidden in a terminal), checked at once
(refused: nothing stored, asked again in a terminal), stored in the .env the config reads
(0600, other values kept) or in the keyring with the config rewritten to read it there."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from dotenv import dotenv_values

from tests.support.procs import ROOT, child_env


@pytest.fixture(scope="module")
def emulators() -> Iterator[dict[str, Any]]:
    from hub.cli.sandbox import start

    sbs = start()
    try:
        yield sbs
    finally:
        for sb in sbs.values():
            sb.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {k: v for k, v in child_env().items() if not k.endswith(("_TOKEN", "_URL",
                                                                    "_EMAIL"))} | {
        "PYTHON_KEYRING_BACKEND": "tests.config.keyring_backend.FileKeyring",
        "TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "COLUMNS": "200",
        "PYTHONPATH": str(ROOT)}


def synchub(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_auth_jira_without_a_config_stores_the_conventional_names(
        tmp_path: Path, env: dict[str, str], emulators: dict[str, Any]) -> None:
    jira = emulators["jira"].emu
    (tmp_path / ".env").write_text("OTHER=kept\n")
    done = synchub(env, tmp_path, "auth", "jira", "--no-input", "--set",
                   f"JIRA_URL={jira.base_url}", "--set", f"JIRA_EMAIL={jira.email}",
                   "--set", f"JIRA_TOKEN={jira.token}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "synchub bot (bot@example.com)" in done.stdout
    assert jira.token not in done.stdout + done.stderr
    assert dotenv_values(tmp_path / ".env") == {
        "OTHER": "kept", "JIRA_URL": jira.base_url, "JIRA_EMAIL": jira.email,
        "JIRA_TOKEN": jira.token}
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
    assert 'token: "${JIRA_TOKEN}"' in done.stdout  # the connection block that reads them


def test_a_refused_token_is_not_stored(tmp_path: Path, env: dict[str, str],
                                       emulators: dict[str, Any]) -> None:
    todoist = emulators["todoist"]
    done = synchub(env, tmp_path, "auth", "todoist", "--no-input", "--base-url",
                   todoist.connection["base_url"], "--set", "TODOIST_TOKEN=not-it")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "HTTP 401" in done.stdout and "not-it" not in done.stdout
    assert not (tmp_path / ".env").exists()


def test_auth_with_keyring_rewrites_the_config_to_read_it_there(
        tmp_path: Path, env: dict[str, str], emulators: dict[str, Any]) -> None:
    """Only the chosen connection's token is moved (a comment naming the variable and
    another connection reading it stay as they were, so its .env line stays too); run
    again, the keyring entry is replaced where it is and the config is not touched."""
    from ruamel.yaml import YAML

    todoist = emulators["todoist"]
    config = tmp_path / "synchub.yaml"
    config.write_text(
        "# the token is ${TODOIST_TOKEN} in .env\n"
        "connections:\n"
        f"  tasks: {{type: todoist, token: \"${{TODOIST_TOKEN:-none}}\", "
        f"base_url: \"{todoist.connection['base_url']}\"}}\n"
        f"  other: {{type: todoist, token: \"${{TODOIST_TOKEN}}\", "
        f"base_url: \"{todoist.connection['base_url']}\"}}\n"
        "flows:\n  f:\n    endpoints:\n"
        "      t: {connection: tasks, scope: {project: Work}}\n"
        "      o: {connection: other, scope: {project: Inbox}}\n")
    config.chmod(0o600)
    (tmp_path / ".env").write_text("TODOIST_TOKEN=old-one\nKEEP=1\n")
    args = ("auth", "todoist", "-c", str(config), "--connection", "tasks", "--keyring",
            "--no-input", "--set", f"TODOIST_TOKEN={todoist.connection['token']}")
    done = synchub(env, tmp_path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    data = YAML(typ="safe").load(config.read_text())
    assert data["connections"]["tasks"]["token"] == "${keyring:TODOIST_TOKEN}"
    assert data["connections"]["other"]["token"] == "${TODOIST_TOKEN}"
    assert config.read_text().startswith("# the token is ${TODOIST_TOKEN} in .env\n")
    # still read by `other`: kept, with the new value
    assert dotenv_values(tmp_path / ".env") == {"TODOIST_TOKEN": todoist.connection["token"],
                                                "KEEP": "1"}
    keyring = json.loads((tmp_path / "keyring.json").read_text())
    assert keyring == {"synchub\0TODOIST_TOKEN": todoist.connection["token"]}
    check = synchub(env, tmp_path, "check", "-c", str(config), "--probe")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "project 'Work'" in check.stdout

    before = config.read_text()
    todoist.emu.token = "rotated-token"
    again = synchub(env, tmp_path, "auth", "todoist", "-c", str(config), "--connection",
                    "tasks", "--no-input", "--set", "TODOIST_TOKEN=rotated-token")
    assert again.returncode == 0, again.stdout + again.stderr
    assert config.read_text() == before  # still read from the keyring
    assert json.loads((tmp_path / "keyring.json").read_text()) == {
        "synchub\0TODOIST_TOKEN": "rotated-token"}
    todoist.emu.token = todoist.connection["token"]


def test_a_token_from_a_command_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "synchub.yaml"
    config.write_text("connections:\n  t: {type: todoist, token: \"${cmd:pass show todoist}\"}"
                      "\nflows: {}\n")
    done = synchub(env, tmp_path, "auth", "todoist", "-c", str(config), "--no-input")
    assert done.returncode == 2
    assert "comes from a command" in done.stdout + done.stderr


def test_auth_notion_in_a_terminal_hides_the_token_and_asks_again_when_refused(
        tmp_path: Path, env: dict[str, str], emulators: dict[str, Any]) -> None:
    notion = emulators["notion"]
    child = pexpect.spawn(sys.executable, ["-m", "hub", "auth", "notion", "--base-url",
                                           notion.connection["base_url"]],
                          cwd=str(tmp_path), env=env | {"NO_COLOR": "1"}, encoding="utf-8",
                          timeout=60)
    child.expect("notion.so/profile/integrations")
    child.expect("NOTION_TOKEN:")
    child.sendline("typo")
    child.expect("API token is invalid")
    child.expect("Enter them again")
    child.expect("NOTION_TOKEN:")
    child.sendline(notion.connection["token"])
    child.expect(pexpect.EOF)
    child.close()
    out = child.before or ""
    assert child.exitstatus == 0, out
    assert "integration 'synchub integration'" in out
    assert notion.connection["token"] not in out and "typo" not in out
    assert dotenv_values(tmp_path / ".env") == {"NOTION_TOKEN": notion.connection["token"]}
    assert os.stat(tmp_path / ".env").st_mode & 0o077 == 0


def _service_account_key(path: Path, token_uri: str) -> tuple[Path, str]:
    """A service account's JSON key as Google's console makes it, with a fresh RSA key;
    returns (the file, its public key in PEM, what Google keeps)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "acme-sync", "private_key_id": "k1",
        "private_key": private, "client_email": "sync@acme-sync.iam.gserviceaccount.com",
        "client_id": "1234", "token_uri": token_uri}))
    return path, public.decode()


def test_auth_google_with_a_service_account_key_signs_in_with_it(
        tmp_path: Path, env: dict[str, str]) -> None:
    """The key's JWT assertion is checked by the emulator's token endpoint (its signature
    against the account's public key) and only the access token it mints opens the API."""
    from adapters.gcal.emulator import GcalEmulator

    emu = GcalEmulator()
    emu.start(0)
    try:
        emu.require_oauth("no-such-access", "no-such-refresh")
        key, public = _service_account_key(tmp_path / "key.json", f"{emu.base_url}/token")
        foreign, _ = _service_account_key(tmp_path / "foreign.json", f"{emu.base_url}/token")
        emu.oauth.add_service_account("sync@acme-sync.iam.gserviceaccount.com", public)
        kept = tmp_path / "conf" / "sa.json"
        args = ("--base-url", emu.base_url, "--token-file", str(kept))
        done = synchub(env, tmp_path, "auth", "google", "--service-account", str(key), *args)
        assert done.returncode == 0, done.stdout + done.stderr
        refused = synchub(env, tmp_path, "auth", "google", "--service-account", str(foreign),
                          *args)
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert "Invalid JWT Signature" in refused.stdout + refused.stderr
        assert kept.read_text() == key.read_text()  # the refused key replaced nothing
        assert "as sync@acme-sync.iam.gserviceaccount.com" in done.stdout
        assert "Share each calendar with sync@acme-sync" in done.stdout
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert json.loads(kept.read_text())["private_key_id"] == "k1"
        assert "PRIVATE KEY" not in done.stdout + done.stderr
        not_a_key = synchub(env, tmp_path, "auth", "google", "--service-account",
                            str(tmp_path / "x.json"),
                            *args)
        assert not_a_key.returncode == 2  # no such file: typer's own check
    finally:
        emu.stop()
