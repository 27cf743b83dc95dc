"""What a write costs, counted in the emulator: a create is one ``POST /v1/pages`` and an
update one ``PATCH /v1/pages/{id}``, nothing read before or after (Notion answers the page as
it now is, as the recorded ``test_pages_update`` / ``test_pages_create`` show), and what that
answer gives the hub is the page as a read shows it."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.base import ValueMap
from adapters.memory import MemoryAdapter, MemoryService
from adapters.notion.adapter import NotionAdapter
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import NotFound
from hub.model import Item
from hub.round.engine import run_flow
from hub.store import open_store
from tests.adapters.notion.conftest import NotionHarness, build


def _warm(a: NotionAdapter) -> None:
    """The schema and the people (read once per process, before any write)."""
    a.map  # noqa: B018
    a._users()


def test_a_create_is_one_request(harness: NotionHarness) -> None:
    a = harness.adapter
    _warm(a)
    harness.emu.reset_counts()
    created = a.create(harness.sample(1), origin="L1", idempotency_key="k")
    assert harness.emu.request_log == [("POST", "/v1/pages")]
    got = a.get(created.ref)
    assert got is not None and got.version == created.version and got.item == created.item


def test_an_update_is_one_request_and_answers_the_page_as_read(harness: NotionHarness
                                                               ) -> None:
    a = harness.adapter
    _warm(a)
    ref = harness.user_create(harness.sample(2))
    listed = {r.ref: r for r in a.changes(None).items}[ref]
    harness.user_edit(ref, priority=4)  # a person's edit of a field the update leaves alone
    harness.emu.reset_counts()
    updated = a.update(ref, listed.item.evolve(title="renamed"), fields=frozenset({"title"}),
                       expected_version=listed.version, idempotency_key="u", origin="L2")
    assert harness.emu.request_log == [("PATCH", f"/v1/pages/{ref}")]
    assert updated.item.title == "renamed" and updated.item.origin == "L2"
    assert updated.item.priority == 4  # the answer is the page as it now is
    got = a.get(ref)
    assert got is not None and got.version == updated.version and got.item == updated.item


def test_an_update_of_a_page_in_the_trash_is_not_found_in_one_request(
        harness: NotionHarness) -> None:
    a = harness.adapter
    _warm(a)
    created = a.create(harness.sample(3), origin="L3", idempotency_key="k")
    harness.user_delete(created.ref)
    harness.emu.reset_counts()
    with pytest.raises(NotFound):
        a.update(created.ref, harness.sample(4), fields=frozenset({"title"}),
                 expected_version=created.version, idempotency_key="u")
    assert harness.emu.total_requests == 1


def test_body_mode_an_update_of_other_fields_reads_no_body(harness: NotionHarness) -> None:
    """The body as last read is the answer's body: no children listing after the PATCH."""
    a = build(harness.emu, harness.db, options={"targets": {"description": "body"}})
    _warm(a)
    created = a.create(Item(title="b", description="one\ntwo"), origin="L", idempotency_key="k")
    harness.emu.reset_counts()
    updated = a.update(created.ref, created.item.evolve(title="b2"), fields=frozenset({"title"}),
                       expected_version=created.version, idempotency_key="u")
    assert harness.emu.request_log == [("PATCH", f"/v1/pages/{created.ref}")]
    got = a.get(created.ref)
    assert got is not None and got.version == updated.version
    assert got.item.description == updated.item.description == "one\ntwo"


def test_a_round_updating_ten_pages_costs_the_floor(harness: NotionHarness) -> None:
    """Ten pages edited on the other side: ten PATCHes and the round's two listing queries
    (edits and trash), nothing read per page."""
    emu = harness.emu
    notion = build(emu, harness.db, value_maps={"status": ValueMap.from_pairs(
        {"Not started": "open", "Done": "done"})})
    mem = MemoryService(name="cost-mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem", fields={"title", "priority"}),
                "notion": notion}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()
    refs = [mem.user_create(Item(title=f"page {i}", priority=1)) for i in range(10)]
    for _ in range(3):  # the initial sync, its echo, a quiet round
        emu.clock_offset += dt.timedelta(minutes=5)
        assert run_flow("t", cfg, adapters, store).status == "ok"
    for n, ref in enumerate(refs):
        mem.user_edit(ref, title=f"edited {n}")
    emu.clock_offset += dt.timedelta(minutes=5)
    emu.reset_counts()
    assert run_flow("t", cfg, adapters, store).status == "ok"
    writes = [r for r in emu.request_log if r[0] == "PATCH"]
    assert len(writes) == 10 and emu.total_requests == 12, emu.request_log
    assert sorted(i.title for i in harness.sandbox.items().values()) == sorted(
        f"edited {n}" for n in range(10))
