"""`synchub init`: a config from a preset and a 0600 .env with the values it reads, asked for
in a real terminal (secrets without echo) or given with --set; then checked."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import pexpect
import pytest
from dotenv import dotenv_values
from typer.testing import CliRunner

from hub.cli.main import app
from mappings import presets

runner = CliRunner()


def test_init_with_flags_writes_the_preset_and_a_private_env(tmp_path: Path) -> None:
    cfg = tmp_path / "synchub.yaml"
    result = runner.invoke(app, [
        "init", "--preset", "jira-todoist", "--config", str(cfg), "--no-input",
        "--set", "JIRA_URL=https://acme.atlassian.net", "--set", "JIRA_EMAIL=me@acme.com",
        "--set", "JIRA_TOKEN=tok 'with' quotes", "--set", "TODOIST_TOKEN=t0d0"],
        env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert cfg.read_text() == presets()["jira-todoist"].read_text()
    env = tmp_path / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert dotenv_values(env) == {"JIRA_URL": "https://acme.atlassian.net",
                                  "JIRA_EMAIL": "me@acme.com",
                                  "JIRA_TOKEN": "tok 'with' quotes", "TODOIST_TOKEN": "t0d0"}
    assert "valid (2 connections, 1 flow)" in result.output
    assert "t0d0" not in result.output and "quotes" not in result.output


def test_init_without_a_required_value_names_it_and_writes_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "synchub.yaml"
    result = runner.invoke(app, ["init", "--preset", "todoist-gcal", "-c", str(cfg),
                                 "--no-input"], env={"TODOIST_TOKEN": ""})
    assert result.exit_code == 2
    assert "no value for TODOIST_TOKEN" in result.output
    assert list(tmp_path.iterdir()) == []


def test_init_does_not_replace_a_config_without_force(tmp_path: Path) -> None:
    cfg = tmp_path / "synchub.yaml"
    cfg.write_text("mine")
    args = ["init", "--preset", "todoist-gcal", "-c", str(cfg), "--no-input",
            "--set", "TODOIST_TOKEN=x"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "exists; pass --force" in result.output
    assert cfg.read_text() == "mine"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert cfg.read_text() == presets()["todoist-gcal"].read_text()


def test_init_in_a_real_terminal_asks_hides_the_secret_and_checks(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    child = pexpect.spawn(sys.executable, ["-m", "hub", "init"], cwd=str(tmp_path),
                          env=env | {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": os.getcwd()},
                          encoding="utf-8", timeout=30)
    child.expect("jira-todoist")
    child.expect("Preset")
    child.sendline("todoist-gcal")
    child.expect("settings/integrations/developer")  # where the token is made
    child.expect("TODOIST_TOKEN:")
    child.sendline("s3cr3t-value")
    child.expect(r"GOOGLE_TOKEN_FILE \(Enter")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    rest = re.sub(r"\x1b\[[0-9;]*m", "", child.before or "")
    assert child.exitstatus == 0, rest
    assert "valid (2 connections, 1 flow)" in rest
    assert "s3cr3t-value" not in rest  # not echoed, not printed
    assert dotenv_values(tmp_path / ".env") == {"TODOIST_TOKEN": "s3cr3t-value"}


@pytest.mark.parametrize("name", sorted(presets()))
def test_every_preset_can_be_initialised_from_flags(name: str, tmp_path: Path) -> None:
    from hub.cli.presets import all_presets

    p = all_presets()[name]
    sets = [f"{v}=https://x.atlassian.net" if v == "JIRA_URL" else
            f"{v}=0123456789abcdef0123456789abcdef" if v.endswith("_ID") else
            f"{v}=me@example.com" if v.endswith("EMAIL") else f"{v}=v"
            for v in p.variables if not v.startswith("GOOGLE")]
    args = ["init", "--preset", name, "-c", str(tmp_path / "synchub.yaml"), "--no-input"]
    for s in sets:
        args += ["--set", s]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output


def test_auth_google_runs_the_loopback_flow_and_keeps_the_token_private(tmp_path: Path) -> None:
    """`synchub auth google --no-browser` against the Calendar emulator's consent and token
    endpoints: the printed URL, opened by a "browser" (httpx following the redirect to the
    loopback port), ends with a refreshable token saved 0600."""
    import json

    import httpx

    from adapters.gcal.emulator import GcalEmulator

    emu = GcalEmulator()
    emu.start(0)
    try:
        secrets = tmp_path / "client.json"
        secrets.write_text(json.dumps({"installed": {
            "client_id": "cid.apps.googleusercontent.com", "client_secret": "csecret",
            "auth_uri": f"{emu.base_url}/o/oauth2/auth", "token_uri": f"{emu.base_url}/token",
            "redirect_uris": ["http://localhost"]}}))
        token = tmp_path / "t" / "google-token.json"
        env = dict(os.environ) | {"COLUMNS": "300", "PYTHONPATH": os.getcwd(),
                                  # the emulator speaks plain http on 127.0.0.1
                                  "OAUTHLIB_INSECURE_TRANSPORT": "1"}
        child = pexpect.spawn(sys.executable, ["-m", "hub", "auth", "google", str(secrets),
                                               "--token-file", str(token), "--no-browser"],
                              env=env, encoding="utf-8", timeout=30)
        child.expect("Open this URL")
        child.expect(r"(http://127\.0\.0\.1:\d+/o/oauth2/auth\S+)")
        url = child.match.group(1)
        page = httpx.get(url, follow_redirects=True, timeout=10)
        assert "you can close this tab" in page.text
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
        saved = json.loads(token.read_text())
        assert saved["refresh_token"].startswith("emu-refresh-")
        assert saved["refresh_token"] in emu.oauth.refresh
    finally:
        emu.stop()
