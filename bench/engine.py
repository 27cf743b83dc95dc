"""Engine benchmark: N linked items between two in-memory services, the state in a real store
(SQLite file by default, PostgreSQL with ``--store postgresql``), round by round.

    python -m bench engine [--links N] [--store sqlite|postgresql|memory] [--json]
                           [--state synced|generated] [--full-round]

Rounds: ``initial`` (the first sync, N creates; skipped with ``--state generated``, which
writes N settled links straight into the store and the services: how 1,000,000 links are
reached in minutes), ``quiet``, ``one-shot quiet`` (the store opened afresh, as a ``synchub
sync`` process does: nothing cached), ``webhook edit`` (one item edited, as a webhook would
announce it), ``1% edited``, ``settle`` (the round after, which finds those links settled),
``quiet again``, and with ``--full-round`` a round after a config change (every link planned
once: it checks that a generated state is really settled, and shows the cost of a change).

Per round: wall and planning time, writes, requests (the floor for memory services is one
listing per endpoint plus one request per write: their listings are incremental and their
writes single), links read from the store and planned, and the peak RSS so far (it only
grows). The services live in this process: the RSS after building them is printed apart, so
what synchub adds is the difference. ``--json``: one JSON object per round (``round``,
``wall_s``, ``plan_s``, ``writes``, ``requests``, ``floor``, ``loaded``, ``planned``,
``links``, ``peak_rss_mib``), then one summary object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.planner.matching import link_id_for
from hub.round import workset
from hub.round.engine import RoundReport, run_flow
from hub.store.workset import fingerprint_key

FLOW = "bench"
NAMES = ("a", "b")


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports ru_maxrss in KiB)."""
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (2**20 if sys.platform == "darwin" else 2**10)


def _item(i: int) -> Item:
    return Item(title=f"task {i}", priority=1 + i % 4, labels=(f"l{i % 7}",))


