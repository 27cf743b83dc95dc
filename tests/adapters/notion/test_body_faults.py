"""Body mode: a description rewrite that fails at any step (the body listing, an append, a
block delete, the page update; a 429 or an answer lost after the write landed; once or for a
whole round) never loses the description, neither through the executor's retries nor in the
next round, and leaves the page with exactly the new paragraphs once the faults stop."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.faults import FaultKind
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import NotFound
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.engine import run_flow
from tests.adapters.notion.conftest import NotionHarness, build
from tests.support.memstore import MemStore

OLD = "one\ntwo **bold**"
NEW = "one\ntwo **bold**\nthree"
BODY = {"targets": {"description": "body"}}

FAULTS = [
    (FaultKind.RATE_LIMIT, "children", 1),
    (FaultKind.RATE_LIMIT, "append", 1),
    (FaultKind.RATE_LIMIT, "append", None),  # for the whole round
    (FaultKind.TIMEOUT_AFTER_WRITE, "append", 1),
    (FaultKind.TIMEOUT_AFTER_WRITE, "append", None),
    (FaultKind.SERVER_ERROR, "delete_block", 1),
    (FaultKind.RATE_LIMIT, "delete_block", None),
    (FaultKind.TIMEOUT_AFTER_WRITE, "delete_block", 1),
    (FaultKind.TIMEOUT_AFTER_WRITE, "delete_block", None),
    (FaultKind.SERVER_ERROR, "update", None),
]


def _paragraphs(harness: NotionHarness, ref: str) -> list[str]:
    """The page's paragraphs as plain text, straight from the emulator."""
    return ["".join(t["plain_text"] for t in b["paragraph"]["rich_text"])
            for b in harness.emu.children[ref] if b["type"] == "paragraph"]


def _flow(harness: NotionHarness) -> tuple[MemoryService, Callable[[], dict[str, int]]]:
    """An in-memory service and Notion (description in the page body) in one flow, and a
    function running one round of it (retries without real waiting)."""
    mem = MemoryService(name="mem")
    notion = build(harness.emu, harness.db, options=BODY)
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "notion": notion}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters})
    store, retry = MemStore(), RetryPolicy(sleep=lambda s: None)

    def round_() -> dict[str, int]:
        report = run_flow("f", cfg, adapters, store, retry=retry)  # type: ignore[arg-type]
        return report.counts
    return mem, round_


@pytest.mark.parametrize(("kind", "op", "count"), FAULTS,
                         ids=[f"{k.value}-{o}-{'once' if c else 'round'}" for k, o, c in FAULTS])
def test_a_failed_body_rewrite_never_loses_the_description(
        harness: NotionHarness, kind: FaultKind, op: str, count: int | None) -> None:
    emu = harness.emu
    mem, round_ = _flow(harness)
    ref = mem.user_create(Item(title="task", description=OLD))
    assert round_()["create"] == 1
    page = next(iter(emu.pages))
    assert _paragraphs(harness, page) == ["one", "two bold"]

    mem.user_edit(ref, description=NEW)
    emu.faults.inject(kind, op=op, count=count)
    round_()
    assert emu.faults.fired, "the fault never met a request"
    emu.faults.clear()
    assert mem.live()[ref].description in (OLD, NEW)  # never emptied, never a mix

    for _ in range(3):  # converged within a round once the faults stop, then quiet
        round_()
    assert round_()["writes"] == 0
    assert mem.live()[ref].description == NEW
    assert _paragraphs(harness, page) == ["one", "two bold", "three"]
    fresh = build(emu, harness.db, options=BODY).get(page)  # no memory of what went before
    assert fresh is not None and fresh.item.description == NEW


def test_rewriting_the_body_of_a_page_in_the_trash_is_not_found(harness: NotionHarness) -> None:
    a = build(harness.emu, harness.db, options=BODY)
    created = a.create(Item(title="x", description=OLD), origin="L", idempotency_key="k")
    harness.user_delete(created.ref)
    with pytest.raises(NotFound):
        a.update(created.ref, Item(title="x", description=NEW),
                 fields=frozenset({"description"}), expected_version=None, idempotency_key="u")
    assert _paragraphs(harness, created.ref) == ["one", "two bold"]


def test_a_long_body_whose_second_part_fails_is_one_page_and_completed_next_round(
        harness: NotionHarness) -> None:
    emu = harness.emu
    mem, round_ = _flow(harness)
    text = "\n".join(f"line {n}" for n in range(150))  # 150 paragraphs: create + one append
    mem.user_create(Item(title="long", description=text))
    emu.faults.inject(FaultKind.RATE_LIMIT, op="append", count=None)
    round_()
    pages = [ref for ref, p in emu.pages.items() if not p.get("in_trash")]
    assert len(pages) == 1 and len(_paragraphs(harness, pages[0])) == 100
    emu.faults.clear()
    round_()
    assert [ref for ref, p in emu.pages.items() if not p.get("in_trash")] == pages
    assert _paragraphs(harness, pages[0]) == [f"line {n}" for n in range(150)]
    assert [i.description for i in mem.live().values()] == [text]  # never cut short there
    assert round_()["writes"] == 0
