"""A small world of in-memory services, a store and a flow, for engine-level tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from adapters.memory import ALL_FIELDS, MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.engine import RoundReport, run_flow
from tests.support.memstore import MemStore


def ts(minute: int) -> dt.datetime:
    """A user's edit time: minute ``minute`` of one fixed hour."""
    return dt.datetime(2026, 11, 1, 12, minute, tzinfo=dt.UTC)


class World:
    def __init__(self, names: Iterable[str] = ("a", "b"), *, store: Any = None,
                 fields: dict[str, Iterable[str]] | None = None,
                 read_only: Iterable[str] = (), flow: str = "f", **flow_kw: Any) -> None:
        self.names = list(names)
        self.services = {n: MemoryService(name=n) for n in self.names}
        fields = fields or {}
        self.adapters = {
            n: MemoryAdapter(self.services[n], name=n, fields=fields.get(n, ALL_FIELDS),
                             read_only=n in set(read_only))
            for n in self.names
        }
        self.flow = flow
        self.cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in self.names},
                              **flow_kw)
        self.store = store if store is not None else MemStore()
        self.sleeps: list[float] = []
        self.now = 0.0  # a fake clock: sleeping advances it, nothing really waits

        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            self.now += seconds

        def clock() -> float:
            return self.now

        for svc in self.services.values():
            svc.clock = clock
        self.retry = RetryPolicy(attempts=3, sleep=sleep, clock=clock)

    def sync(self, **kw: Any) -> RoundReport:
        return run_flow(self.flow, self.cfg, self.adapters, self.store, retry=self.retry, **kw)

    def live(self, name: str) -> dict[str, Item]:
        return self.services[name].live()

    def titles(self, name: str) -> list[str]:
        return sorted(i.title for i in self.live(name).values())

    def only(self, name: str) -> tuple[str, Item]:
        items = self.live(name)
        assert len(items) == 1, items
        return next(iter(items.items()))

    def writes(self) -> int:
        return sum(s.write_count() for s in self.services.values())

    def assert_quiet(self) -> None:
        """One more round writes nothing and finds no conflict: the services have settled."""
        before = self.writes()
        rep = self.sync()
        assert rep.counts["writes"] == 0 and rep.counts["conflict"] == 0, rep.plan
        assert self.writes() == before
