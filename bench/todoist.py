"""Todoist benchmark, both directions, with Todoist's per-user request limits on in the
emulator (1,000 requests and 100 full syncs a 15 minutes: adapters/todoist/emu_quota.py) and
the client's pacing under them (adapters/todoist/quota.py); nothing switched off.

- **push**: N items (default 2,000) made in an in-memory service are created into Todoist,
  the round after lists those creates back once (an incremental sync lists our own writes
  too), a quiet round, then 1% of the items are edited in memory and updated into Todoist,
  and the round that lists those updates back;
- **pull**: N tasks made in Todoist are synced into the in-memory service, then a quiet
  round, 1% edited in Todoist, and a quiet round again.

Per operation it prints the Todoist requests that wrote (``/sync`` with commands) and those
that read, each beside its floor (the fewest Todoist allows: 100 commands a request, and a
create is one command since its marker rides in the task; a sync answers every change in one
request, unpaged; a first listing also reads the completed tasks a full sync leaves out, 200
a page), their ratios, the total, the 429s the limits answered, wall time, the process's
peak RSS and the writes the round made (into either side).

    python -m bench todoist [--tasks N] [--no-push] [--no-pull]
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

from adapters.base import EndpointContext
from adapters.memory import MemoryAdapter, MemoryService
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope
from adapters.todoist.adapter import BATCH
from adapters.todoist.client import PAGE
from adapters.todoist.emulator import TodoistEmulator
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store

SYNC = "/api/v1/sync"
#: a first listing: the full sync and the completed tasks' first page
FIRST_LISTING = 2


def _pages(n: int, size: int) -> int:
    return max(1, math.ceil(n / size))


def _ratio(made: int, floor: int) -> str:
    if floor == 0:
        return "-" if made == 0 else "inf"
    return f"{made / floor:.2f}x"


HEADER = (f"{'operation':<18} {'write':>5} {'floor':>5} {'ratio':>6} {'read':>5} {'floor':>5} "
          f"{'ratio':>6} {'total':>6} {'429s':>5} {'wall':>8} {'RSS MiB':>7}  {'synced':>6}")


class Bench:
    """One emulator (Todoist's limits on), a memory service and a flow between them."""

    def __init__(self) -> None:
        self.emu = TodoistEmulator()
        self.emu.start()
        self.emu.set_quota()  # Todoist's limits: on in the bench (the default, said aloud)
        self.project = self.emu.add_project("Work")
        self.todoist = TodoistAdapterFactory().build(
            TodoistConnection.model_validate({"token": self.emu.token,
                                              "base_url": self.emu.base_url}),
            TodoistScope(project="Work"), EndpointContext(name="todoist", flow="bench"))
        self.mem = MemoryService(name="bench-todoist-mem")
        self.adapters: dict[str, Any] = {"mem": MemoryAdapter(self.mem, name="mem"),
                                         "todoist": self.todoist}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters}, mass_change_limit=1.0)
        self.store = open_store("sqlite://:memory:")
        self.store.migrate()

    def round_(self, label: str, writes_floor: int, reads_floor: int) -> None:
        """One round; its Todoist requests split into writes (a ``/sync`` carrying
        commands) and reads (everything else), each beside its floor."""
        emu, quota = self.emu, self.emu.quota
        emu.reset_counts()
        limited = quota.limited if quota else 0
        t0 = time.perf_counter()
        rep = run_flow("bench", self.cfg, self.adapters, self.store)
        wall = time.perf_counter() - t0
        with emu.lock:
            writes = sum(1 for (method, path), body in zip(emu.request_log, emu.request_bodies,
                                                            strict=True)
                         if method == "POST" and path == SYNC and b"commands=" in body)
            total = emu.total_requests
        reads = total - writes
        answered = (quota.limited if quota else 0) - limited
        print(f"{label:<18} {writes:5d} {writes_floor:5d} {_ratio(writes, writes_floor):>6} "
              f"{reads:5d} {reads_floor:5d} {_ratio(reads, reads_floor):>6} {total:6d} "
              f"{answered:5d} {wall:7.2f}s {peak_rss_mib():7.1f}  {rep.counts['writes']:6d} "
              f"{rep.status}", flush=True)

    def close(self) -> None:
        self.todoist.close()
        self.store.close()
        self.emu.stop()


def push(n: int) -> None:
    b = Bench()
    refs = [b.mem.user_create(Item(title=f"task {i}", priority=1 + i % 4, labels=[f"l{i % 5}"],
                                   description=f"notes {i}" if i % 2 else None))
            for i in range(n)]
    edited = max(1, n // 100)
    print(f"-- push: {n} items from memory into Todoist, then {edited} updated", flush=True)
    print(HEADER)
    b.round_("create", _pages(n, BATCH), FIRST_LISTING)  # one command a create
    b.round_("list own creates", 0, 1)  # one incremental sync lists them all
    b.round_("quiet", 0, 1)
    for i, ref in enumerate(refs[:edited]):
        b.mem.user_edit(ref, title=f"edited {i}")
    b.round_("update 1%", _pages(edited, BATCH), 1)
    b.round_("list own updates", 0, 1)
    b.close()


def pull(n: int) -> None:
    b = Bench()
    for i in range(n):
        b.emu.add_item(b.project, f"task {i}", priority=1 + i % 4, labels=[f"l{i % 5}"])
    edited = max(1, n // 100)
    print(f"-- pull: {n} tasks from Todoist into memory, then {edited} edited in Todoist",
          flush=True)
    print(HEADER)
    b.round_("initial", 0, FIRST_LISTING)
    b.round_("quiet", 0, 1)
    for i, tid in enumerate(list(b.emu.items)[:edited]):
        b.emu.edit_item(tid, content=f"edited in Todoist {i}")
    b.round_("1% edited", 0, 1)
    b.round_("quiet again", 0, 1)
    b.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench todoist")
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--no-push", action="store_true")
    ap.add_argument("--no-pull", action="store_true")
    args = ap.parse_args(argv or [])
    if not args.no_push:
        push(args.tasks)
    if not args.no_pull:
        pull(args.tasks)
    print(f"note: Todoist's limits are on (1,000 requests and 100 full syncs a user per 15 "
          f"minutes; 100 commands a request): the client paces every request under them and "
          f"a 429 is waited out. Reads beyond the floor are the project's id, looked up once "
          f"a process (the state store caches it between runs); completed tasks are read "
          f"{PAGE} a page.")


if __name__ == "__main__":
    main()
