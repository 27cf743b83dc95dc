"""The commands the Docker files run, run outside Docker (no engine here)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.cli import sandbox as sbx
from hub.cli.healthcheck import main as healthcheck
from tests.support.procs import free_port

ROOT = Path(__file__).resolve().parents[2]



def test_healthcheck_command_against_a_live_server_and_a_dead_port() -> None:
    async def ok(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"status": "ok"})

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/healthz", ok)]),
                                           host="127.0.0.1", port=port, log_level="error"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        assert healthcheck([f"http://127.0.0.1:{port}/healthz"]) == 0
    finally:
        server.should_exit = True
        t.join(5)
    assert healthcheck([f"http://127.0.0.1:{free_port()}/healthz"]) == 1


def test_dockerfile_runs_as_non_root_with_a_healthcheck_and_the_run_command() -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"^USER synchub$", text, re.M)
    hc = re.search(r'CMD \["python", "-m", "hub.cli.healthcheck"\]', text)
    assert hc is not None
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    assert entry == ["synchub"] and cmd[0] == "run" and "--config" in cmd
    for copied in re.findall(r"^COPY (\S+) ", text, re.M):
        if not copied.startswith("--"):
            assert (ROOT / copied).exists(), copied


def test_cli_accepts_the_dockerfile_command_line() -> None:
    from typer.testing import CliRunner

    from hub.cli.main import app

    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--config", "--host", "--port"):
        assert option in result.output


def test_systemd_unit_command_line_is_accepted_by_the_cli() -> None:
    from typer.testing import CliRunner

    from hub.cli.main import app

    unit = (ROOT / "config" / "synchub.service").read_text()
    exec_start = re.search(r"^ExecStart=\S+ (.*)$", unit, re.M)
    assert exec_start is not None
    args = exec_start.group(1).split()
    assert args[0] == "run"
    options = [a for a in args if a.startswith("--")]
    help_text = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "200"}).output
    for option in options:
        assert option in help_text, option
    assert "KillSignal=SIGTERM" in unit and "UMask=0077" in unit


# -- what the container runs, run here: the Dockerfile's CMD and HEALTHCHECK, compose's env ----

PG_URL = os.environ.get("SYNCHUB_TEST_POSTGRES_URL")
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text()


def compose() -> dict[str, Any]:
    from ruamel.yaml import YAML

    data: dict[str, Any] = YAML(typ="safe").load((ROOT / "docker" / "compose.yaml").read_text())
    return data


def container_command(config: Path, port: int) -> list[str]:
    """ENTRYPOINT + CMD from the Dockerfile, with the mounted config and the port swapped for
    a sandbox config and a free port (the host, 0.0.0.0, is kept)."""
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", DOCKERFILE, re.M).group(1))  # type: ignore[union-attr]
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1))  # type: ignore[union-attr]
    assert entry == ["synchub"]
    args = list(cmd)
    args[args.index("--config") + 1] = str(config)
    args[args.index("--port") + 1] = str(port)
    return [sys.executable, "-m", "hub", *args]  # `synchub` is hub.cli.main:main (pyproject)


def healthcheck_command() -> list[str]:
    hc = json.loads(re.search(r"HEALTHCHECK .*\\\n\s*CMD (\[.*\])$", DOCKERFILE,  # type: ignore[union-attr]
                              re.M).group(1))
    assert hc[0] == "python"
    return [sys.executable, *hc[1:]]


def healthy(port: int) -> bool:
    env = {**os.environ, "SYNCHUB_PORT": str(port)}
    return subprocess.run(healthcheck_command(), env=env, timeout=30).returncode == 0


def wait_for(check: Any, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        assert proc.poll() is None, (proc.stdout.read() if proc.stdout else b"").decode()
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def http(url: str, headers: dict[str, str] | None = None) -> int:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def rounds_done(base: str, token: str) -> float:
    """Rounds the daemon has finished, whatever their status (its Prometheus counter)."""
    req = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        text = r.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("synchub_rounds_total{"))


@pytest.fixture
def sandbox_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    boxes = sbx.start()
    sbx.seed(boxes)
    path = sbx.config(boxes, tmp_path / "config", interval="1s")
    yield {"boxes": boxes, "path": path}
    for b in boxes.values():
        b.stop()


def run_container(path: Path, port: int, **env: str) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("SYNCHUB_DAEMON_TOKEN", "SYNCHUB_STATE_URL")}
    return subprocess.Popen(container_command(path, port), cwd=path.parent,
                            env={**environ, "PYTHONPATH": str(ROOT), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def serve_and_check(world: dict[str, Any], **env: str) -> None:
    """The container's command with compose's token: healthy, token-protected, syncing, and
    stopping cleanly on SIGTERM (what `docker stop` sends)."""
    port, token = free_port(), "compose-token-0123456789"
    proc = run_container(world["path"], port, SYNCHUB_DAEMON_TOKEN=token, **env)
    try:
        wait_for(lambda: healthy(port), proc)
        base = f"http://127.0.0.1:{port}"
        assert http(base + "/") == 401  # bound to 0.0.0.0: the token protects the page
        assert http(f"{base}/?token={token}") == 200
        assert http(base + "/metrics", {"Authorization": f"Bearer {token}"}) == 200
        boxes = world["boxes"]
        wait_for(lambda: {"Book team offsite", "Fix login timeout"} <= {
            i.title for i in boxes["notion"].items().values()}, proc)
        # and the round finished: a SIGTERM mid-round stops after the write in flight (the
        # rest is the next start's), so a test stopping it there finds some items unlinked
        wait_for(lambda: rounds_done(base, token) >= 1, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert not healthy(port)  # and the healthcheck notices a dead daemon


def test_container_command_with_the_compose_token_serves_and_passes_its_healthcheck(
        sandbox_config: dict[str, Any]) -> None:
    serve_and_check(sandbox_config)
    # SQLite state next to the config (the image's default without compose's PostgreSQL)
    assert (sandbox_config["path"].parent / "synchub-state.db").exists()


def test_container_command_without_a_token_refuses_to_start_and_says_why(
        sandbox_config: dict[str, Any]) -> None:
    proc = run_container(sandbox_config["path"], free_port())
    out = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 2, out
    assert "SYNCHUB_DAEMON_TOKEN" in out


def test_container_command_keeps_state_in_postgresql(sandbox_config: dict[str, Any]) -> None:
    if not PG_URL:
        pytest.skip("set SYNCHUB_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test "
                    "to run the container command against PostgreSQL (compose's state)")
    import psycopg

    from hub.store import open_store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={schema}"
    try:
        serve_and_check(sandbox_config, SYNCHUB_STATE_URL=url)
        store = open_store(url)
        try:
            assert len(store.load_links("sandbox")) == 5  # the five seeded items, linked
        finally:
            store.close()
        assert not (sandbox_config["path"].parent / "synchub-state.db").exists()
    finally:
        with psycopg.connect(PG_URL) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_compose_runs_three_replicas_of_the_image_with_a_token_and_postgresql_state(
        ) -> None:
    spec = compose()
    apps = {name: app for name, app in spec["services"].items() if name.startswith("synchub")}
    assert sorted(apps) == ["synchub-1", "synchub-2", "synchub-3"]
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1))  # type: ignore[union-attr]
    port = cmd[cmd.index("--port") + 1]
    published = []
    for app in apps.values():
        assert "command" not in app and "entrypoint" not in app  # the Dockerfile's CMD runs
        env = app["environment"]
        assert env["SYNCHUB_DAEMON_TOKEN"].startswith("${SYNCHUB_DAEMON_TOKEN:?")  # fails early
        assert env["SYNCHUB_STATE_URL"].startswith("postgresql://") and "@db:5432/" in \
            env["SYNCHUB_STATE_URL"]  # one state for all three
        assert "db" in app["depends_on"]
        mount = next(v for v in app["volumes"] if v.endswith(":ro"))
        source, target, _ = mount.split(":")
        assert (ROOT / "docker" / source).resolve().parent == ROOT / "config"
        assert cmd[cmd.index("--config") + 1] == target
        [line] = app["ports"]
        host, outside, inside = line.split(":")
        assert host == "127.0.0.1" and inside == port  # only this machine, the CMD's port
        published.append(outside)
        assert app["hostname"]  # the replica's name among the others
    assert len(set(published)) == 3 and published[0] == port  # no two publish one port
    assert len({a["hostname"] for a in apps.values()}) == 3
    assert spec["services"]["db"]["volumes"][0].startswith("synchub-db:") and \
        "synchub-db" in spec["volumes"]
    assert re.search(rf"^ENV .*SYNCHUB_PORT={port}\b", DOCKERFILE, re.M)  # the healthcheck's
    # every variable compose or the example config needs is in .env.example
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / "config" / ".env.example")
                                .read_text(), re.M))
    assert {"SYNCHUB_DAEMON_TOKEN", "POSTGRES_PASSWORD"} <= documented


def test_three_container_commands_on_one_postgresql_share_the_flows(
        sandbox_config: dict[str, Any]) -> None:
    """What compose runs, outside Docker: the container's command three times with compose's
    token and one PostgreSQL state (each on a port of its own here, as each container has its
    own network); all three announce themselves, the flow is run by exactly one, items sync,
    and each stops cleanly on SIGTERM and leaves the store's list of live replicas."""
    if not PG_URL:
        pytest.skip("set SYNCHUB_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test "
                    "to run the container command against PostgreSQL (compose's state)")
    import psycopg

    from hub.store import open_store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={schema}"
    token = "compose-token-0123456789"
    ports = [free_port() for _ in range(3)]
    procs = [run_container(sandbox_config["path"], p, SYNCHUB_DAEMON_TOKEN=token,
                           SYNCHUB_STATE_URL=url) for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_for(lambda port=port: healthy(port), proc)
        boxes = sandbox_config["boxes"]
        wait_for(lambda: {"Book team offsite", "Fix login timeout"} <= {
            i.title for i in boxes["notion"].items().values()}, procs[0])
        store = open_store(url)
        try:
            wait_for(lambda: len(store.replicas_alive()) == 3, procs[0])
            holders = store.lease_holders()
            assert list(holders) == ["sandbox"]
            assert holders["sandbox"].endswith(tuple(f":{p.pid}" for p in procs))
            # the holder's first round is over (the others count no rounds: not theirs)
            wait_for(lambda: sum(rounds_done(f"http://127.0.0.1:{p}", token)
                                 for p in ports) >= 1, procs[0])
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            assert [proc.wait(timeout=40) for proc in procs] == [0, 0, 0]
            assert store.replicas_alive() == [] and store.lease_holders() == {}
            assert len(store.load_links("sandbox")) == 5  # no duplicate link
        finally:
            store.close()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        with psycopg.connect(PG_URL) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_systemd_unit_writes_only_where_state_goes() -> None:
    unit = (ROOT / "config" / "synchub.service").read_text()
    config = Path(re.search(r"--config (\S+)", unit).group(1))  # type: ignore[union-attr]
    paths = re.search(r"^ReadWritePaths=(.*)$", unit, re.M).group(1).split()  # type: ignore[union-attr]
    # a path without "-" must exist or the unit fails to start: only the config's directory
    assert [p for p in paths if not p.startswith("-")] == [str(config.parent)]
    assert re.search(r"^EnvironmentFile=-", unit, re.M)
    # the example config's state file is relative, so it lands next to the config
    from ruamel.yaml import YAML

    example = YAML(typ="safe").load((ROOT / "mappings" / "presets" / "example.yaml").read_text())
    state = example["state"]["url"]
    assert state.startswith("sqlite:///") and not state.startswith("sqlite:////")
    assert "/" not in state[len("sqlite:///"):]
