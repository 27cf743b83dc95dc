"""Process-level harness: real ``synchub`` processes over the four emulators (P2-P4, P13, P14).

A **hub** is the four sandboxes (emulators with a *user* acting in them) started in the test
process, one four-way flow config over them and one state store (SQLite file, or a fresh
PostgreSQL schema); it spawns ``python -m hub sync|run|status`` as separate processes, so
locks, crashes (``kill -9``) and readers are the operating system's, not a thread's. What the
user did and the invariants checked against it: :mod:`tests.process.model`.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.cli import sandbox as sbx
from hub.model import Item, Status, StatusKind
from tests.process.model import (
    HAS_STATUS,
    SERVICES,
    WORDS,
    Expected,
    Model,
    by_key,
    day,
    differs,
    item_divergence,
    item_violations,
)
from tests.support.procs import Done, Proc, answers, child_env, free_port, wait_for

__all__ = ["HAS_STATUS", "SERVICES", "Done", "Hub", "Proc", "chaos_seeds", "wait_for"]

PG_URL = os.environ.get("SYNCHUB_TEST_POSTGRES_URL")
FLOW = "sandbox"
PROFILE = os.environ.get("SYNCHUB_CHAOS", "ci")  # "ci" (default) or "nightly"
SEARCH_LAG = 2.0  # seconds: the sandbox Jira's search_lag here (see write_config)
assert tuple(sbx.SERVICES) == SERVICES


def chaos_seeds() -> list[int]:
    """The seeds this profile runs: ``SYNCHUB_CHAOS_SEED`` (one, to replay), else one fixed
    seed in CI (the same steps every run) and five fresh ones nightly (printed on failure)."""
    if os.environ.get("SYNCHUB_CHAOS_SEED"):
        return [int(os.environ["SYNCHUB_CHAOS_SEED"])]
    if PROFILE == "nightly":
        return [random.SystemRandom().randrange(1, 10**6) for _ in range(5)]
    return [152]  # its 10 steps: two syncs at once (twice), kill -9, status beside, a delete


def _waits_for_search(done: Any) -> bool:
    """Whether a finished ``synchub sync`` said an unfinished create waits for the search."""
    return isinstance(done, Done) and "not found by its marker yet" in done.text


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class Hub:
    """Four sandboxes, a four-way flow config, one state store and the processes over it."""

    def __init__(self, directory: Path, *, engine: str = "sqlite", interval: str = "1s",
                 writer_wait: float | None = None, seed: int | None = None) -> None:
        self.dir = directory
        self.seed = chaos_seeds()[0] if seed is None else seed
        self.dir.mkdir(parents=True, exist_ok=True)
        self.engine = engine
        self.rng = random.Random(self.seed)
        self.model = Model(self.rng, self.seed)
        self.boxes: dict[str, Any] = sbx.start()
        self._schema: str | None = None
        if engine == "sqlite":
            self.state_path: Path | None = directory / "state.db"
            self.state_url = f"sqlite:///{self.state_path}"
        else:
            assert PG_URL, "PostgreSQL hub needs SYNCHUB_TEST_POSTGRES_URL"
            self.state_path = None
            self._schema = f"t_{uuid.uuid4().hex[:12]}"
            sep = "&" if "?" in PG_URL else "?"
            self.state_url = f"{PG_URL}{sep}schema={self._schema}"
        self.port = free_port()
        self.config = self.write_config(interval=interval, writer_wait=writer_wait)
        self.env = child_env()
        self.procs: list[Proc] = []
        self._tags = 0
        self.log: list[str] = []  # what happened, printed when an invariant fails

    # -- config and state

    def write_config(self, *, interval: str, writer_wait: float | None = None) -> Path:
        path = sbx.config(self.boxes, self.dir, interval=interval, port=self.port)
        data = sbx.read_config(path)
        data["state"] = {"url": self.state_url}
        if writer_wait is not None:
            data["state"]["writer_wait"] = f"{writer_wait:g}s"
        data["daemon"]["grace_seconds"] = 5
        data["daemon"]["jitter"] = 0
        data["daemon"]["lease_seconds"] = 3  # the take-over time after a kill -9 (default 30)
        # four tries as by default, sooner: an outage round costs 0.7 s a call, not 3.5 s
        data["retry"] = {"first_wait": "0.1s", "max_wait": "1s"}
        # The emulator's search is immediate, unlike Jira Cloud's (default search_lag: 2 min):
        # 2 s still covers a create a killed process sent that the emulator finishes after
        # its death, and the rounds after a kill -9 converge in seconds instead of minutes.
        data["connections"]["jira"]["search_lag"] = f"{SEARCH_LAG:g}s"
        # the user's edits are the point here, not the mass-change guard (tested elsewhere):
        # with a few dozen items, one step can edit more than half of them
        data["flows"][FLOW]["mass_change_limit"] = 1
        path.write_text(json.dumps(data, indent=2) + "\n")
        os.chmod(path, 0o600)
        return path

    def close(self) -> None:
        for p in self.procs:
            if p.running():
                p.kill9()
        for b in self.boxes.values():
            b.stop()
        if self._schema is not None and PG_URL:
            _drop_schema(PG_URL, self._schema)

    def open_store(self) -> Any:
        from hub.store import open_store

        return open_store(self.state_url)

    def links(self) -> dict[str, Any]:
        """The state's links, read directly (not through a ``synchub`` process)."""
        store = self.open_store()
        try:
            return dict(store.load_links(FLOW))
        finally:
            store.close()

    def integrity(self) -> str:
        assert self.state_path is not None
        conn = sqlite3.connect(self.state_path)
        try:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            conn.close()

    def delete_state(self) -> None:
        if self.state_path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.state_path}{suffix}").unlink(missing_ok=True)
        else:
            assert PG_URL and self._schema
            _drop_schema(PG_URL, self._schema)

    # -- processes

    def spawn(self, *args: str) -> Proc:
        self._tags += 1
        tag = f"p{self._tags:03d}-{args[0]}"
        p = Proc([*args, "--config", str(self.config)], self.dir, self.env, tag)
        self.procs.append(p)
        self.log.append(f"spawn {tag} pid {p.pid}: synchub {' '.join(args)}")
        return p

    def sync(self, *extra: str, timeout: float = 60.0) -> Done:
        done = self.spawn("sync", *extra).wait(timeout)
        self.log.append(f"  -> exit {done.code}")
        return done

    def status(self, *extra: str, timeout: float = 30.0) -> Done:
        return self.spawn("status", *extra).wait(timeout)

    def daemon(self) -> Proc:
        p = self.spawn("run", "--port", str(self.port), "--log-format", "json")
        if not wait_for(lambda: self._ready() or not p.running(), timeout=20):
            raise AssertionError(f"daemon not ready:\n{p.output()[-3000:]}")
        assert p.running(), p.output()[-3000:]
        return p

    def _ready(self) -> bool:
        return answers(f"http://127.0.0.1:{self.port}/readyz")

    def rounds(self) -> float:
        """Rounds the daemon has finished (its Prometheus counter)."""
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return -1
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("synchub_rounds_total{"))

    # -- faults

    def outage(self, service: str, on: bool) -> None:
        faults = self.boxes[service].emu.faults
        faults.clear()
        if on:
            faults.inject("outage", count=None)
        self.log.append(f"outage {service} {'on' if on else 'off'}")

    def latency(self, service: str, seconds: float) -> None:
        self.boxes[service].emu.faults.inject("latency", op="write", count=None, delay=seconds)

    def clear_faults(self) -> None:
        for b in self.boxes.values():
            b.emu.faults.clear()

    # -- the user

    def items(self, service: str) -> dict[str, Item]:
        """What the service holds now. A request of a process just killed may still be served
        by one of the emulator's threads while we read: read again then. (Not under the
        emulator's lock: Notion's user view resolves its schema over HTTP on first use.)"""
        for _ in range(20):
            try:
                return dict(self.boxes[service].items())
            except RuntimeError:  # "dictionary changed size during iteration"
                time.sleep(0.01)
        return dict(self.boxes[service].items())

    def ref(self, service: str, key: str) -> str | None:
        hits = by_key(self.items(service)).get(key, [])
        return hits[0][0] if hits else None

    def user_create(self, service: str, *, due: bool = True, title: str | None = None,
                    **extra: Any) -> Expected:
        key = self.model.new_key()
        values: dict[str, Any] = {"title": f"{key} {title or self.rng.choice(WORDS)}"}
        if service != "gcal":
            values["priority"] = self.rng.randint(2, 4)  # Todoist reads 1 as "none"
        if due or service == "gcal":
            values["due"] = day(self.rng.randint(1, 60))
        self.boxes[service].user_create(Item(**values, **extra))
        self.log.append(f"user creates {values['title']!r} in {service}")
        return self.model.add(service, values)

    def create_many(self, n: int, services: tuple[str, ...] = SERVICES) -> list[Expected]:
        return [self.user_create(services[i % len(services)]) for i in range(n)]

    def user_edit(self, exp: Expected, fld: str, value: Any = None,
                  service: str | None = None) -> bool:
        """Edit ``fld`` of the item where the user edits it; False when it has no copy there
        yet (not synced) or the item is gone."""
        service = service or exp.editor[fld]
        if value is None:  # drawn first: the seed's sequence must not depend on timing
            value = {"title": lambda: f"{exp.key} {self.rng.choice(WORDS)} "
                                      f"{self.rng.randint(2, 999)}",
                     "priority": lambda: self.rng.choice(
                         [p for p in (2, 3, 4) if p != exp.values.get("priority")]),
                     "due": lambda: day(self.rng.randint(61, 120))}[fld]()
        ref = self.ref(service, exp.key)
        if ref is None or not exp.live:
            return False
        value = differs(value, getattr(self.items(service)[ref], fld))
        self.boxes[service].user_edit(ref, **{fld: value})
        exp.values[fld] = value
        exp.editor[fld] = service
        exp.edited.add(fld)
        exp.pending = True
        self.log.append(f"user edits {exp.key}.{fld} = {value!r} in {service}")
        return True

    def user_complete(self, exp: Expected, service: str) -> bool:
        ref = self.ref(service, exp.key)
        if ref is None or not exp.live or service not in HAS_STATUS:
            return False
        self.boxes[service].user_edit(ref, status=Status(kind=StatusKind.DONE))
        exp.completed_in = service
        self.log.append(f"user completes {exp.key} in {service}")
        return True

    def user_delete(self, exp: Expected, service: str) -> bool:
        ref = self.ref(service, exp.key)
        if ref is None or not exp.live:
            return False
        self.boxes[service].user_delete(ref)
        exp.deleted_in = service
        self.log.append(f"user deletes {exp.key} in {service}")
        return True

    # -- invariants

    def violations(self) -> list[str]:
        """Every invariant that does not hold now (P2 duplicates, P3 lost edits, P4 deletes)."""
        out: list[str] = []
        for service in SERVICES:
            copies = by_key(self.items(service))
            for key, hits in copies.items():
                if len(hits) > 1:
                    out.append(f"duplicate: {key} {len(hits)}x in {service}: "
                               f"{sorted(i.title for _, i in hits)}")
                if key in self.model.seen:
                    self.model.seen[key].add(service)
            for exp in self.model.items.values():
                out += item_violations(exp, service, copies.get(exp.key, []),
                                        self.model.seen.get(exp.key, set()))
        return out

    def duplicates(self) -> dict[str, int]:
        """Extra copies per service (0 everywhere is P2)."""
        return {s: sum(len(h) - 1 for h in by_key(self.items(s)).values())
                for s in SERVICES}

    def check(self, when: str = "") -> None:
        bad = self.violations()
        if bad:
            kinds: dict[str, int] = {}
            for line in bad:
                kinds[line.split(":")[0]] = kinds.get(line.split(":")[0], 0) + 1
            raise AssertionError(f"invariants broken {when} (seed {self.seed}): {kinds}\n  "
                                 + "\n  ".join(bad[:40])
                                 + "\n--- steps\n" + "\n".join(self.log[-60:]))

    def divergence(self) -> list[str]:
        """What still differs from the user's intent (empty: converged, P1)."""
        out: list[str] = []
        for service in SERVICES:
            copies = by_key(self.items(service))
            for exp in self.model.items.values():
                out += item_divergence(exp, service, copies.get(exp.key, []))
        return out

    def converge(self, rounds: int = 4, *, sync: Callable[[], Any] | None = None) -> None:
        """Faults off, then sync until nothing differs (at most ``rounds`` rounds, and more
        while a create a kill -9 left unfinished waits out Jira's search lag: it is only
        made again once a lagging search can no longer be hiding it)."""
        self.clear_faults()
        sync = sync or (lambda: self.sync())
        last: Any = None
        deadline: float | None = None  # set when a sync first says a create waits
        done = 0
        while done < rounds or (deadline is not None and time.monotonic() < deadline):
            self.check("while converging")
            if not self.divergence():
                return
            if _waits_for_search(last):
                deadline = deadline or time.monotonic() + SEARCH_LAG + 5
                time.sleep(0.5)
            last = sync()
            done += 1
        self.check("after converging")
        diff = self.divergence()
        if diff:
            raise AssertionError("no convergence after quiet rounds:\n  " + "\n  ".join(
                diff[:40]) + f"\n--- last sync\n{last}\n--- steps\n" + "\n".join(self.log[-60:]))
