"""Notion benchmark: N pages (default 1,000) initial sync from an in-memory service into the
Notion emulator under Notion's ~3 requests/s limit (emulator and client both at 3/s), then a
quiet round and a 1% edit round on the Notion side. At 3 requests/s the initial sync alone
takes over five minutes: ``--pages 100`` for a quick look.

    python -m bench notion [--pages N] [--rps R]
"""

from __future__ import annotations

import argparse
import time

from adapters.base import EndpointContext, ValueMap
from adapters.memory import MemoryAdapter, MemoryService
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.emulator import NotionEmulator
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.engine import run_flow
from hub.model import Item
from hub.store import open_store


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench notion")
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rps", type=float, default=3.0)
    args = ap.parse_args(argv or [])

    emu = NotionEmulator(requests_per_second=args.rps).start()
    assert isinstance(emu, NotionEmulator)
    db, _ = emu.add_database("Tasks", {
        "Status": {"status": {"options": [{"name": "Not started"}, {"name": "Done"}]}},
        "Priority": {"number": {}}})
    notion = NotionAdapterFactory().build(
        NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                         requests_per_second=args.rps),
        NotionScope(database_id=db), EndpointContext(
            name="notion", flow="bench", value_maps={"status": ValueMap.from_pairs(
                {"Not started": "open", "Done": "done"})}))
    mem = MemoryService(name="bench-notion-mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem", fields={"title", "status", "priority"}),
                "notion": notion}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()
    for i in range(args.pages):
        mem.user_create(Item(title=f"page {i}", priority=1 + i % 4))

    def round_(label: str) -> None:
        emu.reset_counts()
        t0 = time.perf_counter()
        rep = run_flow("bench", cfg, adapters, store)
        wall = time.perf_counter() - t0
        print(f"{label:<12} wall {wall:7.2f}s  writes {rep.counts['writes']:5d}  "
              f"notion requests {emu.total_requests:5d} "
              f"({emu.total_requests / wall if wall else 0:.2f}/s)  status {rep.status}",
              flush=True)

    round_("initial")
    round_("quiet")
    pages = [p for p in emu.pages.values() if not p["in_trash"]][: max(1, args.pages // 100)]
    for n, page in enumerate(pages):
        emu.update_page(page["id"], {"properties": {"Name": {"title": [
            {"text": {"content": f"edited {n}"}}]}}})
    round_("1% edited")
    round_("quiet again")
    notion.close()
    emu.stop()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
