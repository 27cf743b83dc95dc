"""Every request the calendar adapter sends is counted by the hub's budget as Google's quota
counts it, however many one hub call makes: each page of a listing is one query, each read
made before a batch of patches is one query, each call of a batch is one. Over the emulator
with the quota on and a fake clock (the emulator's clock moves with the hub's sleeps), a round
meets no 403 rateLimitExceeded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from adapters.gcal.adapter import PAGE, GcalAdapter
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import DateOnly, Item
from hub.round.calls import RetryPolicy
from hub.round.engine import run_flow
from hub.store import Store, open_store
from tests.adapters.gcal.conftest import GcalHarness, build
from tests.round.test_budget import FakeClock

DAY = dt.date(2026, 12, 1)


@dataclass
class Rig:
    harness: GcalHarness
    clock: FakeClock
    mem: MemoryService
    store: Store

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        self.harness.emu.clock_offset += dt.timedelta(seconds=seconds)

    def round(self, gcal: GcalAdapter) -> str:
        adapters = {"mem": MemoryAdapter(self.mem, name="mem", fields={"title", "due"}),
                    "gcal": gcal}
        cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                         mass_change_limit=1.0)
        rep = run_flow("pacing", cfg, adapters, self.store,
                       retry=RetryPolicy(attempts=3, sleep=self.sleep, clock=self.clock))
        return rep.status


@pytest.fixture
def rig(harness: GcalHarness) -> Iterator[Rig]:
    store = open_store("sqlite://:memory:")
    store.migrate()
    yield Rig(harness, FakeClock(), MemoryService(name="pacing"), store)
    store.close()


def test_each_page_of_a_listing_is_one_query_and_each_is_paced(rig: Rig) -> None:
    """Google counts requests, and an ``events.list`` page is one request whatever it holds
    (the "Usage limits" guide: requests per minute per user; ``maxResults`` at most 2,500): a
    listing of 2,501 events is 2 queries for the emulator, the adapter and the hub alike. At
    a quota of 1 a minute the second page waits a minute for the first instead of being
    refused (the hub reserves each page as it goes out, not one per listing)."""
    emu = rig.harness.emu
    for i in range(PAGE + 1):
        emu.insert("primary", {"id": f"ev{i:05d}", "summary": str(i),
                               "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}})
    emu.set_quota(1)
    gcal = build(rig.harness.sandbox, quota_per_minute=1)
    assert rig.round(gcal) == "ok"
    assert emu.quota_refused == 0 and emu.quota_calls == 2
    assert len(rig.mem.records) == PAGE + 1
    assert rig.clock.now >= 60  # the second page waited for the first to leave the minute


def test_a_listing_counts_as_many_queries_as_pages_in_the_adapter_and_emulator(
        harness: GcalHarness) -> None:
    for i in range(2 * PAGE + 1):
        harness.emu.insert("primary", {"id": f"ev{i:05d}", "summary": str(i),
                                       "start": {"date": "2026-12-01"},
                                       "end": {"date": "2026-12-02"}})
    harness.emu.set_quota(600)
    got = harness.adapter.changes(None)
    assert got.requests == 3 == harness.emu.quota_calls


def test_1200_updates_with_their_reads_draw_no_403_at_a_quota_of_100(rig: Rig) -> None:
    """A new adapter (a new process) has read none of the events: a moved due keeps each
    event's own length, so each patch reads its event first, in batches. Those reads are
    queries too and are paced like the patches: 1,200 updates at 100 calls a minute make
    2,400 calls and meet no 403."""
    emu = rig.harness.emu
    refs = [rig.mem.user_create(Item(title=f"t{i}", due=DateOnly(date=DAY)))
            for i in range(1200)]
    first = build(rig.harness.sandbox)
    assert rig.round(first) == "ok"  # the copies, quota off
    assert rig.round(first) == "ok"  # reads them back: the sync token moves past them
    assert len(emu.events["primary"]) == 1200
    for ref in refs:
        rig.mem.user_edit(ref, due=DateOnly(date=DAY + dt.timedelta(days=3)))
    emu.set_quota(100)
    started = rig.clock.now
    gcal = build(rig.harness.sandbox, quota_per_minute=100)
    assert rig.round(gcal) == "ok"
    assert emu.quota_refused == 0
    assert emu.quota_calls == 1 + 1200 + 1200  # the listing, the reads, the patches
    moved = {ev["start"].get("date") for ev in emu.events["primary"].values()}
    assert moved == {"2026-12-04"}
    assert rig.clock.now - started >= 23 * 60  # 2,401 calls at 100 a minute
