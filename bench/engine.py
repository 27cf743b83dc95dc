"""Engine benchmark: 10,000 linked items over 3 in-memory services, then a 1% edit round.

Prints, per round: planning time, writes made, requests, wall time; and peak memory
(tracemalloc) for the whole run. Targets (issue 2): the quiet round makes zero writes; the
1% round makes exactly the needed writes (100 edits x 2 other services = 200); planning
10,000 links under 1 s; peak memory under 200 MB.

    python -m bench engine [--items N] [--store sqlite|memory]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow


def _store(kind: str, tmp: Path) -> Any:
    if kind == "sqlite":
        from hub.store import open_store

        store = open_store(f"sqlite:///{tmp / 'bench.db'}")
        store.migrate()
        return store
    from tests.support.memstore import MemStore

    return MemStore()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench engine")
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also trace Python allocations (slows every round down ~2x)")
    args = ap.parse_args(argv or [])

    if args.tracemalloc:
        tracemalloc.start()
    names = ("a", "b", "c")
    services = {n: MemoryService(name=n) for n in names}
    adapters = {n: MemoryAdapter(services[n], name=n) for n in names}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in names},
                     mass_change_limit=1.0)
    refs = [services["a"].user_create(Item(title=f"task {i}", priority=1 + i % 4,
                                           labels=[f"l{i % 7}"])) for i in range(args.items)]
    with tempfile.TemporaryDirectory() as d:
        store = _store(args.store, Path(d))

        def round_(label: str, expect_writes: int | None) -> None:
            before = {n: s.total_requests for n, s in services.items()}
            t0 = time.perf_counter()
            rep = run_flow("bench", cfg, adapters, store)
            wall = time.perf_counter() - t0
            reqs = {n: s.total_requests - before[n] for n, s in services.items()}
            writes = rep.counts["writes"]
            ok = "" if expect_writes is None or writes == expect_writes else \
                f"  <-- expected {expect_writes}"
            print(f"{label:<14} plan {rep.plan_seconds:6.3f}s  wall {wall:7.3f}s  "
                  f"writes {writes:6d}{ok}  requests {sum(reqs.values()):6d} {reqs}")

        round_("initial", args.items * 2)
        round_("quiet", 0)
        n_edit = max(1, args.items // 100)
        for i, ref in enumerate(refs[:n_edit]):
            services["a"].user_edit(ref, title=f"edited {i}")
        round_("1% edited", n_edit * 2)
        round_("quiet again", 0)
        store.close()
    print(f"peak RSS of the whole process: {peak_rss_mib():.1f} MiB  (target < 200 MiB)")
    if args.tracemalloc:
        print(f"peak traced Python allocations: "
              f"{tracemalloc.get_traced_memory()[1] / 2**20:.1f} MiB")


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports ru_maxrss in KiB)."""
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (2**20 if sys.platform == "darwin" else 2**10)


if __name__ == "__main__":
    main()
