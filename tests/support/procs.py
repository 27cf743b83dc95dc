"""``synchub`` as separate processes running ``python -m hub`` (this worktree's code), output
to files (a full pipe never blocks a process), ``kill -9`` and SIGTERM by pid.

By default a process is forked from a :mod:`tests.support.zygote` that imported synchub once
(a fresh interpreter's imports cost 1.7 s of CPU a process); ``SYNCHUB_TEST_SPAWN=exec`` (the
nightly profile) starts a fresh interpreter for each instead.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SPAWN = os.environ.get("SYNCHUB_TEST_SPAWN", "fork")  # "fork" (default) or "exec"
ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict[str, str]:
    """The environment ``synchub`` processes get in tests: this one without ``SYNCHUB_*``
    (a test's own settings must not leak into the process under test), this worktree's code
    first on the path, plain wide output. (One environment: one fork server.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCHUB_")}
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1", COLUMNS="200")
    return env


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default range starts here; others start higher


def free_port() -> int:
    """A port nobody listens on, from below the system's ephemeral range.

    A port the system hands out for ``bind(0)`` comes from the ephemeral range, which every
    outgoing connection also draws its local port from: between this test choosing it and the
    daemon binding it, one of the thousands of client connections the tests make can take it
    (seen as "address already in use" under load). Below that range only another test's
    choice can collide, and a random pick among some 20,000 ports makes that rare."""
    floor = _ephemeral_floor()
    for _ in range(100):
        port = random.randrange(10000, floor) if floor > 11000 else 0
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port below the ephemeral range")


def wait_for(check: Callable[[], bool], timeout: float = 20.0, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(poll)
    return False



def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now (a daemon's ``/readyz``: up and serving)."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
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


class Zygote:
    """The fork server of this test process, started on first use and kept for the session.

    One for all callers, started with :func:`child_env` whatever the caller passes: each child
    gets its own environment, set before synchub runs. (Keyed by environment there was one a
    test, as pytest names the running test in ``PYTEST_CURRENT_TEST``: 2.5 s of CPU each.)
    Its own stderr goes to a file, not the terminal: rich decides at import whether stderr is
    a terminal that takes colour, and the children's stderr is a file."""

    _server: Zygote | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        fd, name = tempfile.mkstemp(prefix="synchub-zygote-", suffix=".log")
        self.log = Path(name)
        with open(fd, "wb") as log:
            self.popen = subprocess.Popen([sys.executable, "-m", "tests.support.zygote"],
                                          env=child_env(), stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=log)
        assert self.popen.stdout is not None and self.popen.stdin is not None
        self._in: IO[bytes] = self.popen.stdin
        self._out: IO[bytes] = self.popen.stdout
        self._ids = itertools.count(1)
        if not self._out.readline():
            raise RuntimeError(f"the fork server did not start (exit {self.popen.wait()}):\n"
                               + self.log.read_text(errors="replace")[-3000:])

    @classmethod
    def get(cls) -> Zygote:
        with cls._lock:
            if cls._server is None or not cls._server.alive():
                cls._server = cls()
            return cls._server

    def alive(self) -> bool:
        return self.popen.poll() is None

    def spawn(self, args: list[str], cwd: Path, env: dict[str, str], out: Path,
              err: Path) -> int:
        with self._lock:
            request = {"id": next(self._ids), "args": args, "cwd": str(cwd), "env": env,
                       "out": str(out), "err": str(err)}
            self._in.write(json.dumps(request).encode() + b"\n")
            self._in.flush()
            answer: dict[str, Any] = json.loads(self._out.readline() or b"{}")
        if answer.get("id") != request["id"] or "pid" not in answer:
            raise RuntimeError(f"the fork server could not start synchub {' '.join(args)}: "
                               f"{answer.get('error', answer)}")
        return int(answer["pid"])


class Proc:
    """A running ``synchub`` process with its output going to files (never a full pipe)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], tag: str) -> None:
        self.args = args
        self.out_path, self.err_path = cwd / f"{tag}.out", cwd / f"{tag}.err"
        self._exit_path = Path(f"{self.out_path}.exit")
        self._exit_path.unlink(missing_ok=True)  # a tag used again: not the last one's code
        self.popen: subprocess.Popen[bytes] | None = None
        self.zygote: Zygote | None = None
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            if SPAWN == "exec":
                self.popen = subprocess.Popen([sys.executable, "-m", "hub", *args], cwd=cwd,
                                              env=env, stdout=out, stderr=err,
                                              stdin=subprocess.DEVNULL)
        if self.popen is not None:
            self.pid = self.popen.pid
        else:
            self.zygote = Zygote.get()
            self.pid = self.zygote.spawn(args, cwd, env, self.out_path, self.err_path)

    def poll(self) -> int | None:
        if self.popen is not None:
            return self.popen.poll()
        try:
            return int(self._exit_path.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def running(self) -> bool:
        return self.poll() is None

    def output(self) -> str:
        return self.out_path.read_text(errors="replace") + self.err_path.read_text(
            errors="replace")

    def _wait(self, timeout: float) -> int:
        if self.popen is not None:
            return self.popen.wait(timeout)
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.01)
        return code

    def wait(self, timeout: float = 60.0) -> Done:
        try:
            code = self._wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise AssertionError(f"synchub {' '.join(self.args)} did not end in {timeout} s:"
                                 f"\n{self.output()[-3000:]}") from None
        return Done(self.args, code, self.out_path.read_text(errors="replace"),
                    self.err_path.read_text(errors="replace"))

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        self._wait(10)

    def term(self, timeout: float = 30.0) -> int:
        self.signal(signal.SIGTERM)
        return self._wait(timeout)

    def signal(self, signum: int) -> None:
        """Send ``signum`` unless the process has ended (and been reaped). Not when its fork
        server is gone: nobody reaps its children then, and the pid may be another's."""
        if self.zygote is not None and not self.zygote.alive():
            raise RuntimeError(f"the fork server died; not signalling pid {self.pid}:\n"
                               + self.zygote.log.read_text(errors="replace")[-3000:])
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)
