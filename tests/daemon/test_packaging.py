"""The commands the Docker files run, run outside Docker (no engine here)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.healthcheck import main as healthcheck

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthcheck_command_against_a_live_server_and_a_dead_port() -> None:
    async def ok(request):  # type: ignore[no-untyped-def]
        return JSONResponse({"status": "ok"})

    port = _free_port()
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
    assert healthcheck([f"http://127.0.0.1:{_free_port()}/healthz"]) == 1


def test_dockerfile_runs_as_non_root_with_a_healthcheck_and_the_run_command() -> None:
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"^USER synchub$", text, re.M)
    hc = re.search(r'CMD \["python", "-m", "hub.healthcheck"\]', text)
    assert hc is not None
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    assert entry == ["synchub"] and cmd[0] == "run" and "--config" in cmd
    for copied in re.findall(r"^COPY (\S+) ", text, re.M):
        if not copied.startswith("--"):
            assert (ROOT / copied).exists(), copied


def test_cli_accepts_the_dockerfile_command_line() -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--config", "--host", "--port"):
        assert option in result.output


def test_systemd_unit_command_line_is_accepted_by_the_cli() -> None:
    from typer.testing import CliRunner

    from hub.cli import app

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
