"""The read window moves on in Notion's clock (its ``Date`` header) less a settle margin: a
burst of edits is listed once more at most, a quiet round is two requests (the edits query and
the trash query), and a skewed local clock cannot make it skip an edit."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from adapters.notion.adapter import NotionAdapter
from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness, build

MINUTES = dt.timedelta(minutes=5)  # rounds a daemon interval apart


def test_a_burst_is_listed_once_then_a_quiet_round_is_two_requests(
        harness: NotionHarness) -> None:
    emu, a = harness.emu, harness.adapter
    for n in range(30):
        harness.user_create(Item(title=f"old {n}"))
    first = a.changes(None)
    assert len(first.items) == 30
    emu.clock_offset += MINUTES
    for n in range(250):  # a burst within one minute (an import, our own initial sync)
        harness.user_create(Item(title=f"burst {n}"))
    emu.clock_offset += MINUTES
    emu.reset_counts()
    second = a.changes(first.cursor)
    assert len(second.items) == 250 and emu.total_requests == 3 + 1  # 3 pages, the trash
    for _ in range(3):
        emu.clock_offset += MINUTES
        emu.reset_counts()
        quiet = a.changes(second.cursor)
        assert quiet.items == () and dict(quiet.gone) == {}
        assert emu.total_requests == quiet.requests == 2  # the edits query and the trash query
        assert json.loads(quiet.cursor)["seen"] == {}
        second = quiet


def test_the_window_follows_notions_clock_not_ours(harness: NotionHarness) -> None:
    """Notion's clock two hours behind ours: a window in our clock would skip its edits."""
    emu, a = harness.emu, harness.adapter
    emu.clock_offset = -dt.timedelta(hours=2)
    ref = harness.user_create(Item(title="x"))
    first = a.changes(None)
    start = json.loads(first.cursor)["from"]
    assert start == (emu.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:00.000Z")
    emu.clock_offset += dt.timedelta(minutes=3)
    harness.user_edit(ref, title="edited in Notion's time")
    assert [r.item.title for r in a.changes(first.cursor).items] == ["edited in Notion's time"]


def test_an_edit_the_index_showed_late_is_still_listed(harness: NotionHarness) -> None:
    """An edit made at hh:mm:50 that a listing at hh:mm+1:10 does not show yet (Notion's index
    lags behind it) is inside the next window: the settle margin is there for it (a window from
    the listing's own minute, hh:mm+1, would skip an edit stamped hh:mm)."""
    emu, a = harness.emu, harness.adapter
    ref = harness.user_create(Item(title="x"))
    first = a.changes(None)
    # Pin Notion's clock to hh:mm:50 (it runs on from there, but the test takes milliseconds).
    now = emu.now()
    emu.clock_offset += (now + MINUTES).replace(second=50, microsecond=0) - now
    indexed = copy.deepcopy(emu.pages[ref])  # what the lagging index still holds
    harness.user_edit(ref, title="late")
    stamp = emu.pages[ref]["last_edited_time"]  # hh:mm:00.000Z
    emu.clock_offset += dt.timedelta(seconds=20)
    query = emu.query

    def lagging(ds: str, body: dict[str, Any]) -> dict[str, Any]:
        edited, emu.pages[ref] = emu.pages[ref], indexed
        try:
            return query(ds, body)
        finally:
            emu.pages[ref] = edited

    emu.query = lagging  # type: ignore[method-assign]
    second = a.changes(first.cursor)
    emu.query = query  # type: ignore[method-assign]
    assert second.items == ()  # the listing missed the edit
    asked = a.client.server_time
    assert asked is not None and asked.strftime("%Y-%m-%dT%H:%M") > stamp[:16]  # a minute on
    emu.clock_offset += MINUTES
    assert [r.item.title for r in a.changes(second.cursor).items] == ["late"]


def test_window_without_a_date_header_and_from_an_older_cursor() -> None:
    page = {"id": "p", "last_edited_time": "2026-07-01T10:07:00.000Z"}
    assert NotionAdapter._next_window(None, None, [page]) == "2026-07-01T10:06:00.000Z"
    assert NotionAdapter._next_window("2026-07-01T10:00:00.000Z", None, []) == \
        "2026-07-01T10:00:00.000Z"
    assert NotionAdapter._next_window(None, None, []) is None  # not our clock: list it all
    asked = dt.datetime(2026, 7, 1, 10, 30, 45, tzinfo=dt.UTC)
    assert NotionAdapter._next_window("2026-07-01T10:00:00.000Z", asked, [page]) == \
        "2026-07-01T10:29:00.000Z"
    # A cursor written before the window moved in Notion's clock: its "since" was the newest
    # edit seen, and the listing started one minute before it.
    assert NotionAdapter.read_cursor('{"since": "2026-07-01T10:07:00.000Z"}').start == \
        "2026-07-01T10:06:00.000Z"


def test_without_a_date_header_an_empty_round_keeps_the_window_open(
        harness: NotionHarness) -> None:
    """No ``Date`` header and nothing listed: the next listing starts where this one did, not
    at our clock (two hours ahead of Notion's here, which would skip its edits)."""
    emu = harness.emu
    a = build(emu, harness.db)
    a.client.http.event_hooks = {"response": []}  # the answers' Date headers go unread
    emu.clock_offset = -dt.timedelta(hours=2)
    empty = a.changes(None)
    assert empty.items == () and a.client.server_time is None
    harness.user_create(Item(title="made in Notion's time"))
    assert [r.item.title for r in a.changes(empty.cursor).items] == ["made in Notion's time"]
