"""The daemon assembled from a config: rounds run, the web side answers, stop is clean."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from adapters.memory import get_service
from hub.daemon.logs import setup_logging
from hub.daemon.service import Daemon
from hub.daemon.web import create_app
from hub.errors import ConfigError
from hub.model import Item
from hub.runtime import open_runtime
from tests.support.daemon_config import write_memory_config
from tests.support.procs import Proc, answers, child_env, wait_for


def config(tmp_path: Path, host: str = "127.0.0.1", token: str = "") -> tuple[Path, str]:
    tag = uuid.uuid4().hex[:8]
    daemon = f'host: "{host}"' + (f", token: {token}" if token else "")
    return write_memory_config(tmp_path / "synchub.yaml", tag, state='url: "sqlite:///state.db"',
                               daemon=daemon), tag


def test_daemon_syncs_serves_and_stops_cleanly(tmp_path: Path) -> None:
    path, tag = config(tmp_path)
    get_service(f"a-{tag}").user_create(Item(title="from a"))
    daemon = Daemon(open_runtime(str(path)))
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(daemon.serve_without_signals()))
    t.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not get_service(f"b-{tag}").live():
            time.sleep(0.05)
        assert [i.title for i in get_service(f"b-{tag}").live().values()] == ["from a"]
        base = f"http://127.0.0.1:{daemon.port}"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(base + "/").read().decode()
                break
            except OSError:
                time.sleep(0.05)
        assert "work" in page and "synchub" in page
        metrics = urllib.request.urlopen(base + "/metrics").read().decode()
        assert 'synchub_rounds_total{flow="work",status="ok"}' in metrics
        assert urllib.request.urlopen(base + "/readyz").status == 200
    finally:
        daemon.stop.set()
        t.join(15)
    assert result == [0]
    from hub.store import open_store

    state = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    assert state.try_lease("work", "another-replica", 60)  # released on stop
    state.close()


def test_binding_beyond_loopback_requires_a_token(tmp_path: Path) -> None:
    path, _ = config(tmp_path, host="0.0.0.0")
    try:
        Daemon(open_runtime(str(path)))
    except ConfigError as exc:
        assert "daemon.token" in str(exc)
    else:
        raise AssertionError("a daemon on 0.0.0.0 without a token must be refused")


def test_web_server_logs_are_json_and_masked(tmp_path: Path, restore_loggers: None) -> None:
    """uvicorn runs with synchub's logging: its lines are JSON, and the token a browser puts
    in the query string is masked in the access line."""
    token = "tok-web-2b7e41"
    path, _ = config(tmp_path, token=token)
    rt = open_runtime(str(path))
    stream = io.StringIO()
    setup_logging("debug", "json", rt.redact, stream=stream)
    daemon = Daemon(rt)
    t = threading.Thread(target=daemon.serve_without_signals)
    t.start()
    try:
        base = f"http://127.0.0.1:{daemon.port}"
        for _ in range(100):
            try:
                assert urllib.request.urlopen(f"{base}/?token={token}").status == 200
                break
            except OSError:
                time.sleep(0.05)
    finally:
        daemon.stop.set()
        t.join(15)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    loggers = {r["logger"] for r in records}
    assert {"uvicorn.error", "uvicorn.access", "synchub.daemon"} <= loggers
    access = [r["msg"] for r in records if r["logger"] == "uvicorn.access"]
    assert any("GET /?token=*** HTTP/1.1" in m and "200" in m for m in access)
    assert token not in stream.getvalue()


def test_token_from_the_environment_is_enough_beyond_loopback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """config/.env.example: SYNCHUB_DAEMON_TOKEN alone protects a daemon on 0.0.0.0."""
    monkeypatch.setenv("SYNCHUB_DAEMON_TOKEN", "tok-env-31337")
    path, _ = config(tmp_path, host="0.0.0.0")
    rt = open_runtime(str(path))
    daemon = Daemon(rt)
    assert daemon.token == "tok-env-31337"
    assert rt.redact("Bearer tok-env-31337") == "Bearer ***"  # never printed
    client = TestClient(create_app(daemon.web_state()), base_url="http://127.0.0.1")
    assert client.get("/status.json").status_code == 401
    assert client.get("/status.json?token=tok-env-31337").status_code == 200
    rt.close()


def test_config_token_wins_over_the_environment(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCHUB_DAEMON_TOKEN", "tok-env-31337")
    path, _ = config(tmp_path, host="0.0.0.0", token="tok-config-4242")
    rt = open_runtime(str(path))
    assert Daemon(rt).token == "tok-config-4242"
    rt.close()


def test_empty_environment_token_counts_as_unset(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCHUB_DAEMON_TOKEN", "")  # as copied from .env.example
    path, _ = config(tmp_path, host="0.0.0.0")
    with pytest.raises(ConfigError, match="SYNCHUB_DAEMON_TOKEN"):
        Daemon(open_runtime(str(path)))


def test_synchub_run_accepts_the_environment_token(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`SYNCHUB_DAEMON_TOKEN=x synchub run --host 0.0.0.0` used to exit 2 (config error)."""
    from typer.testing import CliRunner

    from hub.cli.main import app

    served: list[str | None] = []
    monkeypatch.setattr(Daemon, "serve", lambda self: served.append(self.token) or 0)
    path, _ = config(tmp_path)
    runner = CliRunner()
    monkeypatch.delenv("SYNCHUB_DAEMON_TOKEN", raising=False)
    refused = runner.invoke(app, ["run", "--config", str(path), "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and served == []
    monkeypatch.setenv("SYNCHUB_DAEMON_TOKEN", "tok-env-31337")
    result = runner.invoke(app, ["run", "--config", str(path), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert served == ["tok-env-31337"]
    assert "tok-env-31337" not in result.output


def test_a_taken_port_stops_the_start_before_any_round(tmp_path: Path) -> None:
    """uvicorn only logged the failed bind: the daemon went on syncing with no status page,
    no webhooks and a health check that could never pass (seen in the process tests)."""
    path, tag = config(tmp_path)
    get_service(f"a-{tag}").user_create(Item(title="from a"))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        daemon = Daemon(open_runtime(str(path)), port=port)
        raised: list[BaseException] = []

        def serve() -> None:
            try:
                daemon.serve_without_signals()
            except ConfigError as exc:
                raised.append(exc)

        t = threading.Thread(target=serve)
        t.start()
        t.join(10)
        daemon.stop.set()  # (ends it if it went on serving without its port)
        t.join(15)
        assert raised, "the daemon started without its port"
        message = str(raised[0])
        assert f"127.0.0.1:{port}" in message and "daemon.port" in message, message
        assert "--port" in message
        assert get_service(f"b-{tag}").live() == {}  # no round ran
        # as users run it: exit 2 (a setting to change), the reason on stderr
        done = Proc(["run", "--config", str(path), "--port", str(port)], tmp_path,
                    child_env(), "run").wait(30)
    assert done.code == 2, str(done)
    assert f"127.0.0.1:{port}" in done.err and "in use" in done.err, done.err


def test_port_0_serves_on_every_address_of_the_host_on_a_port_the_system_chose(
        tmp_path: Path) -> None:
    """``localhost`` is each address it resolves to (127.0.0.1 and, where the host has it,
    ::1), all on the one port the system chose for the first."""
    path, _ = config(tmp_path)
    daemon = Daemon(open_runtime(str(path)), host="localhost", port=0)
    t = threading.Thread(target=daemon.serve_without_signals)
    t.start()
    try:
        deadline = time.monotonic() + 10
        while daemon.port == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert daemon.port != 0
        addresses = {i[4][0] for i in socket.getaddrinfo("localhost", daemon.port,
                                                         type=socket.SOCK_STREAM)}
        assert "127.0.0.1" in addresses
        for address in addresses:
            host = f"[{address}]" if ":" in address else address
            url = f"http://{host}:{daemon.port}/readyz"
            assert wait_for(lambda url=url: answers(url), timeout=10), address
    finally:
        daemon.stop.set()
        t.join(15)
    assert not t.is_alive()
