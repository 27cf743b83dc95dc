"""Notion benchmark, both directions, at Notion's real pace: about three requests a second per
integration, enforced by the emulator (a 429 ``rate_limited`` with ``Retry-After`` beyond it)
and kept by the client's pacer.

- **push**: N pages (default 2,000) made in an in-memory service are created into a Notion
  data source, the round after lists those creates back once (Notion cannot tell our writes
  from a person's, and its query index may lag a minute), then 1% of them are edited in
  memory and updated into Notion, and listed back once;
- **pull**: N pages made in Notion are synced into the in-memory service, then a quiet round,
  1% edited in Notion, and a quiet round again.

Per operation it prints the Notion requests made, split into writes (page creates and
updates, block appends and deletes, the marker's column) and reads (queries, page and block
reads, the schema), each beside its floor (the fewest Notion allows: one page a create or an
update, as Notion has no batch write; 100 pages a query page; the schema is a database and a
data source read once a process, and the marker's column is added once to a data source
without it; a round's listing is a query for edits and one for the trash, no trash query on
the very first round; in body mode one children listing more per page listed), their ratio,
the 429s the limit answered, wall time and the process's peak RSS. Rounds are five minutes
apart on the emulator's clock (a daemon's interval).

At 3 requests/s, 2,000 pages take about 12 minutes to push; ``--pages 10000`` (opt-in) about
an hour; ``--pages 200`` for a quick look.

    python -m bench notion [--pages N] [--body] [--reconcile-every K] [--no-push] [--no-pull]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from typing import Any

from adapters.base import EndpointContext, ValueMap
from adapters.memory import MemoryAdapter, MemoryService
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.emulator import NotionEmulator
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store

RATE = 3.0  # Notion's average requests a second per integration (request-limits page)
QUERY_PAGE = 100  # pages a query answers at most
SCHEMA_READS = 2  # GET /v1/databases/{id}, GET /v1/data_sources/{id}
MARKER_COLUMN = 1  # PATCH /v1/data_sources/{id}: the "synchub origin" property, added once
INTERVAL = dt.timedelta(minutes=5)


def _pages(n: int, size: int = QUERY_PAGE) -> int:
    return max(1, math.ceil(n / size))


def _ratio(made: int, floor: int) -> str:
    if floor == 0:
        return "-" if made == 0 else "inf"
    return f"{made / floor:.2f}x"


def _is_write(method: str, path: str) -> bool:
    if path.endswith("/query"):
        return False
    return method in ("POST", "PATCH", "DELETE")


HEADER = (f"{'operation':<18} {'write':>5} {'floor':>5} {'ratio':>6} {'read':>5} "
          f"{'floor':>5} {'ratio':>6} {'total':>6} {'429s':>5} {'wall':>8} {'req/s':>5} "
          f"{'RSS MiB':>7}  {'synced':>6}")


class Bench:
    """One Notion emulator (rate limited), a memory service and a flow between them."""

    def __init__(self, body: bool, reconcile_every: int) -> None:
        self.body = body
        self.emu = NotionEmulator(requests_per_second=RATE)
        self.emu.start()
        self.db, self.ds = self.emu.add_database("Tasks", {
            "Status": {"status": {"options": [{"name": "Not started"}, {"name": "Done"}]}},
            "Priority": {"number": {}}})
        options = {"targets": {"description": "body"}} if body else {}
        self.notion = NotionAdapterFactory().build(
            NotionConnection(token=self.emu.token,
                             base_url=self.emu.base_url, requests_per_second=RATE),
            NotionScope(database_id=self.db, reconcile_every=reconcile_every),
            EndpointContext(name="notion", flow="bench", options=options, value_maps={
                "status": ValueMap.from_pairs({"Not started": "open", "Done": "done"})}))
        fields = {"title", "status", "priority"} | ({"description"} if body else set())
        self.mem = MemoryService(name="bench-notion-mem")
        self.adapters: dict[str, Any] = {
            "mem": MemoryAdapter(self.mem, name="mem", fields=fields), "notion": self.notion}
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                         for n in self.adapters}, mass_change_limit=1.0)
        self.store = open_store("sqlite://:memory:")
        self.store.migrate()

    def item(self, i: int, what: str) -> Item:
        return Item(title=f"{what} {i}", priority=1 + i % 4,
                    description=f"notes for **{what} {i}**" if self.body else None)

    def round_(self, label: str, writes_floor: int, reads_floor: int, listed: int = 0) -> None:
        """One round; ``listed``: the pages its listing shows (body mode reads each one's
        children: one more request each, part of the floor)."""
        if self.body:
            reads_floor += listed
        self.emu.clock_offset += INTERVAL
        self.emu.reset_counts()
        limited = self.emu.rate_limited
        t0 = time.perf_counter()
        rep = run_flow("bench", self.cfg, self.adapters, self.store)
        wall = time.perf_counter() - t0
        writes = sum(n for key, n in self.emu.requests.items()
                     if _is_write(*key.split(" ", 1)))
        total = self.emu.total_requests
        reads = total - writes
        print(f"{label:<18} {writes:5d} {writes_floor:5d} {_ratio(writes, writes_floor):>6} "
              f"{reads:5d} {reads_floor:5d} {_ratio(reads, reads_floor):>6} {total:6d} "
              f"{self.emu.rate_limited - limited:5d} {wall:7.2f}s "
              f"{total / wall if wall else 0:5.2f} {peak_rss_mib():7.1f}  "
              f"{rep.counts['writes']:6d} {rep.status}", flush=True)

    def edit_in_notion(self, n: int) -> None:
        self.emu.clock_offset += INTERVAL
        pages = [p for p in self.emu.pages.values() if not p["in_trash"]][:n]
        for i, page in enumerate(pages):
            self.emu.update_page(page["id"], {"properties": {"Name": {"title": [
                {"text": {"content": f"edited {i}"}}]}}})

    def close(self) -> None:
        self.notion.close()
        self.store.close()
        self.emu.stop()


def push(n: int, body: bool, reconcile_every: int) -> None:
    b = Bench(body, reconcile_every)
    refs = [b.mem.user_create(b.item(i, "task")) for i in range(n)]
    edited = max(1, n // 100)
    print(f"-- push: {n} pages from memory into Notion, then {edited} updated", flush=True)
    print(HEADER)
    # one create a page (its first 100 paragraphs ride in it); the schema and one query of
    # the empty data source (no trash query on a first round)
    b.round_("create", MARKER_COLUMN + n, SCHEMA_READS + 1)
    # every new page is listed back once (our writes cannot be told from a person's)
    b.round_("list own creates", 0, _pages(n) + 1, listed=n)
    for i, ref in enumerate(refs[:edited]):
        b.mem.user_edit(ref, title=f"edited {i}")
    b.round_("update 1%", edited, 2)  # one PATCH a page, nothing read; the quiet listing
    b.round_("list own updates", 0, _pages(edited) + 1, listed=edited)
    b.close()


def pull(n: int, body: bool, reconcile_every: int) -> None:
    b = Bench(body, reconcile_every)
    for i in range(n):
        item = b.item(i, "page")
        b.emu.create_page(b.ds, {"Name": {"title": [{"text": {"content": item.title}}]},
                                 "Priority": {"number": item.priority}})
    edited = max(1, n // 100)
    print(f"-- pull: {n} pages from Notion into memory, then {edited} edited in Notion",
          flush=True)
    print(HEADER)
    b.round_("initial", MARKER_COLUMN, SCHEMA_READS + _pages(n), listed=n)
    b.round_("quiet", 0, 2)
    b.edit_in_notion(edited)
    b.round_("1% edited", 0, _pages(edited) + 1, listed=edited)
    b.round_("quiet again", 0, 2)
    b.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench notion")
    ap.add_argument("--pages", type=int, default=2000,
                    help="pages each way (default 2,000; 10,000 takes about an hour)")
    ap.add_argument("--body", action="store_true", help="description in the page body")
    ap.add_argument("--reconcile-every", type=int, default=10)
    ap.add_argument("--no-push", action="store_true")
    ap.add_argument("--no-pull", action="store_true")
    args = ap.parse_args(argv or [])
    print(f"notion bench: {args.pages} pages each way at {RATE:g} requests/s (the emulator "
          f"answers 429 beyond it), description in "
          f"{'the page body' if args.body else 'no property'}", flush=True)
    if not args.no_push:
        push(args.pages, args.body, args.reconcile_every)
    if not args.no_pull:
        pull(args.pages, args.body, args.reconcile_every)
    print("note: rounds are 5 minutes apart on the emulator's clock; Notion has no batch "
          "write, so a create or an update is one request each, and at 3 requests/s the "
          "writes set the wall time. A quiet round is 2 queries (edits, trash; 3 with a scope "
          f"filter); the id reconcile adds a listing every {args.reconcile_every} rounds."
          + (" Body mode: one children listing per page listed; an update of the body lists "
             "its paragraphs, appends the new ones and deletes the old ones one request each."
             if args.body else ""))


if __name__ == "__main__":
    main()
