"""End to end: ``synchub run`` as a subprocess over the four emulators (the sandbox).

Edits made in each emulator reach the others; webhook signatures are checked; SIGTERM stops
the daemon cleanly and a restart finds nothing left to do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub import sandbox as sbx
from hub.model import DateOnly


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    boxes = sbx.start()
    sbx.seed(boxes)
    port = _port()
    path = sbx.config(boxes, tmp_path, interval="1s", port=port)
    data = sbx.read_config(path)
    data["connections"]["todoist"]["webhook_secret"] = "client-secret"
    path.write_text(json.dumps(data))
    yield {"boxes": boxes, "path": path, "port": port, "dir": tmp_path}
    for b in boxes.values():
        b.stop()


def start_daemon(world: dict[str, Any]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "run", "--config", str(world["path"]),
         "--log-format", "json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def writes(base: str) -> float:
    """Total successful writes, from the daemon's own Prometheus metrics."""
    _, text = get(base + "/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.decode().splitlines()
               if line.startswith("synchub_writes_total{"))


def titles(box: Any) -> set[str]:
    return {i.title for i in box.items().values()}


def test_daemon_converges_checks_signatures_and_stops_cleanly(world: dict[str, Any]) -> None:
    boxes, base = world["boxes"], f"http://127.0.0.1:{world['port']}"
    proc = start_daemon(world)
    try:
        wait_for(lambda: get(base + "/readyz")[0] == 200)
        wanted = {"Fix login timeout", "Prepare sprint review", "Book team offsite"}
        wait_for(lambda: all(titles(boxes[n]) >= wanted for n in ("jira", "todoist", "notion")))
        # "Fix login timeout" has a date, so the calendar has it as a block
        wait_for(lambda: "Fix login timeout" in titles(boxes["gcal"]))

        # An edit in each service reaches the others.
        notion, jira = boxes["notion"], boxes["jira"]
        ref = next(r for r, i in notion.items().items() if i.title == "Book team offsite")
        notion.user_edit(ref, title="Book team offsite (Lisbon)")
        wait_for(lambda: "Book team offsite (Lisbon)" in titles(boxes["todoist"]))
        ref = next(r for r, i in jira.items().items() if i.title == "Fix login timeout")
        jira.user_edit(ref, due=DateOnly(date=__import__("datetime").date(2027, 1, 4)))
        wait_for(lambda: any(str(i.due) == "2027-01-04" for i in boxes["gcal"].items().values()))

        # Webhooks: a bad signature is refused, a good one accepted (and only makes a round due).
        body = json.dumps({"event_name": "item:updated", "event_data": {"id": "1"}}).encode()
        sig = base64.b64encode(hmac.new(b"client-secret", body, hashlib.sha256).digest())
        assert post(base + "/webhooks/todoist", body, {"X-Todoist-Hmac-SHA256": "bad"}) == 401
        assert post(base + "/webhooks/todoist", body,
                    {"X-Todoist-Hmac-SHA256": sig.decode()}) == 200
        assert post(base + "/webhooks/notion", b"{}", {}) == 401

        # A repeated notice is a hint, not data: three deliveries cost rounds, not writes.
        time.sleep(1.5)
        before = writes(base)
        for _ in range(3):
            assert post(base + "/webhooks/todoist", body,
                        {"X-Todoist-Hmac-SHA256": sig.decode()}) == 200
        time.sleep(2.5)
        assert writes(base) == before

        # The status page and the metrics.
        status, page = get(base + "/")
        assert status == 200 and b"sandbox" in page and b"<table" in page
        status, metrics = get(base + "/metrics")
        assert status == 200 and b"synchub_rounds_total" in metrics

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # finished the round in flight, committed, left
    finally:
        if proc.poll() is None:
            proc.kill()

    # A restart resumes from the committed state: nothing to write, nothing duplicated.
    before = {n: titles(b) for n, b in boxes.items()}
    proc = start_daemon(world)
    try:
        wait_for(lambda: get(base + "/readyz")[0] == 200)
        time.sleep(2.5)  # a couple of rounds
        assert {n: titles(b) for n, b in boxes.items()} == before
        assert all(len(b.items()) == len(titles(b)) for b in boxes.values())  # no duplicates
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
