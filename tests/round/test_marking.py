"""Copies a first sync matched by key get their link's origin marker (issue 11, item 6).

Items that existed on both sides before the first sync (matched by title) carry no marker:
synchub did not create them. After a lost state file, a rename made meanwhile hid them from
each other and both were copied again (a duplicate on every side). Now the planner writes the
link's marker on every matched copy except the original the link id names, so after a loss
the marker finds them whatever was edited.
"""

from __future__ import annotations

from dataclasses import replace

from adapters.base import ChangeSet, RemoteItem
from adapters.faults import FaultKind
from adapters.memory import MemoryAdapter
from hub.model import Item
from hub.planner.matching import link_id_for
from tests.support.memstore import MemStore
from tests.support.world import World, ts


class ForgetsMarkers(MemoryAdapter):
    """Lists copies without their markers once it has a cursor, as Todoist's incremental
    ``/sync`` does (it lists only the comments that changed)."""

    def changes(self, cursor: str | None) -> ChangeSet:
        cs = super().changes(cursor)
        if cursor is None:
            return cs
        return ChangeSet(items=tuple(RemoteItem(r.ref, r.item.evolve(origin=None), r.version)
                                     for r in cs.items),
                         gone=cs.gone, cursor=cs.cursor, requests=cs.requests)


def matched(w: World, title: str = "x") -> tuple[str, str]:
    """One item made by hand on each side with the same title, synced once."""
    ref_a = w.services["a"].user_create(Item(title=title, updated_at=ts(0)))
    ref_b = w.services["b"].user_create(Item(title=title, updated_at=ts(0)))
    w.sync()
    return ref_a, ref_b


def test_the_copy_matched_by_title_gets_the_marker_of_its_link() -> None:
    w = World(("a", "b"))
    ref_a, ref_b = matched(w)
    lid = link_id_for("f", "a", ref_a)  # the link is named after the first endpoint's original
    assert w.live("b")[ref_b].origin == lid
    assert w.live("a")[ref_a].origin is None  # the original the id names needs none
    assert w.live("b")[ref_b].title == "x"  # only the marker was written
    w.assert_quiet()


def test_matched_items_renamed_while_the_state_was_lost_are_not_duplicated() -> None:
    """The residual case of the lost-state work: no synchub-made copy anywhere, a rename
    pending on one side when the state goes."""
    w = World(("a", "b"))
    _, ref_b = matched(w)
    w.services["b"].user_edit(ref_b, title="renamed in b", updated_at=ts(5))
    w.store = MemStore()  # the state file was deleted
    rep = w.sync()
    assert rep.counts["create"] == 0, rep.plan
    assert w.titles("a") == w.titles("b") == ["renamed in b"]
    w.assert_quiet()


def test_both_renamed_differently_go_through_the_conflict_policy() -> None:
    w = World(("a", "b"), conflict="newest")
    ref_a, ref_b = matched(w)
    w.services["a"].user_edit(ref_a, title="from a", updated_at=ts(3))
    w.services["b"].user_edit(ref_b, title="from b", updated_at=ts(4))
    w.store = MemStore()
    w.sync()
    assert w.titles("a") == w.titles("b") == ["from b"]
    w.assert_quiet()


def test_a_copy_carrying_another_flows_marker_keeps_it() -> None:
    """An item in two flows: one marker per copy, and the other flow's is left alone (two
    flows re-marking each other's copies would write every round)."""
    w = World(("a", "b"))
    other = link_id_for("another flow", "z", "1")
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    ref_b = w.services["b"].user_create(Item(title="x", updated_at=ts(0), origin=other))
    rep = w.sync()
    assert rep.counts["writes"] == 0, rep.plan
    assert w.live("b")[ref_b].origin == other and w.live("a")[ref_a].origin is None
    w.assert_quiet()


def test_a_marker_is_written_once_where_listings_do_not_repeat_it() -> None:
    w = World(("a", "b"))
    w.adapters["b"] = ForgetsMarkers(w.services["b"], name="b")
    _, ref_b = matched(w)
    assert w.live("b")[ref_b].origin is not None
    marks = w.services["b"].write_count()
    w.services["b"].user_edit(ref_b, title="edited in b", updated_at=ts(5))
    w.sync()  # b is listed again, without its marker: it is not marked a second time
    assert w.services["b"].write_count() == marks
    assert w.titles("a") == ["edited in b"]
    w.assert_quiet()


def test_a_failed_marker_is_written_when_the_link_is_next_planned() -> None:
    w = World(("a", "b"))
    w.services["b"].faults.inject(FaultKind.SERVER_ERROR, "update", count=3)
    ref_a, ref_b = matched(w)
    assert w.live("b")[ref_b].origin is None  # the three tries failed
    w.services["a"].user_edit(ref_a, title="edited in a", updated_at=ts(5))
    w.sync()
    assert w.live("b")[ref_b].origin == link_id_for("f", "a", ref_a)
    assert w.live("b")[ref_b].title == "edited in a"  # in the same write as the edit
    w.assert_quiet()


def test_a_dry_run_shows_the_marker_write() -> None:
    w = World(("a", "b"))
    w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    ref_b = w.services["b"].user_create(Item(title="x", updated_at=ts(0)))
    rep = w.sync(dry_run=True)
    assert rep.plan is not None
    described = [wr.describe() for lp in rep.plan.links for wr in lp.writes]
    assert described == [f"mark {ref_b} with its link's origin marker"]
    assert w.live("b")[ref_b].origin is None


def test_a_read_only_endpoint_is_never_marked() -> None:
    w = World(("a", "b"), read_only=("b",))
    _, ref_b = matched(w)
    assert w.live("b")[ref_b].origin is None
    assert w.services["b"].write_count() == 0


class Echoes(MemoryAdapter):
    """Answers an update with the values sent, not the copy as it is, like Todoist's /sync
    (a status per command); a marker alone is a comment, which lists nothing new about the
    task (its version does not move)."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.capabilities = replace(self.capabilities, echoes_writes=True)

    def update(self, ref: str, item: Item, **kw: object) -> RemoteItem:  # type: ignore[override]
        if not kw["fields"]:
            rec = self.service.records[ref]
            rec.item = rec.item.evolve(origin=kw["origin"])
            return RemoteItem(ref, item.evolve(origin=rec.item.origin), None)
        done = super().update(ref, item, **kw)  # type: ignore[arg-type]
        return RemoteItem(done.ref, item.evolve(origin=done.item.origin), None)


def test_a_marker_write_leaves_a_manual_conflict_open() -> None:
    """A marker-only write to a service that echoes writes stored the link's values as the
    copy's snapshot: the next round found no conflict and wrote over the person's value."""
    w = World(("a", "b"), conflict="manual")
    w.adapters["b"] = Echoes(w.services["b"], name="b")
    w.services["a"].user_create(Item(title="x", description="foo", updated_at=ts(0)))
    ref_b = w.services["b"].user_create(Item(title="x", description="bar", updated_at=ts(0)))
    first = w.sync()
    assert first.counts["conflict"] == 1
    assert w.live("b")[ref_b].origin is not None  # marked all the same
    for _ in range(2):
        w.sync()
        assert [i.description for i in w.live("a").values()] == ["foo"]
        assert w.live("b")[ref_b].description == "bar"
    assert len(w.store.conflicts("f")) == 1
