"""`synchub sandbox` as a user runs it: a subprocess that prints a ready line, a config that
`synchub check` accepts and `synchub sync` runs against, webhook secrets to try signed
deliveries with, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import queue
import re
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.cli import sandbox as sbx
from tests.support.procs import free_port

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "COLUMNS": "200",
       "NO_COLOR": "1"}



def synchub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``synchub sandbox`` started in a subprocess; yields once it printed its ready line."""
    directory = tmp_path / "box"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "sandbox", "--dir", str(directory), "--port",
         str(free_port())], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or ()],
                     daemon=True).start()
    seen: list[str] = []
    try:
        while not any("Ctrl-C here stops" in x for x in seen):  # the ready message's end
            try:
                seen.append(lines.get(timeout=60))
            except queue.Empty:
                raise AssertionError(f"no ready line; output so far: {seen}") from None
        yield {"proc": proc, "dir": directory, "path": directory / "synchub.yaml",
               "output": seen, "cwd": tmp_path}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_sandbox_config_checks_syncs_and_stops_cleanly(running: dict[str, Any]) -> None:
    path, cwd = running["path"], running["cwd"]
    out = "".join(running["output"])
    for name in ("jira", "todoist", "notion", "gcal"):
        assert re.search(rf"{name}\s+http://127\.0\.0\.1:\d+", out), out
    assert f"synchub run --config {path}" in out

    # The written config holds the emulators' tokens and generated webhook secrets: 0600.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = sbx.read_config(path)
    webhook_secrets = [c["webhook_secret"] for c in data["connections"].values()]
    assert len(webhook_secrets) == 4 and len(set(webhook_secrets)) == 4
    assert all(len(s) >= 24 for s in webhook_secrets)

    check = synchub("check", "-c", str(path), cwd=cwd)
    assert check.returncode == 0, check.stdout + check.stderr

    first = synchub("sync", "-c", str(path), cwd=cwd)
    assert first.returncode == 0, first.stdout + first.stderr
    # the 4 seeded tasks reach the two other task services (8), the calendar event reaches
    # all three (3), and the one dated issue becomes a calendar event (1)
    assert "created 12," in first.stdout, first.stdout
    again = synchub("sync", "-c", str(path), cwd=cwd)
    assert again.returncode == 0 and "writes 0" in again.stdout, again.stdout
    assert (running["dir"] / "synchub-state.db").exists()  # state next to the config
    for secret in webhook_secrets:  # never echoed
        assert secret not in first.stdout + first.stderr + again.stdout + check.stdout

    running["proc"].send_signal(signal.SIGTERM)
    assert running["proc"].wait(timeout=30) == 0


def test_a_rewritten_sandbox_config_is_private_again(tmp_path: Path) -> None:
    boxes = sbx.start()
    try:
        (tmp_path / "synchub.yaml").write_text("old")
        (tmp_path / "synchub.yaml").chmod(0o644)
        path = sbx.config(boxes, tmp_path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert sbx.read_config(path)["flows"]["sandbox"]["endpoints"].keys() == set(boxes)
    finally:
        for b in boxes.values():
            b.stop()
