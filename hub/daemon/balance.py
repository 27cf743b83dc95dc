"""Which flows this replica of ``synchub run`` holds: its fair share, no more.

Several replicas on one PostgreSQL state lease flows (:meth:`Store.try_lease`, expiring after
``daemon.lease_seconds`` unless renewed). Leasing alone lets whoever asks first take every
flow; the rule here spreads them. Each replica writes a heartbeat (``replicas`` table, schema
9) and holds at most ``ceil(flows / live replicas)`` flows:

- under its share, it takes free flows (no lease, or an expired one: a dead replica's) and
  makes them due at once, so a dead replica's flows run again within about
  ``lease_seconds`` (the lease's expiry plus one tick of the loop, a second);
- over its share (a replica joined), it gives up flows that are between rounds (never one
  whose round is running: a lease is only released when no round of it is in flight), and
  the replicas under their share take them on their next tick.

A replica at its share does neither, so nothing oscillates. The lease is affinity, never
safety: the writer lock keeps two writers of one flow apart whatever the leases say (P13).
The decision (:func:`plan`) is a pure function; :class:`Leases` applies it to the store.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("synchub.daemon")


def fair_share(flows: int, replicas: int) -> int:
    """The most flows one of ``replicas`` live replicas holds."""
    return math.ceil(flows / max(replicas, 1))


@dataclass(frozen=True)
class Plan:
    share: int
    take: list[str]  # free flows to lease, in this order, while under the share
    give: list[str]  # held flows to release (none running)


def plan(flows: Collection[str], me: str, *, holders: Mapping[str, str],
         alive: Collection[str], held: Collection[str], running: Collection[str],
         rng: random.Random | None = None) -> Plan:
    """What ``me`` does this tick. ``holders``: flow -> replica for unexpired leases;
    ``alive``: replicas with a live heartbeat (``me`` counts whether listed or not);
    ``held``: the flows ``me`` holds; ``running``: those with a round in flight.

    Free flows are tried in an order of ``me``'s own (``rng``), so two replicas under their
    share do not both queue for the same flows."""
    share = fair_share(len(flows), len(set(alive) | {me}))
    mine = [f for f in flows if f in held]
    take: list[str] = []
    give: list[str] = []
    if len(mine) < share:
        free = sorted(f for f in flows if f not in holders and f not in held)
        (rng or random.Random(me)).shuffle(free)
        take = free[:share - len(mine)]
    elif len(mine) > share:
        idle = sorted(f for f in mine if f not in running)
        give = idle[:len(mine) - share]
    return Plan(share, take, give)


class Leases:
    """This replica's leases and heartbeat over ``store`` (the daemon's locked store).

    ``held`` and ``running`` are guarded by one lock: a flow is given up only when no round
    of it runs, and a round starts only on a flow still held (:meth:`round`)."""

    def __init__(self, store: Any, me: str, flows: Collection[str], ttl: float,
                 notify: Callable[[str], None]) -> None:
        self.store = store
        self.me = me
        self.flows = sorted(flows)
        self.ttl = ttl
        self.notify = notify  # makes a flow due now (the scheduler's notify)
        self.held: set[str] = set()
        self.running: set[str] = set()
        self.share = len(self.flows)  # until the first tick has counted the replicas
        self.lock = threading.Lock()
        self.rng = random.Random(me)

    @contextmanager
    def round(self, flow: str) -> Iterator[bool]:
        """Around a round of ``flow``: yields whether it may run here (it holds or could take
        the lease); the round then renews or takes it with :meth:`Store.try_lease`."""
        with self.lock:
            allowed = flow in self.held or len(self.held) < self.share
            self.running.add(flow)
        try:
            yield allowed
        finally:
            with self.lock:
                self.running.discard(flow)

    def rename(self, me: str) -> None:
        """Another name, before anything was leased (tests run two replicas in a process)."""
        self.me = me
        self.rng = random.Random(me)

    def took(self, flow: str) -> None:
        with self.lock:
            self.held.add(flow)

    def lost(self, flow: str) -> None:
        with self.lock:
            self.held.discard(flow)

    def beat(self) -> None:
        """Heartbeat and renewal of every lease held, rounds in progress included (a round
        longer than the lease must not let another replica take the flow over mid-round)."""
        self.store.heartbeat(self.me, self.ttl)
        with self.lock:
            held = set(self.held)
        kept = self.store.renew_leases(held, self.me, self.ttl)
        with self.lock:
            self.held -= held - kept
        for flow in sorted(held - kept):
            log.warning("flow %s: lease lost to another replica", flow)

    def balance(self) -> Plan:
        """Take free flows up to the fair share, give up idle ones beyond it."""
        holders = self.store.lease_holders()
        alive = self.store.replicas_alive()
        with self.lock:
            decided = plan(self.flows, self.me, holders=holders, alive=alive,
                           held=self.held, running=self.running, rng=self.rng)
            self.share = decided.share
            self.held -= set(decided.give)  # before the release: no round starts on them
        for flow in decided.give:
            self.store.release_lease(flow, self.me)
            log.info("flow %s: handed over (this replica holds more than its share, %d)",
                     flow, decided.share)
        for flow in decided.take:
            with self.lock:
                if len(self.held) >= self.share:
                    break
            if self.store.try_lease(flow, self.me, self.ttl):
                self.took(flow)
                self.notify(flow)  # a dead replica's flow runs now, healing its journal
        return decided

    def leave(self) -> None:
        """On a clean stop: no longer counted among the live replicas."""
        self.store.leave(self.me)
