"""Jira benchmark, both directions, with Jira Cloud's burst rate limit on in the emulator.

- **push**: N items (default 2,000) made in an in-memory service are created into Jira (10%
  of them in progress, a status other than the workflow's start), the round after lists
  those creates back once (Jira cannot tell our writes from others'), then 1% of the items
  are edited and updated into Jira;
- **pull**: N issues made in Jira are synced into the in-memory service, then a quiet round,
  1% edited in Jira, and the round that reconciles ids.

Per operation it prints the Jira requests made, the floor (the fewest Jira allows: 50
issues a bulk create, one edit a request, 100 issues a search page with fields, 5,000 ids
only, one transition a request where a status is not the start and cannot ride in the
create), their ratio, the transitions (counted apart), the 429s the limit answered, wall
time and the process's peak RSS.

    python -m bench jira [--issues N] [--reconcile-every K] [--no-push] [--no-pull]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from typing import Any

from adapters.base import EndpointContext
from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope
from adapters.jira.emu_quota import BurstLimit
from adapters.jira.sandbox import JiraSandbox
from adapters.memory import MemoryAdapter, MemoryService
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store

SEARCH_PAGE, IDS_PAGE, BULK = 100, 5000, 50
TRANSITIONS = "/transitions"


def _pages(n: int, size: int) -> int:
    return max(1, math.ceil(n / size))


class Bench:
    """One sandbox (rate limited), a memory service and a flow between them."""

    def __init__(self, reconcile_every: int) -> None:
        self.sandbox = JiraSandbox(users=5)
        self.emu = self.sandbox.emu
        self.emu.rate_limit = BurstLimit()  # Jira Cloud's burst limit: on in the bench
        self.jira = JiraAdapterFactory().build(
            JiraConnection.model_validate(self.sandbox.connection),
            JiraScope(jql="project = OPS", reconcile_every=reconcile_every),
            EndpointContext(name="jira", flow="bench", value_maps=self.sandbox.value_maps,
                            options=self.sandbox.options))
        self.mem = MemoryService(name="bench-jira-mem")
        self.adapters: dict[str, Any] = {"jira": self.jira,
                                         "mem": MemoryAdapter(self.mem, name="mem")}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters}, mass_change_limit=1.0)
        self.store = open_store("sqlite://:memory:")
        self.store.migrate()

    def round_(self, label: str, writes_floor: int, reads_floor: int) -> None:
        """One round; its Jira requests split into writes (bulk creates, edits, deletes),
        transitions (counted apart: a floor of 0 where the status rides in the create) and
        reads (searches, and the once-a-process reads: the API user, the field list, the
        workflow's start), each beside its floor."""
        # Rounds are an interval apart (minutes): JQL's one-minute overlap then re-lists
        # nothing old. Without this, everything updated in the last minute is listed again.
        self.emu.clock_offset += dt.timedelta(minutes=5)
        self.emu.reset_counts()
        limit = self.emu.rate_limit
        limited = limit.limited if limit else 0
        t0 = time.perf_counter()
        rep = run_flow("bench", self.cfg, self.adapters, self.store)
        wall = time.perf_counter() - t0
        moves = writes = 0
        for key, count in self.emu.requests.items():
            method, path = key.split(" ", 1)
            if method == "POST" and path.endswith(TRANSITIONS):
                moves += count
            elif method in ("PUT", "DELETE") or path.endswith(("/issue", "/issue/bulk")):
                writes += count
        reads = self.emu.total_requests - writes - moves
        answered = (limit.limited if limit else 0) - limited
        print(f"{label:<18} {writes:5d} {writes_floor:5d} {_ratio(writes, writes_floor):>6} "
              f"{moves:5d} {reads:5d} {reads_floor:5d} {_ratio(reads, reads_floor):>6} "
              f"{self.emu.total_requests:6d} {answered:5d} {wall:7.2f}s "
              f"{peak_rss_mib():7.1f}  {rep.counts['writes']:6d} {rep.status}", flush=True)

    def close(self) -> None:
        self.jira.close()
        self.store.close()
        self.sandbox.stop()


HEADER = (f"{'operation':<18} {'write':>5} {'floor':>5} {'ratio':>6} {'trans':>5} "
          f"{'read':>5} {'floor':>5} {'ratio':>6} {'total':>6} {'429s':>5} {'wall':>8} "
          f"{'RSS MiB':>7}  {'synced':>6}")


def _ratio(made: int, floor: int) -> str:
    if floor == 0:
        return "-" if made == 0 else "inf"
    return f"{made / floor:.2f}x"


def push(n: int, reconcile_every: int) -> None:
    b = Bench(reconcile_every)
    refs = [b.mem.user_create(Item(title=f"task {i}", priority=1 + i % 4, labels=[f"l{i % 5}"],
                                   status={"kind": "in_progress" if i % 10 == 0 else "open"}))
            for i in range(n)]
    edited = max(1, n // 100)
    print(f"-- push: {n} items from memory into Jira (10% in progress), then {edited} "
          "updated", flush=True)
    print(HEADER)
    # the creates, 50 a request (a status riding in each); one listing of the empty project
    b.round_("create", _pages(n, BULK), 1)
    # every new issue is listed back once (Jira cannot tell our writes from a person's)
    b.round_("list own creates", 0, _pages(n, SEARCH_PAGE))
    for i, ref in enumerate(refs[:edited]):
        b.mem.user_edit(ref, title=f"edited {i}")
    b.round_("update 1%", edited, 1)  # one edit a request; the quiet listing before them
    b.round_("list own updates", 0, _pages(edited, SEARCH_PAGE))
    b.close()


def pull(n: int, reconcile_every: int) -> None:
    b = Bench(reconcile_every)
    for i in range(n):
        b.sandbox.user_create(Item(title=f"issue {i}", priority=1 + i % 4, labels=[f"l{i % 5}"]))
    edited = max(1, n // 100)
    print(f"-- pull: {n} issues from Jira into memory, then {edited} edited in Jira",
          flush=True)
    print(HEADER)
    b.round_("initial", 0, _pages(n, SEARCH_PAGE))
    b.round_("quiet", 0, 1)
    b.emu.clock_offset += dt.timedelta(minutes=5)
    for i, iid in enumerate(list(b.emu.issues)[:edited]):
        b.emu.edit(iid, summary=f"edited {i}")
    b.round_("1% edited", 0, _pages(edited, SEARCH_PAGE))
    b.round_("quiet again", 0, 1)
    due = 5 % reconcile_every == 0
    b.round_("reconcile" if due else "quiet", 0,
             1 + (_pages(n, IDS_PAGE) if due else 0))  # the fifth round
    b.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench jira")
    ap.add_argument("--issues", type=int, default=2000)
    ap.add_argument("--reconcile-every", type=int, default=5)
    ap.add_argument("--no-push", action="store_true")
    ap.add_argument("--no-pull", action="store_true")
    args = ap.parse_args(argv or [])
    if not args.no_push:
        push(args.issues, args.reconcile_every)
    if not args.no_pull:
        pull(args.issues, args.reconcile_every)
    print("note: rounds are 5 minutes apart on the emulator's clock; Jira's burst limit is on "
          "(a bucket of 100 per endpoint and method, 10 a second: the hub waits out each "
          "Retry-After, and a 429 is a request too). A status other than the start rides in "
          "the bulk create once the workflow's start is learnt (2 reads, once), so only the "
          "first batch's moves are transitions of their own.")


if __name__ == "__main__":
    main()
