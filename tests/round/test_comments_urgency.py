"""Webhook-driven work goes first (issue 17): a round a webhook started does not sweep, a pass
that a waiting webhook cuts short keeps what it did not reach (nothing lost) and the sweep
still reaches every link in a bounded number of rounds; a copy the round just made is not
read."""

from __future__ import annotations

from typing import Any

from adapters.ratewindow import Urgency, urgency
from adapters.toolkit import comments as text
from hub.model import Item
from tests.support.world import World

URGENT = Urgency(urgent=True)
WAITED_FOR = Urgency(waiting=lambda: True)  # a full round, a webhook waiting all along


def swept_world(links: int = 5, sweep: int = 4) -> World:
    """``links`` items synced from a to b, where b (as Notion) lists no comment change."""
    w = World(("a", "b"), comments={"sync": True, "sweep": sweep})
    w.services["b"].comments_listed = False
    for n in range(links):
        w.services["a"].user_create(Item(title=f"T{n}"))
    w.sync()
    w.sync()  # the copies come back listed once: their comments are read then
    return w


def ref_of(w: World, name: str, title: str) -> str:
    return next(r for r, i in w.live(name).items() if i.title == title)


def said(w: World, name: str, title: str) -> list[str]:
    svc = w.services[name]
    return [text.parse(c.text).body for c in svc.comments.get(ref_of(w, name, title), [])]


def comment_reads(w: World) -> dict[str, int]:
    return {n: s.requests["comments"] for n, s in w.services.items()}


def sync_under(w: World, u: Urgency, **kw: Any) -> Any:
    with urgency(u):
        return w.sync(**kw)


def test_a_webhook_round_does_not_sweep_and_the_next_full_round_does() -> None:
    w = swept_world()
    w.services["b"].user_comment(ref_of(w, "b", "T0"), "made in b")
    cursor = w.store.get_cursor(w.flow, "comments-sweep:b")
    before = comment_reads(w)
    for _ in range(3):
        sync_under(w, URGENT)
    assert comment_reads(w) == before, "a quiet webhook round reads no comment"
    assert w.store.get_cursor(w.flow, "comments-sweep:b") == cursor
    assert said(w, "a", "T0") == []
    w.sync()  # a full round sweeps
    assert said(w, "a", "T0") == ["made in b"]


def test_a_webhook_round_still_reads_the_comments_of_what_it_touched() -> None:
    w = swept_world()
    ref = ref_of(w, "a", "T3")
    w.services["a"].user_edit(ref, title="T3 renamed")
    w.services["a"].user_comment(ref, "with the edit")
    sync_under(w, URGENT)
    assert said(w, "b", "T3 renamed") == ["with the edit"]


def test_a_sweep_a_waiting_webhook_cuts_short_still_reaches_every_link() -> None:
    w = swept_world(links=9, sweep=8)
    for n in range(9):
        w.services["b"].user_comment(ref_of(w, "b", f"T{n}"), f"note {n}")
    rounds = 0
    while any(said(w, "a", f"T{n}") == [] for n in range(9)):
        rep = sync_under(w, WAITED_FOR)
        rounds += 1
        assert rounds <= 9, "one step a round, a swept link at least in each: 9 rounds"
        assert any("a webhook is waiting" in n for n in rep.notes) or rounds > 4
    assert all(said(w, "a", f"T{n}") == [f"note {n}"] for n in range(9))


def test_touched_links_a_waiting_webhook_leaves_are_kept_for_a_later_round() -> None:
    w = swept_world(links=5, sweep=0)
    for n in range(5):
        ref = ref_of(w, "a", f"T{n}")
        w.services["a"].user_comment(ref, f"note {n}")  # a lists the item with it
    sync_under(w, WAITED_FOR)
    arrived = [n for n in range(5) if said(w, "b", f"T{n}")]
    assert 0 < len(arrived) < 5
    assert w.store.pending_comment_links(w.flow), "the rest is kept, not lost"
    sync_under(w, URGENT)  # a webhook round leaves kept links to a full round
    assert [n for n in range(5) if said(w, "b", f"T{n}")] == arrived
    w.sync()
    assert all(said(w, "b", f"T{n}") == [f"note {n}"] for n in range(5))
    assert not w.store.pending_comment_links(w.flow)


def test_the_copies_a_round_creates_are_not_read() -> None:
    w = World(("a", "b"), comments={"sync": True, "sweep": 0})
    ref = w.services["a"].user_create(Item(title="Task"))
    w.services["a"].user_comment(ref, "before the first sync")
    w.sync()
    assert w.services["b"].requests["comments"] == 0
    assert said(w, "b", "Task") == ["before the first sync"]
    w.sync()
    w.assert_quiet()
    assert said(w, "b", "Task") == ["before the first sync"]
