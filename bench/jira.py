"""Jira benchmark: N issues (default 2,000) created in the Jira emulator, initial sync into an
in-memory service, a quiet round, then 1% of the issues edited in Jira.

Target (issue 3): a quiet round is one search request (plus the id reconcile when due).

    python -m bench jira [--issues N] [--reconcile-every K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from adapters.base import EndpointContext
from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope
from adapters.jira.sandbox import JiraSandbox
from adapters.memory import MemoryAdapter, MemoryService
from bench.engine import peak_rss_mib
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench jira")
    ap.add_argument("--issues", type=int, default=2000)
    ap.add_argument("--reconcile-every", type=int, default=5)
    args = ap.parse_args(argv or [])

    sandbox = JiraSandbox(users=5)
    for i in range(args.issues):
        sandbox.user_create(Item(title=f"issue {i}", priority=1 + i % 4, labels=[f"l{i % 5}"]))
    jira = JiraAdapterFactory().build(
        JiraConnection.model_validate(sandbox.connection),
        JiraScope(jql="project = OPS", reconcile_every=args.reconcile_every),
        EndpointContext(name="jira", flow="bench", value_maps=sandbox.value_maps,
                        options=sandbox.options))
    mem = MemoryService(name="bench-jira-mem")
    adapters = {"jira": jira, "mem": MemoryAdapter(mem, name="mem")}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()

    def round_(label: str) -> None:
        # Rounds are an interval apart (minutes): JQL's one-minute overlap then re-lists
        # nothing old. Without this, everything updated in the last minute is listed again.
        sandbox.emu.clock_offset += dt.timedelta(minutes=5)
        sandbox.emu.reset_counts()
        t0 = time.perf_counter()
        rep = run_flow("bench", cfg, adapters, store)
        wall = time.perf_counter() - t0
        searches = sandbox.emu.requests["POST /rest/api/3/search/jql"]
        print(f"{label:<12} wall {wall:6.2f}s  writes {rep.counts['writes']:5d}  "
              f"jira requests {sandbox.emu.total_requests:4d} (searches {searches})  "
              f"status {rep.status}", flush=True)

    round_("initial")
    round_("quiet")
    sandbox.emu.clock_offset += dt.timedelta(minutes=5)
    for n, iid in enumerate(list(sandbox.emu.issues)[: max(1, args.issues // 100)]):
        sandbox.emu.edit(iid, summary=f"edited {n}")
    round_("1% edited")
    round_("quiet again")
    round_("reconcile" if 5 % args.reconcile_every == 0 else "quiet")  # the fifth round
    jira.close()
    sandbox.stop()
    print(f"peak RSS: {peak_rss_mib():.1f} MiB")
    print("note: rounds are 5 minutes apart on the emulator's clock. A quiet round is one "
          "search; every --reconcile-every rounds one ids-only search (5,000 a page) is added. "
          "Issues updated less than a minute before a round are listed once more next round "
          "(JQL has minute precision and the search index lags): the window moves on in Jira's "
          "clock (its Date header), so a burst costs one extra listing, not one per round.")


if __name__ == "__main__":
    main()
