"""Google credentials from files, as a user's config points at them: the stored OAuth token
(refreshed against the token endpoint, kept 0600), a revoked one explained by `synchub check
--probe` in plain words without showing a secret, and a service-account key."""

from __future__ import annotations

import datetime as dt
import json
import stat
import textwrap
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.gcal.auth import load
from adapters.gcal.sandbox import GcalSandbox
from hub.cli.main import app
from hub.errors import AuthError, Transient

ACCESS, REFRESH, SECRET = "ya29.file-access-SECRET", "1//file-refresh-SECRET", "cs-SECRET-9"


@pytest.fixture(autouse=True)
def _token_endpoint(monkeypatch: pytest.MonkeyPatch, sandbox: GcalSandbox) -> None:
    """google-auth refreshes a stored token at Google's endpoint whatever the file says (a
    hardening); point that constant at the emulator so nothing leaves 127.0.0.1."""
    import google.oauth2.credentials

    monkeypatch.setattr(google.oauth2.credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT",
                        f"{sandbox.emu.base_url}/token")


def _token_file(tmp_path: Path, sandbox: GcalSandbox) -> Path:
    """An authorised-user token as the installed-app flow saves it, already expired."""
    sandbox.emu.require_oauth(ACCESS, REFRESH)
    path = tmp_path / "google-token.json"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    path.write_text(json.dumps({
        "token": ACCESS, "refresh_token": REFRESH, "token_uri": f"{sandbox.emu.base_url}/token",
        "client_id": "synchub.apps", "client_secret": SECRET, "scopes": [
            "https://www.googleapis.com/auth/calendar"],
        "expiry": past.replace(tzinfo=None).isoformat() + "Z"}))
    path.chmod(0o600)
    return path


def test_an_expired_stored_token_is_refreshed_and_saved_private(
        tmp_path: Path, sandbox: GcalSandbox) -> None:
    path = _token_file(tmp_path, sandbox)
    creds = load(str(path), None)
    assert creds.valid and creds.token != ACCESS  # a fresh one from the token endpoint
    assert json.loads(path.read_text())["token"] == creds.token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_revoked_stored_token_is_a_plain_auth_error(
        tmp_path: Path, sandbox: GcalSandbox) -> None:
    path = _token_file(tmp_path, sandbox)
    sandbox.emu.revoke()
    with pytest.raises(AuthError) as info:
        load(str(path), None)
    assert "expired or was revoked" in str(info.value) and "authorize again" in str(info.value)
    assert "SECRET" not in str(info.value)


def test_check_probe_explains_a_revoked_token(tmp_path: Path, sandbox: GcalSandbox) -> None:
    path = _token_file(tmp_path, sandbox)
    sandbox.emu.revoke()
    config = tmp_path / "synchub.yaml"
    config.write_text(textwrap.dedent(f"""\
        connections:
          cal: {{type: gcal, base_url: "{sandbox.emu.base_url}", token_file: "{path}"}}
          mem: {{type: memory, service: probe-{tmp_path.name}}}
        flows:
          work:
            endpoints:
              calendar: {{connection: cal, scope: {{calendar_id: primary}}}}
              todo: {{connection: mem}}
        """))
    config.chmod(0o600)
    result = CliRunner().invoke(app, ["check", "--probe", "--config", str(config)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 4, result.output  # authentication failed
    assert "expired or was revoked" in result.output and "authorize again" in result.output
    assert "SECRET" not in result.output


def test_a_service_account_key_gives_calendar_credentials(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k1",
        "private_key": pem, "client_email": "synchub@p.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": "http://127.0.0.1:9/token"}))
    creds = load(None, str(path))
    assert creds.service_account_email == "synchub@p.iam.gserviceaccount.com"
    assert creds.scopes == ["https://www.googleapis.com/auth/calendar"]


def test_building_the_adapter_with_an_expired_token_makes_no_request(
        tmp_path: Path, sandbox: GcalSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: Google's token endpoint down when synchub starts must not stop the hub: the
    expired token is refreshed by the first API call (this endpoint's error alone), and the
    fresh one is still saved."""
    import google.auth._exponential_backoff as backoff

    naps: list[float] = []  # google-auth's own retries of the token endpoint, not slept here
    monkeypatch.setattr(backoff, "time", types.SimpleNamespace(sleep=naps.append))
    from adapters.base import EndpointContext
    from adapters.faults import FaultKind
    from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope

    path = _token_file(tmp_path, sandbox)
    sandbox.emu.faults.inject(FaultKind.OUTAGE, op="/token", count=None)
    sandbox.emu.reset_counts()
    adapter = GcalAdapterFactory().build(
        GcalConnection(base_url=sandbox.emu.base_url, token_file=str(path)),
        GcalScope(), EndpointContext(name="gcal", flow="t"))
    assert adapter.capabilities.fields and sandbox.emu.total_requests == 0
    with pytest.raises(Transient) as info:  # the token endpoint's 503: not "revoked"
        adapter.changes(None)
    assert "SECRET" not in str(info.value) and naps  # google-auth did retry before giving up
    sandbox.emu.faults.clear()
    assert adapter.changes(None).cursor is not None  # refreshed before the listing
    assert json.loads(path.read_text())["token"] != ACCESS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
