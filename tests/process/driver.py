"""The randomized driver: a seeded sequence of steps over a :class:`Hub`, invariants checked
after every one, convergence checked at the end (faults off, daemon stopped, quiet rounds).

Steps are chosen with weights from the seed alone, so a failing run is replayed exactly with
``SYNCHUB_CHAOS_SEED=<seed>`` (the emulators and process timing are real, so a replay meets
the same steps, not always the same interleaving: run it a few times).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from tests.process.harness import HAS_STATUS, SERVICES, Done, Hub, Proc

OK_CODES = (0, 1, 7)  # ok, partial (an outage), busy (another writer held the flow)
WEIGHTS = {"create": 6, "edit": 8, "complete": 2, "delete": 2, "sync": 5, "two syncs": 2,
           "kill -9 mid-round": 2, "status beside": 2, "outage": 1, "daemon": 1}


def step_names(seed: int, steps: int) -> list[str]:
    """The steps a seed runs: drawn from a generator of their own, so the sequence is the
    seed's alone (the values drawn during the steps may depend on what has synced)."""
    rng = random.Random(f"steps-{seed}")
    return rng.choices(list(WEIGHTS), list(WEIGHTS.values()), k=steps)


class Driver:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.rng = hub.rng
        self.daemon: Proc | None = None
        self.down: set[str] = set()
        self.steps: list[tuple[str, Callable[[], None]]] = [
            ("create", self.create), ("edit", self.edit), ("complete", self.complete),
            ("delete", self.delete), ("sync", self.sync), ("two syncs", self.two),
            ("kill -9 mid-round", self.kill_mid_round), ("status beside", self.status),
            ("outage", self.outage), ("daemon", self.toggle_daemon),
        ]

    # -- the user

    def create(self) -> None:
        for _ in range(self.rng.randint(1, 3)):
            self.hub.user_create(self.rng.choice(SERVICES))

    def edit(self) -> None:
        live = self.hub.model.live()
        for exp in self.rng.sample(live, min(len(live), self.rng.randint(1, 3))):
            fld = self.rng.choice(sorted(exp.editor))
            if exp.editor[fld] == "gcal" and fld == "due" and "due" not in exp.values:
                continue
            self.hub.user_edit(exp, fld)

    def complete(self) -> None:
        settled = self.hub.model.settled()
        if settled:
            self.hub.user_complete(self.rng.choice(settled), self.rng.choice(HAS_STATUS))

    def delete(self) -> None:
        settled = self.hub.model.settled()
        if settled:
            self.hub.user_delete(self.rng.choice(settled), self.rng.choice(SERVICES))

    # -- processes

    def _assert_ended_well(self, done: Done) -> None:
        assert done.code in OK_CODES and "Traceback" not in done.text, str(done)
        if not self.down and self.daemon is None and "re-planned" not in done.out:
            # partial only for an outage, or an item changed under the write (412: the next
            # round re-plans it; a kill -9 leaves such etags behind)
            assert done.code in (0, 7), str(done)

    def sync(self) -> None:
        done = self.hub.sync()
        self._assert_ended_well(done)
        if done.code == 0 and not self.down and self.daemon is None:
            self.hub.model.mark_clean()

    def two(self) -> None:
        a, b = self.hub.spawn("sync"), self.hub.spawn("sync")
        for p in (a, b):
            self._assert_ended_well(p.wait())

    def kill_mid_round(self) -> None:
        p = self.hub.spawn("sync")
        delay = self.rng.uniform(0.4, 1.6)
        time.sleep(delay)
        p.kill9()
        self.hub.log.append(f"  kill -9 after {delay:.2f} s")

    def status(self) -> None:
        p = self.hub.spawn("sync")
        time.sleep(self.rng.uniform(0.3, 0.9))
        done = self.hub.status()
        assert done.code == 0, str(done)
        self._assert_ended_well(p.wait())

    def outage(self) -> None:
        service = self.rng.choice(SERVICES)
        if service in self.down:
            self.down.discard(service)
            self.hub.outage(service, False)
        else:
            self.down.add(service)
            self.hub.outage(service, True)

    def toggle_daemon(self) -> None:
        if self.daemon is None:
            self.daemon = self.hub.daemon()
            return
        if self.rng.random() < 0.5:
            self.daemon.kill9()
            self.hub.log.append("  daemon killed (-9)")
        else:
            code = self.daemon.term()
            self.hub.log.append(f"  daemon stopped: exit {code}")
            assert code == 0, f"the daemon did not stop cleanly (exit {code}):\n" + \
                self.daemon.output()[-3000:] + "\n" + "\n".join(self.hub.log[-30:])
        self.daemon = None

    # -- the run

    def run(self, steps: int) -> None:
        """``steps`` steps of the seed's sequence, invariants after each, then convergence."""
        actions = {s[0]: s[1] for s in self.steps}
        self.hub.log.append(f"seed {self.hub.seed}: replay with SYNCHUB_CHAOS_SEED="
                            f"{self.hub.seed}")
        self.hub.create_many(8)
        order = step_names(self.hub.seed, steps)
        t0 = time.monotonic()
        for n, name in enumerate(order):
            self.hub.log.append(f"step {n}: {name} (at {time.monotonic() - t0:.1f} s)")
            actions[name]()
            self.hub.check(f"after step {n} ({name})")
        self.finish(t0)

    def finish(self, t0: float) -> None:
        if self.daemon is not None:
            assert self.daemon.term() == 0
            self.daemon = None
        self.down.clear()
        self.hub.log.append(f"faults off, quiet rounds (at {time.monotonic() - t0:.1f} s)")
        self.hub.converge(rounds=5)
        if self.hub.state_path is not None:
            assert self.hub.integrity() == "ok"
