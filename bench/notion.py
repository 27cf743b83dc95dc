"""Notion benchmark: N pages (default 1,000) initial sync from an in-memory service into the
Notion emulator under Notion's ~3 requests/s limit (emulator and client both at 3/s), then a
quiet round, a 1% edit round on the Notion side and more quiet rounds. Rounds are five minutes
apart on the emulator's clock (a daemon's interval): the read window moves on in Notion's clock
less a one-minute settle margin, so what a round wrote (the initial sync's pages) is listed once
by the next round and a quiet round then costs the minimum: two queries (edits since the
window start, and pages trashed since), three with a scope filter, plus the id reconcile every
``--reconcile-every`` rounds. ``--body`` keeps the description in the page body: one more
request per page listed (its children); a create carries its paragraphs.

At 3 requests/s the initial sync alone takes over five minutes: ``--pages 100`` for a quick look.

    python -m bench notion [--pages N] [--rps R] [--body] [--reconcile-every K]
    python -m bench.notion [same options]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter

from adapters.base import EndpointContext, ValueMap
from adapters.memory import MemoryAdapter, MemoryService
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.emulator import NotionEmulator
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store

INTERVAL = dt.timedelta(minutes=5)


def _kinds(emu: NotionEmulator) -> str:
    """Requests of the last round by kind (queries, page reads and writes, block calls)."""
    kinds: Counter[str] = Counter()
    for method, path in emu.request_log:
        if path.endswith("/query"):
            kinds["query"] += 1
        elif path.startswith("/v1/blocks/"):
            kinds["blocks"] += 1
        elif path.startswith("/v1/pages"):
            kinds["page " + ("read" if method == "GET" else "write")] += 1
        else:
            kinds["other"] += 1
    return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench notion")
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rps", type=float, default=3.0)
    ap.add_argument("--body", action="store_true", help="description in the page body")
    ap.add_argument("--reconcile-every", type=int, default=10)
    args = ap.parse_args(argv)  # None: sys.argv (python -m bench.notion --pages 100)

    emu = NotionEmulator(requests_per_second=args.rps).start()
    assert isinstance(emu, NotionEmulator)
    db, _ = emu.add_database("Tasks", {
        "Status": {"status": {"options": [{"name": "Not started"}, {"name": "Done"}]}},
        "Priority": {"number": {}}})
    options = {"targets": {"description": "body"}} if args.body else {}
    notion = NotionAdapterFactory().build(
        NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                         requests_per_second=args.rps),
        NotionScope(database_id=db, reconcile_every=args.reconcile_every), EndpointContext(
            name="notion", flow="bench", options=options, value_maps={
                "status": ValueMap.from_pairs({"Not started": "open", "Done": "done"})}))
    fields = {"title", "status", "priority"} | ({"description"} if args.body else set())
    mem = MemoryService(name="bench-notion-mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem", fields=fields), "notion": notion}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()
    for i in range(args.pages):
        mem.user_create(Item(title=f"page {i}", priority=1 + i % 4,
                             description=f"notes for **page {i}**" if args.body else None))
    print(f"notion bench: {args.pages} pages, {args.rps:g} requests/s, description in "
          f"{'the page body' if args.body else 'no property'}, rounds "
          f"{INTERVAL.seconds // 60} minutes apart on the emulator's clock", flush=True)

    def round_(label: str) -> None:
        emu.clock_offset += INTERVAL
        emu.reset_counts()
        t0 = time.perf_counter()
        rep = run_flow("bench", cfg, adapters, store)
        wall = time.perf_counter() - t0
        print(f"{label:<13} wall {wall:7.2f}s  writes {rep.counts['writes']:5d}  "
              f"notion requests {emu.total_requests:5d} "
              f"({emu.total_requests / wall if wall else 0:.2f}/s: {_kinds(emu)})  "
              f"status {rep.status}", flush=True)

    round_("initial")
    round_("quiet (echo)")
    round_("quiet")
    emu.clock_offset += INTERVAL
    pages = [p for p in emu.pages.values() if not p["in_trash"]][: max(1, args.pages // 100)]
    with emu.lock:
        for n, page in enumerate(pages):
            emu.update_page(page["id"], {"properties": {"Name": {"title": [
                {"text": {"content": f"edited {n}"}}]}}})
    round_("1% edited")
    round_("quiet again")
    notion.close()
    emu.stop()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB")
    print("note: 'quiet (echo)' lists once the pages the initial round wrote (they were "
          "edited after its listing); from then on a quiet round is the minimum, 2 requests: "
          "the edits query and the trash query (3 with a scope filter; the id reconcile adds "
          f"one listing every {args.reconcile_every} rounds)."
          + (" Body mode: one more request per page listed (its children); a create carries "
             "its paragraphs, an update of the body deletes the old ones one request each."
             if args.body else " --body: one more request per page listed."))


if __name__ == "__main__":
    main()
