"""`synchub init`: a config from a preset and a 0600 .env with the values it reads, asked for
in a real terminal (secrets without echo) or given with --set; credentials checked at once
by discovering what they reach, endpoints pointed at what the user picks, then check --probe
and plan. End to end in a pseudo-terminal over the four emulators, up to a first sync."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from dotenv import dotenv_values
from ruamel.yaml import YAML
from typer.testing import CliRunner

from hub.cli.main import app
from mappings import presets

runner = CliRunner()


def test_init_with_flags_writes_the_preset_and_a_private_env(tmp_path: Path) -> None:
    cfg = tmp_path / "synchub.yaml"
    result = runner.invoke(app, [
        "init", "--preset", "jira-todoist", "--config", str(cfg), "--no-input",
        "--no-discover",
        "--set", "JIRA_URL=https://acme.atlassian.net", "--set", "JIRA_EMAIL=me@acme.com",
        "--set", "JIRA_TOKEN=tok 'with' quotes", "--set", "TODOIST_TOKEN=t0d0"],
        env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    yaml = YAML(typ="safe")
    assert yaml.load(cfg.read_text()) == yaml.load(presets()["jira-todoist"].read_text())
    assert "# Jira issues assigned to you" in cfg.read_text()  # the preset's comments kept
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
                                 "--no-input", "--no-discover"], env={"TODOIST_TOKEN": ""})
    assert result.exit_code == 2
    assert "no value for TODOIST_TOKEN" in result.output
    assert list(tmp_path.iterdir()) == []


def test_init_does_not_replace_a_config_without_force(tmp_path: Path) -> None:
    cfg = tmp_path / "synchub.yaml"
    cfg.write_text("mine")
    args = ["init", "--preset", "todoist-gcal", "-c", str(cfg), "--no-input",
            "--no-discover", "--set", "TODOIST_TOKEN=x"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "exists; pass --force" in result.output
    assert cfg.read_text() == "mine"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert "Todoist tasks with a date" in cfg.read_text()


def test_init_in_a_real_terminal_asks_hides_the_secret_and_checks(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    child = pexpect.spawn(sys.executable, ["-m", "hub", "init", "--no-discover"],
                          cwd=str(tmp_path),
                          env=env | {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": os.getcwd()},
                          encoding="utf-8", timeout=30)
    child.expect("jira-todoist")
    _answer(child, ("Preset", "todoist-gcal"),
            ("settings/integrations/developer", None),  # where the token is made
            ("TODOIST_TOKEN:", "s3cr3t-value"), (r"GOOGLE_TOKEN_FILE \(Enter", ""))
    rest = _finish(child)
    assert child.exitstatus == 0, rest
    assert "valid (2 connections, 1 flow)" in rest
    assert "s3cr3t-value" not in rest  # not echoed, not printed
    assert dotenv_values(tmp_path / ".env") == {"TODOIST_TOKEN": "s3cr3t-value"}


def _answer(child: pexpect.spawn, *steps: tuple[str, str | None]) -> None:
    """Wait for each prompt and type its answer (None: only wait)."""
    for prompt, answer in steps:
        child.expect(prompt)
        if answer is not None:
            child.sendline(answer)


def _finish(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return _plain(child.before)


def _plain(text: str | None) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text or "")


@pytest.fixture
def emulators() -> Iterator[dict[str, Any]]:
    from hub.cli.sandbox import start

    sbs = start()
    sbs["jira"].emu.add_project("WEB", "Website")
    sbs["jira"].emu.add_board("OPS board", "OPS")
    try:
        yield sbs
    finally:
        for sb in sbs.values():
            sb.stop()


def _client_file(tmp_path: Path, gcal: Any) -> Path:
    import json

    path = tmp_path / "client.json"
    path.write_text(json.dumps({"installed": {
        "client_id": "cid.apps.googleusercontent.com", "client_secret": "csecret",
        "auth_uri": f"{gcal.emu.base_url}/o/oauth2/auth",
        "token_uri": f"{gcal.emu.base_url}/token", "redirect_uris": ["http://localhost"]}}))
    return path


def test_init_end_to_end_in_a_terminal_from_nothing_to_a_first_sync(
        tmp_path: Path, emulators: dict[str, Any]) -> None:
    """four-way from an empty directory, as a user types it: each service's credentials
    (a wrong Jira token first, refused and asked for again), a project / data source /
    calendar picked from what was discovered, Google's sign-in in the "browser", then check
    --probe and plan; the config needs no edit and the first `synchub sync` passes."""
    import httpx

    jira, todoist, notion, gcal = (emulators[n] for n in ("jira", "todoist", "notion", "gcal"))
    jira.emu.create({"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                     "summary": "Ship the installer", "assignee": {"accountId": jira.emu.me},
                     "duedate": "2026-12-10"})
    home = tmp_path / "home"
    work = tmp_path / "project"
    home.mkdir()
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_URL"))} | {
        "COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": os.getcwd(), "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"), "OAUTHLIB_INSECURE_TRANSPORT": "1"}
    child = pexpect.spawn(sys.executable, [
        "-m", "hub", "init", "--no-browser",
        "--base-url", f"todoist={todoist.connection['base_url']}",
        "--base-url", f"notion={notion.connection['base_url']}",
        "--base-url", f"calendar={gcal.connection['base_url']}"],
        cwd=str(work), env=env, encoding="utf-8", timeout=60)
    _answer(child, ("Preset", "four-way"), ("JIRA_URL:", jira.emu.base_url),
            ("JIRA_EMAIL:", jira.emu.email), ("api-tokens", None),
            ("JIRA_TOKEN:", "wrong-token"), ("Enter them again", None),
            *((r"JIRA_\w+:", a) for a in (jira.emu.base_url, jira.emu.email, jira.emu.token)),
            ("synchub bot", None), ("Website", None),
            (r"Project for everything\.jira \[1\]:", "OPS"),
            ("TODOIST_TOKEN:", todoist.connection["token"]),
            (r"Project for everything\.todoist \[\d\]:", "Work"),
            ("NOTION_TOKEN:", notion.connection["token"]),
            (r"Data source for everything\.notion \[1\]:", ""),
            (r"GOOGLE_TOKEN_FILE \(Enter", ""),
            ("OAuth client file:", str(_client_file(tmp_path, gcal))))
    child.expect(r"(http://127\.0\.0\.1:\d+/o/oauth2/auth\S+)")
    assert "you can close this tab" in httpx.get(child.match.group(1), follow_redirects=True,
                                                 timeout=10).text
    _answer(child, (r"Calendar for everything\.calendar \[1\]:", ""))
    out = _finish(child)
    assert child.exitstatus == 0, out
    assert "wrong-token" not in out and jira.emu.token not in out
    assert "everything.jira: JQL 'project = OPS AND (assignee = currentUser()" in out
    assert "Plan for flow 'everything'" in out and "Ship the installer" in out
    cfg = work / "synchub.yaml"
    data = YAML(typ="safe").load(cfg.read_text())
    jira_ep = data["flows"]["everything"]["endpoints"]["jira"]
    assert jira_ep["options"] == {"project": "OPS", "issue_type": "Task"}
    assert jira_ep["fields"]["status"]["map"]["In Review"] == "in_progress"
    assert data["flows"]["everything"]["endpoints"]["notion"]["scope"] == {
        "database_id": notion.scope["database_id"]}
    assert stat.S_IMODE((work / ".env").stat().st_mode) == 0o600
    assert set(dotenv_values(work / ".env")) == {"JIRA_URL", "JIRA_EMAIL", "JIRA_TOKEN",
                                                "TODOIST_TOKEN", "NOTION_TOKEN"}
    token = home / ".config" / "synchub" / "google-token.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600

    sync = pexpect.run(f"{sys.executable} -m hub sync -c {cfg}", cwd=str(work), env=env,
                       encoding="utf-8", timeout=60, withexitstatus=True)
    text, status = sync
    assert status == 0, text
    assert any(i["content"] == "Ship the installer" for i in todoist.emu.items.values())
    assert any("Ship the installer" in str(p["properties"]) for p in notion.emu.pages.values())
    assert any(e.get("summary") == "Ship the installer"
               for e in gcal.emu.events["primary"].values())


@pytest.mark.parametrize("name", sorted(presets()))
def test_every_preset_can_be_initialised_from_flags(name: str, tmp_path: Path) -> None:
    from hub.cli.presets import all_presets

    p = all_presets()[name]
    sets = [f"{v}=https://x.atlassian.net" if v == "JIRA_URL" else
            f"{v}=0123456789abcdef0123456789abcdef" if v.endswith("_ID") else
            f"{v}=me@example.com" if v.endswith("EMAIL") else f"{v}=v"
            for v in p.variables if not v.startswith("GOOGLE")]
    args = ["init", "--preset", name, "-c", str(tmp_path / "synchub.yaml"), "--no-input",
            "--no-discover"]
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


@pytest.mark.parametrize("name", sorted(presets()))
def test_every_preset_initialised_against_the_emulators_syncs_twice(
        name: str, tmp_path: Path, emulators: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`synchub init --no-input` with discovery, as a script runs it, for every shipped
    preset over the four emulators: the config it writes passes check --probe and plan
    without an edit, a first sync writes, a second finds nothing left to do."""
    import json

    from hub.cli.presets import all_presets

    jira, notion, gcal = emulators["jira"], emulators["notion"], emulators["gcal"]
    jira.emu.create({"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                     "summary": "From Jira", "assignee": {"accountId": jira.emu.me},
                     "duedate": "2026-12-10", "labels": ["mine"]})
    # as `synchub auth google` leaves it, still valid: google-auth would refresh a token
    # read from a file at Google's own endpoint whatever its token_uri says
    token = tmp_path / "google-token.json"
    token.write_text(json.dumps({
        "token": "emu-access", "refresh_token": "emu-refresh", "client_id": "cid",
        "client_secret": "csecret", "token_uri": f"{gcal.emu.base_url}/token",
        "expiry": "2099-01-01T00:00:00Z",
        "scopes": ["https://www.googleapis.com/auth/calendar"]}))
    values = {"JIRA_URL": jira.emu.base_url, "JIRA_EMAIL": jira.emu.email,
              "JIRA_TOKEN": jira.emu.token, "TODOIST_TOKEN": emulators["todoist"].emu.token,
              "NOTION_TOKEN": notion.connection["token"], "GOOGLE_TOKEN_FILE": str(token)}
    cfg = tmp_path / "synchub.yaml"
    monkeypatch.chdir(tmp_path)
    # The config paces Notion at its real 3 requests a second (tests/adapters/notion
    # test the pacing); here that would be five seconds of sleep a preset.
    monkeypatch.setattr("adapters.notion.client.Pacer.wait", lambda self: None)
    args = ["init", "--preset", name, "-c", str(cfg), "--no-input",
            "--pick", "jira=OPS", "--pick", "todoist=Work"]
    for var in all_presets()[name].variables:
        if var in values:
            args += ["--set", f"{var}={values[var]}"]
    for conn in ("todoist", "notion", "gcal"):
        if conn in all_presets()[name].services:
            args += ["--base-url", f"{conn}={emulators[conn].connection['base_url']}"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Plan for flow" in result.output
    first = runner.invoke(app, ["sync", "-c", str(cfg)], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["sync", "-c", str(cfg)], env={"COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "created 0, updated 0, deleted 0" in second.output


def test_init_without_input_takes_the_database_the_preset_or_a_pick_names(
        tmp_path: Path, emulators: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two databases shared with the integration: with --no-input the one named by
    NOTION_DATABASE_ID (as the preset reads it) is taken, a --pick by its database id too,
    and with neither the error lists the choices instead of guessing."""
    jira, notion = emulators["jira"], emulators["notion"]
    other_db, _ = notion.emu.add_database("Roadmap", {"Status": {"status": {"options": [
        {"name": "Idea"}, {"name": "Doing"}, {"name": "Shipped"}]}}})
    monkeypatch.setattr("adapters.notion.client.Pacer.wait", lambda self: None)
    monkeypatch.chdir(tmp_path)
    base = ["init", "--preset", "jira-notion", "--no-input", "--force", "--pick", "jira=OPS",
            "--set", f"JIRA_URL={jira.emu.base_url}", "--set", f"JIRA_EMAIL={jira.emu.email}",
            "--set", f"JIRA_TOKEN={jira.emu.token}",
            "--set", f"NOTION_TOKEN={notion.connection['token']}",
            "--base-url", f"notion={notion.connection['base_url']}"]

    def notion_scope() -> Any:
        data = YAML(typ="safe").load((tmp_path / "synchub.yaml").read_text())
        return data["flows"]["project-board"]["endpoints"]["notion"]["scope"]

    named = runner.invoke(app, [*base, "--set", f"NOTION_DATABASE_ID={other_db}"],
                          env={"COLUMNS": "200"})
    assert named.exit_code == 0, named.output
    assert notion_scope() == {"database_id": other_db}
    assert "NOTION_DATABASE_ID" not in dotenv_values(tmp_path / ".env")  # now in the config
    picked = runner.invoke(app, [*base, "--pick", f"notion={notion.scope['database_id']}"],
                           env={"COLUMNS": "200"})
    assert picked.exit_code == 0, picked.output
    assert notion_scope() == {"database_id": notion.scope["database_id"]}
    neither = runner.invoke(app, base, env={"COLUMNS": "200", "NOTION_DATABASE_ID": ""})
    assert neither.exit_code == 2
    assert "pick a data source with --pick notion=NAME" in neither.output


def test_init_without_input_refuses_a_shared_name_and_a_browser_sign_in(
        tmp_path: Path, emulators: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Scripts get an answer, never a guess or a wait: two Todoist projects named Work are
    refused by name (the ids are listed), and a Google sign-in, which needs a browser, is
    refused under --no-input with the command to run first."""
    todoist, gcal = emulators["todoist"], emulators["gcal"]
    twin = todoist.emu.add_project("Work")
    monkeypatch.chdir(tmp_path)
    common = ["init", "--preset", "todoist-gcal", "--no-input", "--force",
              "--set", f"TODOIST_TOKEN={todoist.emu.token}",
              "--base-url", f"todoist={todoist.connection['base_url']}",
              "--base-url", f"calendar={gcal.connection['base_url']}",
              "--set", f"GOOGLE_TOKEN_FILE={tmp_path / 'none.json'}"]
    shared = runner.invoke(app, common, env={"COLUMNS": "200"})
    assert shared.exit_code == 2
    assert "2 projects are named as the preset names it; pick one by its id" in shared.output
    assert twin in shared.output
    sign_in = runner.invoke(app, [*common, "--pick", f"todoist={twin}"],
                            env={"COLUMNS": "200"})
    assert sign_in.exit_code == 2
    assert "needs a browser sign-in first: run `synchub auth google" in sign_in.output
    assert not (tmp_path / "synchub.yaml").exists()  # nothing written on the way
