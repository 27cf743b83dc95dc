"""Todoist benchmark: 2,000 tasks initial sync from an in-memory service into the Todoist
emulator, a quiet round, then a 1% edit round on the Todoist side.

Targets (issue 4): writes in batches of up to 100 commands; a quiet round is 1 request.

    python -m bench todoist [--tasks N]
"""

from __future__ import annotations

import argparse
import time

from adapters.base import EndpointContext
from adapters.memory import MemoryAdapter, MemoryService
from adapters.todoist import TodoistAdapterFactory, TodoistConnection, TodoistScope
from adapters.todoist.emulator import TodoistEmulator
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench todoist")
    ap.add_argument("--tasks", type=int, default=2000)
    args = ap.parse_args(argv or [])

    emu = TodoistEmulator().start()
    assert isinstance(emu, TodoistEmulator)
    emu.add_project("Work")
    mem = MemoryService(name="bench-mem")
    todoist = TodoistAdapterFactory().build(
        TodoistConnection(token="test-token", base_url=emu.base_url),  # type: ignore[arg-type]
        TodoistScope(project="Work"), EndpointContext(name="todoist", flow="bench"))
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "todoist": todoist}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()
    for i in range(args.tasks):
        mem.user_create(Item(title=f"task {i}", priority=1 + i % 4, labels=[f"l{i % 5}"]))

    def round_(label: str) -> None:
        emu.reset_counts()
        t0 = time.perf_counter()
        rep = run_flow("bench", cfg, adapters, store)
        wall = time.perf_counter() - t0
        syncs = emu.requests["POST /api/v1/sync"]
        print(f"{label:<12} wall {wall:6.2f}s  writes {rep.counts['writes']:5d}  "
              f"todoist requests {emu.total_requests:4d} (sync {syncs})  status {rep.status}")

    round_("initial")
    round_("quiet")
    ids = [i["id"] for i in emu.items.values()][: max(1, args.tasks // 100)]
    for n, tid in enumerate(ids):
        emu.edit_item(tid, content=f"edited {n}")
    round_("1% edited")
    round_("quiet again")
    todoist.close()
    emu.stop()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