@contextlib.contextmanager
def _store_url(kind: str, tmp: Path, pg_url: str | None) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    if not pg_url:
        raise SystemExit("--store postgresql needs --pg-url or SYNCHUB_TEST_POSTGRES_URL")
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    yield f"{pg_url}{'&' if '?' in pg_url else '?'}schema={schema}"
    with psycopg.connect(pg_url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _open(kind: str, url: str) -> Any:
    if kind == "memory":
        from tests.support.memstore import MemStore

        return MemStore()
    from hub.store import open_store

    store = open_store(url)
    store.migrate()
    return store


def generate(n: int, services: dict[str, MemoryService], store: Any,
             cfg: FlowConfig, adapters: dict[str, MemoryAdapter]) -> list[str]:
    """N settled links written straight into the services and the SQL store, as N rounds of
    sync would leave them (a's item the original, b's copy carrying the link's marker), with
    the cursors at the services' latest change and the settled marks under this config's
    fingerprint. Returns a's refs."""
    from hub.store import codec

    refs, rows_l, rows_c = [], [], []
    for i in range(n):
        item = _item(i)
        ra = services["a"].user_create(item)
        lid = link_id_for(FLOW, "a", ra)
        rb = services["b"].user_create(item.evolve(origin=lid))
        refs.append(ra)
        base = codec.item_json(item)
        rows_l.append((FLOW, lid, base, "{}", "[]", 0, 1))
        rows_c.append((FLOW, lid, "a", ra, "1", None, None, None))
        rows_c.append((FLOW, lid, "b", rb, "1", None,
                       codec.item_json(item.evolve(origin=lid)), None))
    sql = store.dialect.sql
    with store._txn():
        cur = store.conn.cursor()
        for i in range(0, n, 20_000):
            cur.executemany(sql("INSERT INTO links (flow, link_id, base, provenance, detached, "
                                "deleting, settled) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                            rows_l[i:i + 20_000])
            cur.executemany(sql("INSERT INTO copies (flow, link_id, endpoint, ref, version, "
                                "base, snapshot, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                            rows_c[2 * i:2 * (i + 20_000)])
        for name in NAMES:
            store._exec("INSERT INTO cursors (flow, endpoint, cursor) VALUES (?, ?, ?)",
                        (FLOW, name, str(services[name]._last_seq)))
        store._upsert_meta(fingerprint_key(FLOW), workset.fingerprint(cfg, adapters))
    return refs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench engine")
    ap.add_argument("--links", "--items", type=int, default=10_000, dest="links")
    ap.add_argument("--store", choices=["sqlite", "postgresql", "memory"], default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("SYNCHUB_TEST_POSTGRES_URL"))
    ap.add_argument("--state", choices=["synced", "generated"], default="synced")
    ap.add_argument("--full-round", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv or [])
    if args.state == "generated" and args.store == "memory":
        raise SystemExit("--state generated writes into an SQL store: --store sqlite|postgresql")

    emit: Callable[[dict[str, Any]], None] = (
        (lambda row: print(json.dumps(row), flush=True)) if args.json else _print_row)
    services = {n: MemoryService(name=n) for n in NAMES}
    adapters = {n: MemoryAdapter(services[n], name=n) for n in NAMES}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in NAMES},
                     mass_change_limit=1.0)
    with tempfile.TemporaryDirectory() as d, _store_url(args.store, Path(d), args.pg_url) as url:
        store = _open(args.store, url)
        t0 = time.perf_counter()
        if args.state == "generated":
            refs = generate(args.links, services, store, cfg, adapters)
        else:
            refs = [services["a"].user_create(_item(i)) for i in range(args.links)]
        services_rss = peak_rss_mib()
        if not args.json:
            print(f"{args.links:,} links, store {args.store}, state {args.state} "
                  f"(made in {time.perf_counter() - t0:.1f} s); RSS with the services built: "
                  f"{services_rss:.0f} MiB")

        def round_(label: str, cfg_: FlowConfig = cfg) -> RoundReport:
            before = {n: s.total_requests for n, s in services.items()}
            t = time.perf_counter()
            rep = run_flow(FLOW, cfg_, adapters, store)
            wall = time.perf_counter() - t
            writes = rep.counts["writes"]
            emit({"round": label, "wall_s": round(wall, 4), "plan_s": round(rep.plan_seconds, 4),
                  "writes": writes,
                  "requests": sum(s.total_requests - before[n] for n, s in services.items()),
                  "floor": len(NAMES) + writes, "loaded": rep.loaded_links,
                  "planned": rep.plan.planned if rep.plan else 0,
                  "links": rep.plan.total_links if rep.plan else 0,
                  "peak_rss_mib": round(peak_rss_mib(), 1), "status": str(rep.status)})
            return rep

        if args.state == "synced":
            round_("initial")
            round_("own writes")  # the creates on b are listed back once
        round_("quiet")
        if args.store != "memory":
            store.close()
            store = _open(args.store, url)
        round_("one-shot quiet")
        services["a"].user_edit(refs[0], title="edited by webhook")
        round_("webhook edit")
        for i, ref in enumerate(refs[1:1 + max(1, args.links // 100)]):
            services["a"].user_edit(ref, title=f"edited {i}")
        round_("1% edited")
        round_("settle")
        round_("quiet again")
        if args.full_round:
            changed = cfg.model_copy(update={"mass_change_min": cfg.mass_change_min + 1})
            round_("config changed", changed)
        store.close()
    summary = {"summary": True, "links": args.links, "store": args.store, "state": args.state,
               "services_rss_mib": round(services_rss, 1),
               "peak_rss_mib": round(peak_rss_mib(), 1)}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"peak RSS {summary['peak_rss_mib']:.0f} MiB, of which the in-memory services "
              f"(built before the first round) {services_rss:.0f} MiB; target for synchub at "
              "100,000 links: < 300 MiB")


def _print_row(r: dict[str, Any]) -> None:
    print(f"{r['round']:<16} wall {r['wall_s']:8.3f}s  plan {r['plan_s']:7.4f}s  "
          f"writes {r['writes']:7d}  requests {r['requests']:7d} (floor {r['floor']:7d})  "
          f"loaded {r['loaded']:7d}  planned {r['planned']:7d} / {r['links']:7d}  "
          f"peak RSS {r['peak_rss_mib']:7.1f} MiB  {r['status']}", flush=True)


if __name__ == "__main__":
    main()
