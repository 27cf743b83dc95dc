"""A fork server for the process tests: ``python -m tests.support.zygote`` imports synchub's
code once, then forks a child per request that runs ``python -m hub ARGS`` from there.

Why: a fresh interpreter spends about 1.7 s of CPU importing synchub and the four official
clients before it does anything; the process tests start a few hundred ``synchub`` processes,
so on two cores that import alone was most of the suite's time. A child forked from here is
still its own operating-system process (its own pid, files, locks, signals; ``kill -9`` kills
it mid-write), and it runs exactly what ``python -m hub`` runs: ``hub/__main__.py`` through
:func:`runpy.run_module`, with ``sys.argv``, ``sys.path[0]``, the working directory, the
environment and fds 0-2 set up as a fresh process has them, leaving through the
interpreter's normal exit (atexit handlers, flushed streams). What it skips is the
interpreter start and the imports, which happened here, before any thread, socket or file of
synchub's existed; with them, what an import reads from the environment (rich's console
width and colour) is the server's: it starts with :func:`tests.support.procs.child_env`,
whose COLUMNS and NO_COLOR every child shares. The nightly profile
(``SYNCHUB_TEST_SPAWN=exec``) and the tests of the installed command
(``tests/cli/test_sandbox.py``, ``tests/daemon/test_packaging.py``) start fresh interpreters.

Protocol (one JSON object a line on stdin, the answer a line on stdout): a request is
``{"id": N, "args": [...], "cwd": ..., "env": {...}, "out": path, "err": path}``; the
answer is ``{"id": N, "pid": P}``, or ``{"id": N, "error": ...}`` when the fork failed.
When a child ends, its exit code (negative: the signal that killed it, as :mod:`subprocess`
reports it) is written to ``<out>.exit``. The server ends when its stdin closes.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import runpy
import select
import sys
from typing import Any

PACKAGES = ("hub", "adapters", "mappings")


def preload() -> None:
    """Import every module of synchub's packages (not ``__main__``s: they would run)."""
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)


def _reap(children: dict[int, str]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        out = children.pop(pid, None)
        if out is not None:
            try:
                tmp = f"{out}.exit.tmp"
                with open(tmp, "w") as f:
                    f.write(str(os.waitstatus_to_exitcode(status)))
                os.replace(tmp, f"{out}.exit")  # the reader never sees half a code
            except OSError as exc:  # its directory removed: nobody waits for it any more
                print(f"zygote: exit of {pid} not recorded: {exc}", file=sys.stderr)


def serve() -> dict[str, Any]:
    """Answer requests until stdin closes (then exit); return a request in a forked child."""
    children: dict[int, str] = {}
    buffer = b""
    while True:
        ready, _, _ = select.select([0], [], [], 0.02)
        _reap(children)
        if not ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            for pid in children:  # the test process is gone: leave nothing running
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
            sys.exit(0)
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            try:
                pid = os.fork()
            except OSError as exc:  # (EAGAIN under load): that spawn fails, not the server
                os.write(1, json.dumps({"id": request["id"], "error": str(exc)}).encode()
                         + b"\n")
                continue
            if pid == 0:
                return dict(request)
            children[pid] = request["out"]
            os.write(1, json.dumps({"id": request["id"], "pid": pid}).encode() + b"\n")


def become(request: dict[str, Any]) -> None:
    """Turn this forked child into ``python -m hub ARGS`` as a fresh process would start."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for fd, target in ((devnull, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["-m", *request["args"]]
    sys.path[0] = request["cwd"]  # what `python -m` puts first: the working directory
    runpy.run_module("hub", run_name="__main__", alter_sys=True)


def main() -> None:
    gc.disable()  # no collection between the imports and the forks ...
    preload()
    gc.freeze()  # ... and the children's collections never walk (and copy) the imported
    # objects' pages; reference counting still copies the pages of objects a child uses
    gc.enable()
    os.write(1, b'{"ready": true}\n')
    become(serve())


if __name__ == "__main__":
    main()
