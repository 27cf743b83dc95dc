"""The test harness's ``synchub`` processes (tests/support/procs.py) behave as the processes
users start: their own pid, exit codes and signals as :mod:`subprocess` reports them, the
working directory and environment they were given. Both ways of starting them (forked from
the fork server, or ``SYNCHUB_TEST_SPAWN=exec``) go through the same class."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest

from hub import __version__
from tests.support.daemon_config import write_memory_config
from tests.support.procs import Proc, answers, child_env, free_port, wait_for


def test_a_command_runs_in_its_own_process_with_its_exit_code(tmp_path: Path) -> None:
    ok = Proc(["--version"], tmp_path, child_env(), "version")
    assert ok.pid != os.getpid()
    done = ok.wait(30)
    assert (done.code, done.out.strip()) == (0, f"synchub {__version__}")
    bad = Proc(["no-such-command"], tmp_path, child_env(), "bad").wait(30)
    assert bad.code == 2 and "no-such-command" in bad.err
    # a tag used again reports the new process, not the last one's code or output
    again = Proc(["--version"], tmp_path, child_env(), "bad")
    assert again.poll() in (None, 0)
    done = again.wait(30)
    assert done.code == 0 and "no-such-command" not in done.err, str(done)


def test_the_directory_and_environment_are_the_ones_given(tmp_path: Path) -> None:
    """A relative --config resolves in the process's directory; a ${VAR} in it comes from the
    process's environment, not the test's."""
    tag = uuid.uuid4().hex[:8]
    write_memory_config(tmp_path / "synchub.yaml", tag,
                        state='url: "sqlite:///${SYNCHUB_PROCS_STATE}"')
    env = {**child_env(), "SYNCHUB_PROCS_STATE": str(tmp_path / "given.db")}
    assert "SYNCHUB_PROCS_STATE" not in os.environ
    done = Proc(["sync", "--config", "synchub.yaml"], tmp_path, env, "sync").wait(60)
    assert done.code == 0, str(done)
    assert (tmp_path / "given.db").exists()


@pytest.mark.parametrize("how", ["kill9", "term"])
def test_signals_reach_the_process_and_its_end_is_reported(tmp_path: Path, how: str) -> None:
    tag = uuid.uuid4().hex[:8]
    path = write_memory_config(tmp_path / "synchub.yaml", tag,
                               state=f'url: "sqlite:///{tmp_path / "state.db"}"')
    port = free_port()
    daemon = Proc(["run", "--config", str(path), "--port", str(port)], tmp_path, child_env(),
                  "run")

    def ready() -> bool:
        return answers(f"http://127.0.0.1:{port}/readyz")

    assert wait_for(lambda: ready() or not daemon.running(), timeout=30), daemon.output()
    assert daemon.running(), daemon.output()
    if how == "kill9":
        daemon.kill9()
        assert daemon.poll() == -signal.SIGKILL
    else:
        assert daemon.term() == 0, daemon.output()
        assert "stopped cleanly" in daemon.output()
    assert not daemon.running() and not ready()
