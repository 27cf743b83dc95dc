"""The description in the page body: long bodies (Notion lists and appends at most 100
blocks a request), body-only edits, and what body mode costs in requests."""

from __future__ import annotations

import json

from adapters.notion import emu_blocks
from adapters.notion.body import paragraphs
from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness, build


def _lines(n: int, word: str = "line") -> str:
    return "\n".join(f"{word} **{i}**" for i in range(n))


def test_a_long_body_is_written_in_batches_of_100_and_read_back_whole(
        harness: NotionHarness) -> None:
    emu = harness.emu
    a = build(emu, harness.db, options={"targets": {"description": "body"}})
    a.map  # noqa: B018 (reads the schema)
    emu.reset_counts()
    created = a.create(Item(title="long", description=_lines(250)), origin="L",
                       idempotency_key="k")
    sent = [json.loads(b) for b in emu.request_bodies if b]
    assert [len(b.get("children", [])) for b in sent if "children" in b] == [100, 100, 50]
    assert len(emu.children[created.ref]) == 250
    got = a.get(created.ref)
    assert got is not None and got.item.description == _lines(250)
    a.update(created.ref, Item(title="long", description=_lines(130, "new")),
             fields=frozenset({"description"}), expected_version=None, idempotency_key="u")
    got = a.get(created.ref)
    assert got is not None and got.item.description == _lines(130, "new")
    assert len(emu.children[created.ref]) == 130


def test_a_body_only_edit_within_the_minute_is_not_dropped_as_seen(
        harness: NotionHarness) -> None:
    emu = harness.emu
    a = build(emu, harness.db, options={"targets": {"description": "body"}})
    created = a.create(Item(title="x", description="first"), origin="L", idempotency_key="k")
    first = a.changes(None)
    assert [r.item.description for r in first.items] == ["first"]
    # The user adds a paragraph in the same minute: no property changes, same timestamp.
    before = emu.pages[created.ref]["last_edited_time"]
    with emu.lock:
        emu_blocks.append_children(emu, created.ref, paragraphs("second"))
    assert emu.pages[created.ref]["last_edited_time"] == before
    second = a.changes(first.cursor)
    assert [r.item.description for r in second.items] == ["first\nsecond"]


def test_body_mode_costs_one_listing_per_page_read(harness: NotionHarness) -> None:
    emu = harness.emu
    plain = build(emu, harness.db)
    body = build(emu, harness.db, options={"targets": {"description": "body"}})
    for n in range(3):
        harness.user_create(Item(title=f"t{n}"))
    plain.map, body.map  # noqa: B018 (read the schemas)
    emu.reset_counts()
    assert len(plain.changes(None).items) == 3
    assert emu.total_requests == 1  # one query
    emu.reset_counts()
    assert len(body.changes(None).items) == 3
    assert emu.total_requests == 1 + 3  # and each page's children
    assert emu.requests.total() - emu.requests["POST /v1/data_sources/" + harness.ds
                                                + "/query"] == 3


def test_what_was_just_written_is_not_read_back(harness: NotionHarness) -> None:
    emu = harness.emu
    a = build(emu, harness.db, options={"targets": {"description": "body"}})
    a.map, a._users()  # the schema and the people, read once
    emu.reset_counts()
    created = a.create(Item(title="x", description="one\n\n***two***"), origin="L",
                       idempotency_key="k")
    assert emu.total_requests == 1  # the create carries the paragraphs
    got = a.get(created.ref)
    assert got is not None and (got.version, got.item) == (created.version, created.item)
    assert got.item.description == "one\n\n**_two_**"
    updated = a.update(created.ref, Item(title="x", description="three"),
                       fields=frozenset({"description"}), expected_version=got.version,
                       idempotency_key="u")
    got = a.get(created.ref)
    assert got is not None and (got.version, got.item) == (updated.version, updated.item)
