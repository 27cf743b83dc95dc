"""A dead sync token (410) and the full listing after it: deletions and scope exits that
happened while the token was dead must still be reported, and only from a complete listing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from adapters.base import EndpointContext, Gone
from adapters.faults import FaultKind
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.adapter import PAGE
from adapters.gcal.sandbox import GcalSandbox
from hub.errors import Transient
from hub.model import DateOnly, Item
from tests.adapters.gcal.conftest import GcalHarness

DAY = DateOnly(date=dt.date(2026, 12, 1))


def test_an_event_deleted_while_the_token_was_dead_is_reported_gone(
        harness: GcalHarness) -> None:
    a = harness.adapter
    keep = harness.user_create(Item(title="A", due=DAY))
    drop = harness.user_create(Item(title="B", due=DAY))
    cur = a.changes(None).cursor
    harness.user_delete(drop)
    harness.emu.expire_tokens()
    again = a.changes(cur)
    assert [r.ref for r in again.items] == [keep]
    assert dict(again.gone) == {drop: Gone.DELETED}


def test_a_purged_delete_is_found_by_the_known_ids(harness: GcalHarness) -> None:
    """Google forgets deleted events after a while: the resync no longer lists them, so the
    cursor's known ids are what tell that B is gone."""
    a = harness.adapter
    harness.user_create(Item(title="A", due=DAY))
    drop = harness.user_create(Item(title="B", due=DAY))
    cur = a.changes(None).cursor
    harness.user_delete(drop)
    harness.emu.purge_deleted()
    harness.emu.expire_tokens()
    assert dict(a.changes(cur).gone) == {drop: Gone.DELETED}


def test_known_ids_follow_incremental_rounds(harness: GcalHarness) -> None:
    a = harness.adapter
    cur = a.changes(None).cursor
    later = harness.user_create(Item(title="later", due=DAY))
    cur = a.changes(cur).cursor  # learnt incrementally
    harness.user_delete(later)
    harness.emu.purge_deleted()
    harness.emu.expire_tokens()
    assert dict(a.changes(cur).gone) == {later: Gone.DELETED}


def test_an_event_that_left_the_tag_scope_meanwhile_is_out_of_scope(
        sandbox: GcalSandbox) -> None:
    a = GcalAdapterFactory().build(GcalConnection.model_validate(sandbox.connection),
                                   GcalScope(tag="work"), EndpointContext(name="g", flow="t"))
    mine = a.create(Item(title="x", due=DAY), origin="L", idempotency_key="k1")
    other = a.create(Item(title="y", due=DAY), origin="M", idempotency_key="k2")
    cur = a.changes(None).cursor
    sandbox.emu.patch("primary", mine.ref, {"extendedProperties": {
        "private": {"synchubTag": "home"}}}, None)
    untagged = sandbox.user_create(Item(title="never ours", due=DAY))
    sandbox.emu.expire_tokens()
    again = a.changes(cur)
    assert [r.ref for r in again.items] == [other.ref]
    assert dict(again.gone) == {mine.ref: Gone.OUT_OF_SCOPE}  # not the never-known event
    assert untagged not in again.gone


def test_a_failed_page_of_the_resync_reports_nothing(harness: GcalHarness) -> None:
    a = harness.adapter
    for i in range(PAGE + 10):  # two pages
        harness.emu.insert("primary", {"id": f"ev{i:05d}", "summary": str(i),
                                       "start": {"date": "2026-12-01"},
                                       "end": {"date": "2026-12-02"}})
    cur = a.changes(None).cursor
    harness.user_delete("ev00007")
    harness.emu.expire_tokens()
    # the 410 and the first page pass (a zero-delay latency fault is a no-op), page 2 fails
    harness.emu.faults.inject(FaultKind.LATENCY, op="list", count=2, delay=0.0)
    harness.emu.faults.inject(FaultKind.SERVER_ERROR, op="list", count=1)
    with pytest.raises(Transient):
        a.changes(cur)
    assert dict(a.changes(cur).gone) == {"ev00007": Gone.DELETED}


def test_the_first_listing_reports_nothing_gone(harness: GcalHarness) -> None:
    ref = harness.user_create(Item(title="A", due=DAY))
    harness.user_delete(ref)
    first = harness.adapter.changes(None)
    assert dict(first.gone) == {} and first.items == ()


def test_a_cursor_without_known_ids_still_resyncs(harness: GcalHarness) -> None:
    """Cursors written before the known ids were kept: cancelled events still count."""
    a = harness.adapter
    drop = harness.user_create(Item(title="B", due=DAY))
    token = json.loads(a.changes(None).cursor or "{}")["t"]
    harness.user_delete(drop)
    harness.emu.expire_tokens()
    again = a.changes(json.dumps({"t": token}))
    assert again.gone.get(drop) is Gone.DELETED
    assert drop not in json.loads(again.cursor or "{}")["k"]


def test_an_event_we_created_and_the_user_deleted_while_the_token_was_dead_is_gone(
        harness: GcalHarness) -> None:
    """Created after the last listing, so not among the known ids yet: the resync's
    cancelled event is what says it is gone."""
    a = harness.adapter
    cur = a.changes(None).cursor
    ours = a.create(Item(title="ours", due=DAY), origin="L1", idempotency_key="c1").ref
    harness.user_delete(ours)
    harness.emu.expire_tokens()
    again = a.changes(cur)
    assert dict(again.gone) == {ours: Gone.DELETED}
    assert ours not in json.loads(again.cursor or "{}")["k"]


def _old_cursor(cursor: str | None) -> str:
    """The cursor as written before the known ids were kept: the token alone."""
    return json.dumps({"t": json.loads(cursor or "{}")["t"]})


def test_an_old_cursor_learns_the_known_ids_in_its_first_round(harness: GcalHarness) -> None:
    a = harness.adapter
    old = harness.user_create(Item(title="listed before k was kept", due=DAY))
    cur = _old_cursor(a.changes(None).cursor)
    quiet = a.changes(cur)  # nothing changed: the token alone would learn nothing
    assert quiet.items == () and dict(quiet.gone) == {}
    assert json.loads(quiet.cursor or "{}")["k"] == [old]
    assert a.changes(quiet.cursor).requests == 1  # learnt once; quiet rounds cost one again
    harness.user_delete(old)
    harness.emu.purge_deleted()
    harness.emu.expire_tokens()
    assert dict(a.changes(quiet.cursor).gone) == {old: Gone.DELETED}


def test_an_old_cursor_whose_id_listing_fails_tries_again(harness: GcalHarness) -> None:
    a = harness.adapter
    old = harness.user_create(Item(title="A", due=DAY))
    cur = _old_cursor(a.changes(None).cursor)
    new = harness.user_create(Item(title="B", due=DAY))
    # the incremental listing passes (a zero-delay latency fault is a no-op), the ids fail
    harness.emu.faults.inject(FaultKind.LATENCY, op="list", count=1, delay=0.0)
    harness.emu.faults.inject(FaultKind.SERVER_ERROR, op="list", count=1)
    first = a.changes(cur)
    assert [r.ref for r in first.items] == [new]  # the round's changes are still reported
    assert "k" not in json.loads(first.cursor or "{}")
    assert sorted(json.loads(a.changes(first.cursor).cursor or "{}")["k"]) == sorted([old, new])
