"""Google Calendar benchmark, through google-api-python-client against the emulator.

Two directions, N events each (default 2,000):

* **push**: N tasks with due dates in an in-memory service are written into an empty calendar
  (batch requests of 50), then quiet rounds, then 1% of the events edited in the calendar.
  The first round after the writes is *not* one request: the sync token taken before the
  writes must read every event just written back (``changes`` sees our own writes as
  changes; the planner then finds them equal to the base and writes nothing). That costs
  ceil(N / 250) list pages; only the rounds after it are one request.
* **pull**: N events already in the calendar are read into an empty in-memory service (the
  first sync of an existing calendar), then a quiet round and a 1% edit round.

Per round: wall time, writes, calendar requests and how many of them were batches, events the
calendar listing returned, and the peak RSS so far (``resource.getrusage``; it only grows).

    python -m bench gcal [--events N] [--only push|pull]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from typing import Any

from adapters.base import Adapter, ChangeSet, EndpointContext
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.sandbox import GcalSandbox
from adapters.memory import MemoryAdapter, MemoryService
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import DateOnly, Item
from hub.round.engine import run_flow
from hub.store import open_store

PAGE = 250  # the adapter's events.list page size


class Counted:
    """Wraps the calendar adapter to count the events its listings returned."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.listed = 0

    def changes(self, cursor: str | None) -> ChangeSet:
        cs: ChangeSet = self.inner.changes(cursor)
        self.listed += len(cs.items) + len(cs.gone)
        return cs

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Bench:
    def __init__(self, label: str, mem_fields: set[str]) -> None:
        self.label = label
        self.sandbox = GcalSandbox()
        gcal = GcalAdapterFactory().build(
            GcalConnection.model_validate(self.sandbox.connection), GcalScope(),
            EndpointContext(name="gcal", flow="bench", options=self.sandbox.options))
        self.gcal = Counted(gcal)
        self.mem = MemoryService(name=f"bench-gcal-{label}")
        self.adapters: dict[str, Adapter] = {
            "mem": MemoryAdapter(self.mem, name="mem", fields=mem_fields),
            "gcal": self.gcal}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in self.adapters},
                              mass_change_limit=1.0)
        self.store = open_store("sqlite://:memory:")
        self.store.migrate()

    def round(self, name: str, note: str = "") -> int:
        emu = self.sandbox.emu
        emu.reset_counts()
        self.gcal.listed = 0
        t0 = time.perf_counter()
        rep = run_flow("bench", self.cfg, self.adapters, self.store)
        wall = time.perf_counter() - t0
        batches = emu.requests["POST /batch/calendar/v3"]
        print(f"{self.label:<5} {name:<13} wall {wall:6.2f}s  writes {rep.counts['writes']:5d}  "
              f"calendar requests {emu.total_requests:4d} (batches {batches:3d})  "
              f"listed {self.gcal.listed:5d}  peak RSS {peak_rss_mib():6.1f} MiB  "
              f"{rep.status}{'  ' + note if note else ''}", flush=True)
        return emu.total_requests

    def edit_one_percent(self, n: int) -> None:
        for i, eid in enumerate(list(self.sandbox.emu.events["primary"])[: max(1, n // 100)]):
            self.sandbox.emu.patch("primary", eid, {"summary": f"edited {i}"}, None)

    def stop(self) -> None:
        self.sandbox.stop()


def push(n: int) -> None:
    b = Bench("push", {"title", "description", "due"})
    for i in range(n):
        b.mem.user_create(Item(title=f"task {i}",
                               due=DateOnly(date=dt.date(2026, 12, 1) + dt.timedelta(days=i % 60))))
    b.round("initial")
    pages = math.ceil(n / PAGE)
    b.round("first quiet", f"(reads back the {n} events just written: {pages} list pages)")
    b.round("quiet")
    b.edit_one_percent(n)
    b.round("1% edited")
    b.round("quiet again")
    b.stop()


def pull(n: int) -> None:
    b = Bench("pull", {"title", "description", "due"})
    for i in range(n):
        day = dt.date(2026, 12, 1) + dt.timedelta(days=i % 60)
        b.sandbox.emu.insert("primary", {
            "summary": f"event {i}", "start": {"date": day.isoformat()},
            "end": {"date": (day + dt.timedelta(days=1)).isoformat()}})
    b.round("initial read", f"({n} existing events into the in-memory service)")
    b.round("quiet")
    b.edit_one_percent(n)
    b.round("1% edited")
    b.round("quiet again")
    b.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench gcal")
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--only", choices=["push", "pull"],
                    help="one direction (its own peak RSS: the figure never goes down)")
    args = ap.parse_args(argv or [])
    if args.only != "pull":
        push(args.events)
    if args.only != "push":
        pull(args.events)
    print(f"peak RSS: {peak_rss_mib():.1f} MiB (whole run)")


if __name__ == "__main__":
    main()
