"""``markers: false`` on a Notion endpoint, through the emulator: no "synchub origin" value on
any page and no such column in the data source; a create whose answer was lost found again by
its title (in the same round: Notion's listing is a read, which the fault spares), not made
twice; quiet rounds afterwards write nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.faults import FaultKind
from adapters.memory import ALL_FIELDS, MemoryAdapter, MemoryService
from adapters.notion.sandbox import NotionSandbox
from adapters.notion.schema import ORIGIN_PROPERTY
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.engine import RoundReport, run_flow
from tests.adapters.notion.conftest import build as build_notion
from tests.support.memstore import MemStore


class Pair:
    """A memory service ``a`` and Notion ``notion`` (``markers: false``) in flow ``f``."""

    def __init__(self, sandbox: NotionSandbox) -> None:
        self.sandbox = sandbox
        # the sandbox's own view of the pages (a person's edits, what Notion holds) must not
        # add the column either
        sandbox.view.ctx = dataclasses.replace(sandbox.view.ctx, markers=False)
        self.emu = sandbox.emu
        self.mem = MemoryService(name="a")
        self.adapters: dict[str, Any] = {
            "a": MemoryAdapter(self.mem, name="a", fields=ALL_FIELDS),
            "notion": build_notion(self.emu, sandbox.db, markers=False)}
        self.cfg = FlowConfig(endpoints={
            "a": EndpointConfig(connection="a"),
            "notion": EndpointConfig(connection="notion", markers=False)})
        self.store = MemStore()

    def sync(self) -> RoundReport:
        retry = RetryPolicy(attempts=2, sleep=lambda _: None)
        return run_flow("f", self.cfg, self.adapters, self.store, retry=retry)

    def live(self) -> list[dict[str, Any]]:
        return [p for p in self.emu.pages.values() if not p["in_trash"]
                and p["parent"].get("data_source_id") == self.sandbox.ds]

    def titles(self) -> list[str]:
        return sorted(i.title for i in self.sandbox.items().values())

    def unmarked(self) -> bool:
        """No origin column in the data source, no origin value on any page."""
        return ORIGIN_PROPERTY not in self.emu.sources[self.sandbox.ds]["properties"] and \
            not any(ORIGIN_PROPERTY in p["properties"] for p in self.live())


@pytest.fixture
def pair() -> Iterator[Pair]:
    sandbox = NotionSandbox(timezone="Europe/Berlin")
    p = Pair(sandbox)
    try:
        yield p
    finally:
        p.adapters["notion"].close()
        sandbox.stop()


def test_created_and_matched_pages_carry_no_origin_and_no_column_is_added(pair: Pair) -> None:
    pair.sandbox.user_create(Item(title="matched"))
    pair.mem.user_create(Item(title="matched"))
    pair.mem.user_create(Item(title="new"))
    pair.sync()
    assert pair.titles() == ["matched", "new"]
    assert pair.unmarked()
    assert pair.sync().counts["writes"] == 0  # and no marker write planned every round
    assert pair.unmarked()


def test_a_create_whose_answer_was_lost_is_found_by_its_title(pair: Pair) -> None:
    pair.sync()
    pair.mem.user_create(Item(title="Write report"))
    pair.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="write", count=2)
    rep = pair.sync()  # landed, its answer lost: looked for by title (a read) and linked
    assert [op for op, _ in pair.emu.faults.fired] == ["create"], pair.emu.faults.fired
    assert rep.counts["failed"] == 0 and rep.counts["errors"] == 0, rep.notes
    assert pair.titles() == ["Write report"] and pair.store.pending_intents("f") == []
    pair.emu.faults.clear()
    for _ in range(2):
        quiet = pair.sync()
        assert quiet.counts["writes"] == 0, quiet.plan
    assert pair.titles() == ["Write report"] and len(pair.live()) == 1
    assert [i.title for i in pair.mem.live().values()] == ["Write report"]
    assert pair.unmarked()
    # the page's creation time (to the minute) is what tells it from an older namesake
    assert all(r.created_at is not None for r in pair.adapters["notion"].changes(None).items)
