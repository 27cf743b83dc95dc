"""Signals, in a real ``synchub run``-like process: the first SIGTERM/SIGINT stops within the
grace period, a second one exits at once (status 130).

The round in the child never returns and ignores ``should_stop`` (a request stuck on a dead
connection), so only the grace period or a second signal can end the process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.procs import free_port

ROOT = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent("""\
    import sys, threading
    from hub.daemon import service
    from hub.daemon.logs import setup_logging
    from hub.runtime import open_runtime

    def stuck(*a, **kw):
        print("round started", flush=True)
        threading.Event().wait()  # never returns, never looks at should_stop

    service.run_flow = stuck
    rt = open_runtime(sys.argv[1])
    setup_logging("info", "json", rt.redact)
    daemon = service.Daemon(rt)

    def watch():
        daemon.stop.wait()
        print("stopping", flush=True)

    threading.Thread(target=watch, daemon=True).start()
    sys.exit(daemon.serve())
    """)


def start(tmp_path: Path, grace: float) -> subprocess.Popen[str]:
    cfg = tmp_path / "synchub.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        state: {{url: "sqlite:///state.db"}}
        daemon: {{host: "127.0.0.1", port: {free_port()}, grace_seconds: {grace}}}
        connections:
          a: {{type: memory, service: a}}
          b: {{type: memory, service: b}}
        flows:
          work:
            interval: 1h
            endpoints: {{x: {{connection: a}}, y: {{connection: b}}}}
        """))
    cfg.chmod(0o600)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SYNCHUB_DAEMON_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(cfg)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "round started"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_second_signal_forces_exit(tmp_path: Path, sig: signal.Signals) -> None:
    proc = start(tmp_path, grace=3600)  # the grace period cannot be what ends it
    assert proc.stdout is not None
    try:
        proc.send_signal(sig)
        assert proc.stdout.readline().strip() == "stopping"
        assert proc.poll() is None  # first signal: still waiting for the round in flight
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_first_signal_stops_after_the_grace_period_and_names_the_round(tmp_path: Path) -> None:
    proc = start(tmp_path, grace=0.5)
    try:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1  # not a clean stop, but a stop
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any("still running: work" in r["msg"] for r in records)
