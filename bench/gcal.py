"""Google Calendar benchmark: N tasks with due dates (default 2,000) from an in-memory service
into the Calendar emulator, a quiet round, then 1% of the events edited in the calendar.

Targets (issue 6): writes go in batch requests; a quiet round is 1 request (syncToken).

    python -m bench gcal [--events N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from adapters.base import EndpointContext
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.sandbox import GcalSandbox
from adapters.memory import MemoryAdapter, MemoryService
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.engine import run_flow
from hub.model import DateOnly, Item
from hub.store import open_store


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench gcal")
    ap.add_argument("--events", type=int, default=2000)
    args = ap.parse_args(argv or [])

    sandbox = GcalSandbox()
    gcal = GcalAdapterFactory().build(GcalConnection.model_validate(sandbox.connection),
                                      GcalScope(), EndpointContext(name="gcal", flow="bench",
                                                                   options=sandbox.options))
    mem = MemoryService(name="bench-gcal-mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem", fields={"title", "description", "due"}),
                "gcal": gcal}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()
    for i in range(args.events):
        mem.user_create(Item(title=f"task {i}",
                             due=DateOnly(date=dt.date(2026, 12, 1) + dt.timedelta(days=i % 60))))

    def round_(label: str) -> None:
        sandbox.emu.reset_counts()
        t0 = time.perf_counter()
        rep = run_flow("bench", cfg, adapters, store)
        wall = time.perf_counter() - t0
        batches = sandbox.emu.requests["POST /batch/calendar/v3"]
        print(f"{label:<12} wall {wall:6.2f}s  writes {rep.counts['writes']:5d}  "
              f"calendar requests {sandbox.emu.total_requests:4d} (batches {batches})  "
              f"status {rep.status}", flush=True)

    round_("initial")
    round_("quiet")
    for n, eid in enumerate(list(sandbox.emu.events["primary"])[: max(1, args.events // 100)]):
        sandbox.emu.patch("primary", eid, {"summary": f"edited {n}"}, None)
    round_("1% edited")
    round_("quiet again")
    sandbox.stop()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
