"""Google Calendar benchmark, through google-api-python-client against the emulator, with
Google's per-user quota on (600 calls a sliding minute by default, every call inside a batch
counted) and the hub's real pacing (its request budget sleeps; nothing is switched off).

Two directions, N events each (default 2,000):

* **push**: N tasks with due dates in an in-memory service are written into an empty calendar,
  the round after reads them back (the sync token taken before the writes sees our own
  writes as changes; the planner finds them equal and writes nothing), a quiet round, then
  1% edited in memory and written into the calendar, and 1% edited in the calendar and
  written into memory; then a new calendar adapter on the same state (a one-shot run, a
  restarted daemon) writes 10% moved in memory: each patch keeps its event's length, so
  it reads the events first, and those reads count against the quota too (the floor does
  not include them: Google would take the patches alone).
* **pull**: N events already in the calendar are read into an empty in-memory service (the
  first sync of an existing calendar), a quiet round, 1% edited in the calendar and written
  into memory, then 1% edited in memory and written into the calendar.

Per operation: the calendar requests made beside the floor (the fewest Google allows: 1,000
calls a batch request, 2,500 events a list page, a round's listing at least one request) and
their ratio, the calls the quota counted and the ones it refused (403 rateLimitExceeded),
the least wall time the quota allows for those calls (a sliding minute lets ``quota`` calls
out at once, then ``quota`` a minute), the wall time, and the process's peak RSS.

    python -m bench gcal [--events N] [--quota PER_MIN] [--only push|pull]

``--quota`` models a raised quota (the emulator enforces it and the adapter paces for it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from typing import Any

from adapters.base import Adapter, ChangeSet, EndpointContext
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.adapter import BATCH_MAX, PAGE, QUOTA_PER_MINUTE
from adapters.gcal.sandbox import GcalSandbox
from adapters.memory import MemoryAdapter, MemoryService
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import DateOnly, Item
from hub.round.engine import run_flow
from hub.store import open_store

FIELDS = {"title", "description", "due"}
HEADER = (f"{'operation':<20} {'requests':>8} {'floor':>5} {'ratio':>6} {'calls':>6} "
          f"{'403s':>5} {'quota min':>9} {'wall':>8} {'RSS MiB':>7}  {'synced':>6}")


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


def floor(writes: int, listed: int) -> int:
    """The fewest requests Google allows for a round: its writes 1,000 a batch request, its
    listing 2,500 events a page (one request even when nothing changed)."""
    return math.ceil(writes / BATCH_MAX) + max(1, math.ceil(listed / PAGE))


def _ratio(made: int, least: int) -> str:
    return f"{made / least:.2f}x" if least else "-"


class Bench:
    def __init__(self, quota: int) -> None:
        self.quota = quota
        self.sandbox = GcalSandbox()
        self.emu = self.sandbox.emu
        self.emu.set_quota(quota)  # Google's per-user quota: on in the bench
        self.gcal = self._adapter()
        self.mem = MemoryService(name="bench-gcal")
        self.adapters: dict[str, Adapter] = {
            "mem": MemoryAdapter(self.mem, name="mem", fields=FIELDS), "gcal": self.gcal}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in self.adapters},
                              mass_change_limit=1.0)
        self.store = open_store("sqlite://:memory:")
        self.store.migrate()

    def _adapter(self) -> Counted:
        return Counted(GcalAdapterFactory().build(
            GcalConnection.model_validate(self.sandbox.connection), GcalScope(),
            EndpointContext(name="gcal", flow="bench",
                            options=self.sandbox.options | {"quota_per_minute": self.quota})))

    def new_process(self) -> None:
        """A new calendar adapter on the same state (a one-shot run, a restarted daemon): it
        has read none of the events, so a patch that depends on one reads it first. It has
        no record of the calls the last process made either (its budget starts empty, as a
        new process's does), so it starts once their sliding minute has passed, as a
        scheduled one-shot run would: started at once it would draw Google's 403 for them
        (measured: 56 of 401 calls at 2,000 events)."""
        time.sleep(61 if self.quota < 100_000 else 0)
        self.gcal.close()
        self.gcal = self._adapter()
        self.adapters["gcal"] = self.gcal

    def round(self, name: str, writes: int, listed: int) -> None:
        """One round, beside its floor for ``writes`` calendar writes and ``listed`` events
        the listing must return."""
        emu = self.emu
        emu.reset_counts()
        calls, refused = emu.quota_calls, emu.quota_refused
        self.gcal.listed = 0
        t0 = time.perf_counter()
        rep = run_flow("bench", self.cfg, self.adapters, self.store)
        wall = time.perf_counter() - t0
        calls, refused = emu.quota_calls - calls, emu.quota_refused - refused
        least = floor(writes, listed)
        quota_wall = max(0, math.ceil(calls / self.quota) - 1) * 60
        print(f"{name:<20} {emu.total_requests:8d} {least:5d} "
              f"{_ratio(emu.total_requests, least):>6} {calls:6d} {refused:5d} "
              f"{quota_wall:8d}s {wall:7.1f}s {peak_rss_mib():7.1f}  "
              f"{rep.counts['writes']:6d} {rep.status}", flush=True)

    def edit_calendar(self, n: int) -> int:
        """1% of the events edited by the user in the calendar."""
        k = max(1, n // 100)
        for i, eid in enumerate(list(self.emu.events["primary"])[:k]):
            self.emu.patch("primary", eid, {"summary": f"edited in calendar {i}"}, None)
        return k

    def edit_memory(self, n: int) -> int:
        """1% of the in-memory items edited (the last ones: not those edited in the calendar)."""
        k = max(1, n // 100)
        for i, ref in enumerate(list(self.mem.records)[-k:]):
            self.mem.user_edit(ref, title=f"edited in memory {i}")
        return k

    def move_memory(self, n: int) -> int:
        """10% of the in-memory items moved by a day: each patch keeps its event's length, so
        a new adapter reads those events first (queries too: the quota counts them)."""
        k = max(1, n // 10)
        for ref in list(self.mem.records)[:k]:
            due = self.mem.records[ref].item.due
            assert isinstance(due, DateOnly)
            self.mem.user_edit(ref, due=DateOnly(date=due.date + dt.timedelta(days=1)))
        return k

    def stop(self) -> None:
        self.gcal.close()
        self.store.close()
        self.sandbox.stop()


def push(n: int, quota: int) -> None:
    b = Bench(quota)
    for i in range(n):
        b.mem.user_create(Item(title=f"task {i}",
                               due=DateOnly(date=dt.date(2026, 12, 1) + dt.timedelta(days=i % 60))))
    print(f"-- push: {n} tasks from memory into an empty calendar (quota {quota}/min), then "
          "1% edited each side", flush=True)
    print(HEADER)
    b.round("create", n, 0)
    b.round("list own creates", 0, n)
    b.round("quiet", 0, 0)
    k = b.edit_memory(n)
    b.round("1% memory -> cal", k, 0)
    b.round("list own updates", 0, k)
    k = b.edit_calendar(n)
    b.round("1% cal -> memory", 0, k)
    b.new_process()
    k = b.move_memory(n)
    b.round("10% moved, new proc", k, 0)
    b.round("list own updates", 0, k)
    b.round("quiet again", 0, 0)
    b.stop()


def pull(n: int, quota: int) -> None:
    b = Bench(quota)
    for i in range(n):
        day = dt.date(2026, 12, 1) + dt.timedelta(days=i % 60)
        b.emu.insert("primary", {
            "summary": f"event {i}", "start": {"date": day.isoformat()},
            "end": {"date": (day + dt.timedelta(days=1)).isoformat()}})
    print(f"-- pull: {n} existing events into an empty memory service (quota {quota}/min), "
          "then 1% edited each side", flush=True)
    print(HEADER)
    b.round("initial read", 0, n)
    b.round("quiet", 0, 0)
    k = b.edit_calendar(n)
    b.round("1% cal -> memory", 0, k)
    k = b.edit_memory(n)
    b.round("1% memory -> cal", k, 0)
    b.round("list own updates", 0, k)
    b.round("quiet again", 0, 0)
    b.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench gcal")
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--quota", type=int, default=QUOTA_PER_MINUTE, metavar="PER_MIN",
                    help="the per-user quota, calls a minute (Google's default: 600)")
    ap.add_argument("--only", choices=["push", "pull"],
                    help="one direction (its own peak RSS: the figure never goes down)")
    args = ap.parse_args(argv or [])
    if args.only != "pull":
        push(args.events, args.quota)
    if args.only != "push":
        pull(args.events, args.quota)
    print(f"peak RSS: {peak_rss_mib():.1f} MiB (whole run)")


if __name__ == "__main__":
    main()
