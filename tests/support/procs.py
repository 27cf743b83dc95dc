"""``synchub`` as separate processes: spawned with ``python -m hub`` (this worktree's code),
output to files (a full pipe never blocks a process), ``kill -9`` and SIGTERM by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 20.0, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(poll)
    return False



@dataclass
class Done:
    """A finished ``synchub`` process."""

    args: list[str]
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def __str__(self) -> str:
        return (f"$ synchub {' '.join(self.args)} -> exit {self.code}\n"
                f"--- stdout\n{self.out[-3000:]}\n--- stderr\n{self.err[-3000:]}")


class Proc:
    """A running ``synchub`` process with its output going to files (never a full pipe)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], tag: str) -> None:
        self.args = args
        self.out_path, self.err_path = cwd / f"{tag}.out", cwd / f"{tag}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.popen = subprocess.Popen([sys.executable, "-m", "hub", *args], cwd=cwd,
                                          env=env, stdout=out, stderr=err,
                                          stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.out_path.read_text(errors="replace") + self.err_path.read_text(
            errors="replace")

    def wait(self, timeout: float = 60.0) -> Done:
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"synchub {' '.join(self.args)} did not end in {timeout} s:"
                                 f"\n{self.output()[-3000:]}") from None
        return Done(self.args, code, self.out_path.read_text(errors="replace"),
                    self.err_path.read_text(errors="replace"))

    def kill9(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def term(self, timeout: float = 30.0) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout)
