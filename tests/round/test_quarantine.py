"""Poison items are quarantined, never a stopper (P14), at the engine level.

On the old main an item the adapter could not read raised out of ``changes()`` and failed the
round for every service, cursors never committed; a write the service refused for good
(a Jira summary over 255 characters) failed every round with a message naming no item.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from hub.model import Item
from hub.round.quarantine import FIRST_RETRY
from hub.store.base import QuarantineKind
from tests.support.world import World


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at


def world(**kw: Any) -> tuple[World, Clock]:
    w = World(("a", "b", "c"), **kw)
    return w, Clock()


def test_an_unreadable_item_is_named_the_rest_syncs_and_the_cursor_commits() -> None:
    w, clock = world()
    good = w.services["a"].user_create(Item(title="good"))
    bad = w.services["a"].user_create(Item(title="odd one"))
    w.services["a"].poison(bad, "date 9999-12-31 is out of range")
    r = w.sync(now=clock)
    assert r.status == "partial"  # something is not synced: said once
    assert w.titles("b") == w.titles("c") == ["good"]
    [q] = r.quarantined_new
    assert (q.endpoint, q.ref, q.kind, q.title) == ("a", bad, QuarantineKind.READ, "odd one")
    assert "9999-12-31" in q.reason
    assert any("odd one" in str(err) and "9999-12-31" in str(err) for _, err in r.errors)
    # The cursor moved on: the next round is quiet and does not report it again.
    r2 = w.sync(now=clock)
    assert r2.status == "ok" and r2.quarantined_new == [] and len(r2.quarantined) == 1
    assert r2.counts["writes"] == 0 and good in w.services["a"].records


def test_a_quarantined_item_fixed_by_an_edit_syncs_at_once() -> None:
    w, clock = world()
    bad = w.services["a"].user_create(Item(title="odd one"))
    w.services["a"].poison(bad)
    w.sync(now=clock)
    w.services["a"].unpoison(bad)  # a person fixed it: an edit, listed next round
    r = w.sync(now=clock)
    assert w.titles("b") == ["odd one"] and r.quarantined == []


def test_a_fixed_item_is_retried_by_get_once_the_back_off_passes() -> None:
    w, clock = world()
    bad = w.services["a"].user_create(Item(title="odd one"))
    w.services["a"].poison(bad)
    w.sync(now=clock)
    svc = w.services["a"]
    svc.poisoned.pop(bad)  # fixed without a change the listing would report
    r = w.sync(now=clock)
    assert w.titles("b") == [] and len(r.quarantined) == 1  # still backing off
    clock.at += FIRST_RETRY + dt.timedelta(seconds=1)
    r = w.sync(now=clock)
    assert w.titles("b") == w.titles("c") == ["odd one"]
    assert r.quarantined == [] and w.store.quarantined("f") == []


def test_a_write_refused_for_good_is_named_held_back_and_retried_when_it_changes() -> None:
    w, clock = world()
    w.services["b"].max_title = 10
    ref = w.services["a"].user_create(Item(title="a title far too long for b"))
    w.services["a"].user_create(Item(title="short"))
    r = w.sync(now=clock)
    assert w.titles("b") == ["short"] and sorted(w.titles("c")) == sorted(
        ["short", "a title far too long for b"])
    [q] = r.quarantined_new
    assert (q.endpoint, q.kind, q.title) == ("b", QuarantineKind.WRITE,
                                             "a title far too long for b")
    assert "longer than 10" in q.reason
    assert any("a title far too long for b" in str(err) for _, err in r.errors)
    # Next rounds: the same write is not sent again (no request, not reported again).
    before = w.services["b"].write_count()
    r2 = w.sync(now=clock)
    assert r2.quarantined_new == [] and r2.held == 1
    assert w.services["b"].write_count() == before and r2.status == "ok"
    # The user shortens the title: tried at once, and the record goes.
    w.services["a"].user_edit(ref, title="short too")
    r3 = w.sync(now=clock)
    assert sorted(w.titles("b")) == ["short", "short too"]
    assert r3.quarantined == [] and w.store.quarantined("f") == []


def test_a_held_write_is_tried_again_after_its_back_off() -> None:
    w, clock = world()
    w.services["b"].max_title = 5
    w.services["a"].user_create(Item(title="too long"))
    w.sync(now=clock)
    w.services["b"].max_title = None  # the service lifted its limit
    w.sync(now=clock)
    assert w.titles("b") == []
    clock.at += FIRST_RETRY + dt.timedelta(seconds=1)
    r = w.sync(now=clock)
    assert w.titles("b") == ["too long"] and r.quarantined == []


def test_an_adapter_that_crashes_on_one_item_fails_that_write_only() -> None:
    w, clock = world()
    w.services["a"].user_create(Item(title="boom"))
    w.services["a"].user_create(Item(title="fine"))
    original = w.adapters["b"].create

    def create(item: Item, **kw: Any) -> Any:
        if item.title == "boom":
            raise OverflowError("date value out of range")
        return original(item, **kw)

    w.adapters["b"].create = create  # type: ignore[method-assign]
    r = w.sync(now=clock)
    assert w.titles("b") == ["fine"] and w.titles("c") == ["boom", "fine"]
    [q] = r.quarantined_new
    assert q.endpoint == "b" and "OverflowError" in q.reason


def test_a_crash_ends_the_run_row(tmp_path: Any) -> None:
    from hub.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    w, clock = world(store=store)

    def explode(cursor: Any) -> Any:
        raise KeyboardInterrupt

    w.adapters["a"].changes = explode  # type: ignore[method-assign]
    with contextlib.suppress(KeyboardInterrupt):
        w.sync(now=clock)
    [run] = store.runs("f")
    assert run.status == "crashed" and run.finished_at is not None
    store.close()


def test_a_refused_write_nothing_needs_any_more_is_forgotten() -> None:
    w, clock = world(delete="propagate")  # with `complete` the done item still wants its copy
    w.services["b"].max_title = 10
    ref = w.services["a"].user_create(Item(title="a title far too long for b"))
    assert len(w.sync(now=clock).quarantined) == 1
    w.services["a"].user_delete(ref)  # the person gave up on it
    r = w.sync(now=clock)
    assert r.quarantined == [] and w.store.quarantined("f") == []


def test_a_shutdown_during_back_off_sends_nothing_more() -> None:
    """A daemon asked to stop while a round backs off from a service that is down: the wait
    ends (the daemon's sleep returns at once) and no request follows it, so the round ends
    within the grace period instead of sleeping through its retries (seen by the process-level
    chaos run: exit 1 after the grace period)."""
    from adapters.faults import FaultKind
    from hub.round.calls import RetryPolicy

    w, clock = world()
    w.services["a"].user_create(Item(title="x"))
    w.sync(now=clock)
    w.services["a"].faults.inject(FaultKind.OUTAGE, count=None)
    stopping: list[float] = []
    before = w.services["a"].total_requests
    w.retry = RetryPolicy(attempts=4, sleep=stopping.append)  # a signal during the first wait
    r = w.sync(now=clock, should_stop=lambda: bool(stopping))
    assert w.services["a"].total_requests - before == 1  # the first try, no retry after
    assert len(stopping) == 1 and "a" in r.unreachable
