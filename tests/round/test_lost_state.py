"""A lost state file (a fresh store) with edits made meanwhile: whole rounds over three
in-memory services (issue 11, item 6).

What must hold after the loss, with or without edits pending: no duplicates, no edit reverted,
no completed or deleted item resurrected, no default value copied where none was set, and a
re-linked item whose copies disagree goes through the flow's conflict policy.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import ChangeSet
from adapters.faults import FaultKind
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import Item, StatusKind
from hub.planner.matching import legacy_link_id
from hub.round.engine import RoundReport, run_flow
from tests.support.budget import examples
from tests.support.memstore import MemStore
from tests.support.world import World, ts

NAMES = ("a", "b", "c")



class TodoistLike(MemoryAdapter):
    """Lists completed items only in incremental listings, as Todoist's ``/sync`` does: a
    full listing (no cursor, as after a lost state file) returns open tasks only."""

    def changes(self, cursor: str | None) -> ChangeSet:
        cs = super().changes(cursor)
        if cursor is not None:
            return cs
        return ChangeSet(items=tuple(r for r in cs.items if not r.item.status.kind.closed),
                         gone=cs.gone, cursor=cs.cursor, requests=cs.requests)


class JiraLike(MemoryAdapter):
    """Cannot hold "no priority": the service stores its default (2, "Medium") instead, and
    says so through ``represent`` like adapters/jira does."""

    def represent(self, field: str, value: Any) -> Any:
        return 2 if field == "priority" and value is None else value

    def _stored(self, item: Item) -> Item:
        return item.evolve(priority=self.represent("priority", item.priority))

    def create(self, item: Item, **kw: Any) -> Any:  # type: ignore[override]
        return super().create(self._stored(item), **kw)

    def update(self, ref: str, item: Item, **kw: Any) -> Any:  # type: ignore[override]
        return super().update(ref, self._stored(item), **kw)


def lose_state(w: World) -> None:
    w.store = MemStore()  # the state file was deleted


def by_title(w: World, name: str) -> dict[str, tuple[str, Item]]:
    """title -> (ref, item) in one service; fails on a duplicate title (P2)."""
    out: dict[str, tuple[str, Item]] = {}
    for ref, item in w.live(name).items():
        assert item.title not in out, f"{name}: duplicate {item.title!r}"
        out[item.title] = (ref, item)
    return out


def five_synced(w: World, where: str = "a", **fields: Any) -> list[str]:
    titles = [f"task {i}" for i in range(5)]
    for t in titles:
        w.services[where].user_create(Item(title=t, updated_at=ts(0), **fields))
    assert w.sync().status == "ok"
    for n in w.names:
        assert sorted(by_title(w, n)) == titles
    return titles


@pytest.mark.parametrize("editor", NAMES)
def test_title_and_priority_edits_pending_at_the_loss_reach_every_copy(editor: str) -> None:
    """"a" holds the originals, "b" and "c" the marked copies: an edit in any of them wins."""
    w = World(NAMES)
    titles = five_synced(w)
    for i, t in enumerate(titles):
        ref, _ = by_title(w, editor)[t]
        w.services[editor].user_edit(ref, title=f"{t} (edited)", priority=i % 4 + 1,
                                     updated_at=ts(5))
    lose_state(w)
    rep = w.sync()
    assert rep.status == "ok"
    for n in NAMES:
        got = by_title(w, n)
        assert sorted(got) == [f"{t} (edited)" for t in titles], n
        assert [got[f"{t} (edited)"][1].priority for t in titles] == [1, 2, 3, 4, 1], n
    w.assert_quiet()


def test_different_fields_edited_in_different_services_all_survive() -> None:
    w = World(NAMES)
    titles = five_synced(w)
    ref_a, _ = by_title(w, "a")[titles[0]]
    ref_b, _ = by_title(w, "b")[titles[0]]
    ref_c, _ = by_title(w, "c")[titles[0]]
    w.services["a"].user_edit(ref_a, labels=["home"], updated_at=ts(3))
    w.services["b"].user_edit(ref_b, title="renamed in b", updated_at=ts(4))
    w.services["c"].user_edit(ref_c, description="notes from c", updated_at=ts(5))
    lose_state(w)
    w.sync()
    for n in NAMES:
        got = by_title(w, n)
        assert len(got) == 5 and "renamed in b" in got, n
        item = got["renamed in b"][1]
        assert (item.labels, item.description) == (("home",), "notes from c"), n
    w.assert_quiet()


@pytest.mark.parametrize(("policy", "winner"), [
    ("newest", "from b"), ({"prefer": "a"}, "from a"), ({"prefer": "c"}, "task 0")])
def test_one_field_edited_differently_goes_through_the_conflict_policy(
        policy: object, winner: str) -> None:
    w = World(NAMES, conflict=policy)
    titles = five_synced(w)
    ref_a, _ = by_title(w, "a")[titles[0]]
    ref_b, _ = by_title(w, "b")[titles[0]]
    w.services["a"].user_edit(ref_a, title="from a", updated_at=ts(3))
    w.services["b"].user_edit(ref_b, title="from b", updated_at=ts(4))
    lose_state(w)
    w.sync()
    for n in NAMES:
        assert sorted(by_title(w, n)) == sorted([winner, *titles[1:]]), n
    w.assert_quiet()


def test_one_field_edited_differently_is_a_manual_conflict_and_nothing_is_overwritten() -> None:
    w = World(NAMES, conflict="manual")
    titles = five_synced(w)
    ref_a, _ = by_title(w, "a")[titles[0]]
    ref_b, _ = by_title(w, "b")[titles[0]]
    w.services["a"].user_edit(ref_a, title="from a", priority=4, updated_at=ts(3))
    w.services["b"].user_edit(ref_b, title="from b", updated_at=ts(4))
    lose_state(w)
    rep = w.sync()
    assert rep.counts["conflict"] == 1 and rep.counts["create"] == 0
    assert w.titles("a") == sorted(["from a", *titles[1:]])
    assert w.titles("b") == sorted(["from b", *titles[1:]])
    assert w.titles("c") == sorted(titles)
    for n in NAMES:  # the uncontested field still flowed
        assert by_title(w, n)[{"a": "from a", "b": "from b", "c": "task 0"}[n]][1].priority == 4
    w.sync()  # the conflict stays open, it is not settled silently by the next round
    (c,) = w.store.conflicts("f")
    assert c.field == "title" and dict(c.values) == {"a": "from a", "b": "from b", "c": "task 0"}
    assert w.titles("a") == sorted(["from a", *titles[1:]])


def test_a_decided_dispute_stays_decided_when_a_write_fails() -> None:
    """The copy that lost the dispute is brought up to the winner when its write succeeds
    later; its old value is not taken for a new edit that then wins."""
    w = World(NAMES, conflict={"prefer": "b"})
    titles = five_synced(w)
    ref_a, _ = by_title(w, "a")[titles[0]]
    ref_b, _ = by_title(w, "b")[titles[0]]
    w.services["a"].user_edit(ref_a, title="from a", updated_at=ts(4))
    w.services["b"].user_edit(ref_b, title="from b", updated_at=ts(3))
    lose_state(w)
    w.services["a"].faults.inject(FaultKind.OUTAGE, op="update", count=None)
    assert w.sync().status == "partial"
    assert w.titles("b") == w.titles("c") == sorted(["from b", *titles[1:]])
    w.services["a"].faults.clear()
    w.sync()
    for n in NAMES:
        assert sorted(by_title(w, n)) == sorted(["from b", *titles[1:]]), n
    w.assert_quiet()


@pytest.mark.parametrize("policy", ["newest", "manual"])
def test_two_services_a_single_edit_is_not_silently_reverted(policy: str) -> None:
    """With two copies nothing tells which one was edited: the policy decides (newest: the
    edit, it is the newer one; manual: a queued conflict), not the endpoint order."""
    w = World(("a", "b"), conflict=policy)
    titles = five_synced(w, where="b")
    ref_a, _ = by_title(w, "a")[titles[2]]
    w.services["a"].user_edit(ref_a, title="edited in a", updated_at=ts(5))
    lose_state(w)
    rep = w.sync()
    expected_b = "edited in a" if policy == "newest" else titles[2]
    assert w.titles("a") == sorted(["edited in a", *titles[:2], *titles[3:]])
    assert w.titles("b") == sorted([expected_b, *titles[:2], *titles[3:]])
    assert rep.counts["conflict"] == (1 if policy == "manual" else 0)
    assert rep.counts["create"] == 0


@pytest.mark.parametrize("where", ["a", "b"])
def test_a_completed_item_that_a_full_listing_omits_is_not_created_again(where: str) -> None:
    """"a" lists completed items only incrementally (Todoist). The item was completed in
    ``where`` and synced before the loss; "a" then lists nothing for it."""
    w = World(NAMES)
    w.adapters["a"] = TodoistLike(w.services["a"], name="a")
    origin = "a" if where == "a" else "b"
    titles = five_synced(w, where=origin)
    ref, _ = by_title(w, where)[titles[1]]
    w.services[where].user_edit(ref, status={"kind": StatusKind.DONE}, updated_at=ts(2))
    w.sync()
    assert all(by_title(w, n)[titles[1]][1].status.kind is StatusKind.DONE for n in NAMES)
    lose_state(w)
    rep = w.sync()
    assert rep.counts["create"] == 0
    for n in NAMES:
        assert sorted(by_title(w, n)) == titles, n  # nothing new, the done one not reopened
        assert by_title(w, n)[titles[1]][1].status.kind is StatusKind.DONE, n
    w.assert_quiet()
    # reopened later in "a": it is the same item again, its new status reaches the others
    ref_a, _ = by_title(w, "a")[titles[1]]
    w.services["a"].user_edit(ref_a, status={"kind": StatusKind.OPEN}, updated_at=ts(9))
    w.sync()
    for n in NAMES:
        assert sorted(by_title(w, n)) == titles, n
        assert by_title(w, n)[titles[1]][1].status.kind is StatusKind.OPEN, n
    w.assert_quiet()


@pytest.mark.parametrize("where", ["a", "b"])
def test_an_item_deleted_while_the_state_was_lost_is_not_created_again(where: str) -> None:
    w = World(NAMES)
    titles = five_synced(w)
    lose_state(w)
    ref, _ = by_title(w, where)[titles[3]]
    w.services[where].user_delete(ref)
    rep = w.sync()
    assert rep.counts["create"] == 0
    assert titles[3] not in by_title(w, where)
    for n in NAMES:
        assert len(by_title(w, n)) == (4 if n == where else 5), n
    w.assert_quiet()


def test_an_item_deleted_and_synced_before_the_loss_is_not_created_again() -> None:
    w = World(NAMES)  # delete policy "complete": the other copies are marked done
    titles = five_synced(w)
    ref, _ = by_title(w, "b")[titles[0]]
    w.services["b"].user_delete(ref)
    w.sync()
    lose_state(w)
    rep = w.sync()
    assert rep.counts["create"] == 0 and titles[0] not in by_title(w, "b")
    w.assert_quiet()


@pytest.mark.parametrize("origin", ["a", "b"])
def test_a_default_the_service_fills_in_is_not_copied_to_items_without_one(origin: str
                                                                           ) -> None:
    w = World(NAMES)
    w.adapters["b"] = JiraLike(w.services["b"], name="b")
    titles = five_synced(w, where=origin)
    assert {i.priority for i in w.live("b").values()} == {2}  # Jira shows "Medium"
    assert {i.priority for i in w.live("c").values()} == {None}
    ref_c, _ = by_title(w, "c")[titles[0]]
    w.services["c"].user_edit(ref_c, title="renamed", updated_at=ts(4))  # pending meanwhile
    lose_state(w)
    rep = w.sync()
    assert rep.counts["create"] == 0
    assert rep.counts["update"] == 2  # the rename, to "a" and "b", and nothing else
    for n in ("a", "c"):
        assert {i.priority for i in w.live(n).values()} == {None}, n
    for n in NAMES:
        assert sorted(by_title(w, n)) == sorted(["renamed", *titles[1:]]), n
    w.assert_quiet()


def test_two_services_a_completed_original_is_not_created_again() -> None:
    """With two endpoints the marked copy is alone: its marker (this flow's) still says it is
    a copy of a lost link, not a new item."""
    w = World(("a", "b"))
    w.adapters["a"] = TodoistLike(w.services["a"], name="a")
    titles = five_synced(w)
    ref, _ = by_title(w, "a")[titles[4]]
    w.services["a"].user_edit(ref, status={"kind": StatusKind.DONE}, updated_at=ts(2))
    w.sync()
    lose_state(w)
    assert w.sync().counts["create"] == 0
    assert sorted(by_title(w, "a")) == sorted(by_title(w, "b")) == titles
    w.assert_quiet()


def test_a_legacy_link_id_still_names_its_original() -> None:
    """Copies made before link ids carried the flow tag (``l…`` ids) find their original by
    its (flow, endpoint, ref) too, title edited or not."""
    w = World(("a", "b"))
    ref_a = w.services["a"].user_create(Item(title="old", updated_at=ts(0)))
    w.services["b"].user_create(Item(title="old", updated_at=ts(0),
                                     origin=legacy_link_id("f", "a", ref_a)))
    w.services["a"].user_edit(ref_a, title="renamed", updated_at=ts(5))
    rep = w.sync()  # a fresh store: as after a lost state file
    assert rep.counts["create"] == 0
    assert w.titles("a") == w.titles("b") == ["renamed"]
    w.assert_quiet()


def test_an_item_another_flow_created_is_an_original_here() -> None:
    """Two flows share service "b": f1 (a<->b) made a copy in b, which f2 (b<->c) must copy to
    c like any item of b, and find again after f2's state is lost."""
    svc = {n: MemoryService(name=n) for n in NAMES}
    adapters = {n: MemoryAdapter(svc[n], name=n) for n in NAMES}
    flows = {"f1": ("a", "b"), "f2": ("b", "c")}
    cfgs = {f: FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in eps})
            for f, eps in flows.items()}
    stores = {f: MemStore() for f in flows}

    def sync(flow: str) -> RoundReport:
        return run_flow(flow, cfgs[flow], {n: adapters[n] for n in flows[flow]}, stores[flow])

    svc["a"].user_create(Item(title="from a", updated_at=ts(0)))
    sync("f1")
    sync("f2")
    assert [i.title for i in svc["c"].live().values()] == ["from a"]
    ref_b = next(iter(svc["b"].live()))
    svc["b"].user_edit(ref_b, title="renamed in b", updated_at=ts(3))
    stores["f2"] = MemStore()  # f2's state is lost
    assert sync("f2").counts["create"] == 0
    sync("f1")
    for n in NAMES:
        assert [i.title for i in svc[n].live().values()] == ["renamed in b"], n


def test_a_first_sync_match_takes_no_default_for_a_value() -> None:
    """Not a lost state, the same question: an existing Jira issue matched by title with a
    Todoist task that has no priority agrees with it ("Medium" is Jira's "none")."""
    w = World(("a", "b"))
    w.adapters["b"] = JiraLike(w.services["b"], name="b")
    w.services["a"].user_create(Item(title="x"))
    w.services["b"].user_create(Item(title="x", priority=2))
    rep = w.sync()
    assert rep.plan is not None
    (only,) = [wr for lp in rep.plan.links for wr in lp.writes]
    assert only.endpoint == "b" and not only.fields and only.origin  # its marker, nothing else
    assert w.only("a")[1].priority is None and w.only("b")[1].priority == 2
    w.assert_quiet()


def test_a_copy_that_returns_to_its_link_is_compared_as_its_service_represents_values(
        ) -> None:
    """A copy that left the scope (unlinked) and came back re-attaches by its marker; Jira's
    "Medium", which it holds for "no priority", is not read as a priority someone set."""
    w = World(("a", "b"))
    w.adapters["b"] = JiraLike(w.services["b"], name="b", label="work")
    w.services["a"].user_create(Item(title="x", labels=["work"], updated_at=ts(0)))
    w.sync()
    w.sync()  # b has listed something: its next listing reports what left the scope
    ref_b, copy = w.only("b")
    assert copy.priority == 2
    w.services["b"].user_edit(ref_b, labels=[], updated_at=ts(1))
    assert "b" in next(iter(w.store.links.values())).copies
    w.sync()  # left b's scope: unlinked there
    assert "b" not in next(iter(w.store.links.values())).copies
    w.services["b"].user_edit(ref_b, labels=["work"], updated_at=ts(2))
    w.sync()  # back in scope: re-linked by its marker, not created again
    assert len(w.live("a")) == len(w.live("b")) == 1
    assert w.only("a")[1].priority is None
    w.assert_quiet()


def test_an_original_back_in_scope_rejoins_its_link_instead_of_replacing_it() -> None:
    """An original that left the scope (unlinked there) and came back gives its link's id: it
    rejoins that link. Before, it formed a "new" link under the same id, which replaced the
    stored one; its create in b reused the first create's idempotency key, so the service
    handed back the old copy and the edit made in a never reached b."""
    w = World(("a", "b"))
    w.adapters["a"] = MemoryAdapter(w.services["a"], name="a", label="work")
    ref_a = w.services["a"].user_create(Item(title="x", labels=["work"], updated_at=ts(0)))
    w.sync()
    w.sync()  # a has listed something: its next listing reports what left the scope
    w.services["a"].user_edit(ref_a, labels=[], updated_at=ts(1))
    w.sync()
    w.services["a"].user_edit(ref_a, labels=["work"], title="x again", updated_at=ts(2))
    w.sync()
    assert w.titles("b") == ["x again"]
    w.assert_quiet()


# -- property: lose the state at any step --------------------------------------------------------

step = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(NAMES)),
    st.tuples(st.just("title"), st.sampled_from(NAMES), st.integers(0, 20)),
    st.tuples(st.just("priority"), st.sampled_from(NAMES), st.integers(0, 20),
              st.none() | st.integers(1, 4)),
    st.tuples(st.just("status"), st.sampled_from(NAMES), st.integers(0, 20),
              st.sampled_from([StatusKind.OPEN, StatusKind.IN_PROGRESS, StatusKind.DONE])),
    st.tuples(st.just("sync")),
    st.tuples(st.just("lose")),
)


def _by_identity(w: World, name: str) -> dict[str, Item]:
    """url (the identity users never edit) -> item, failing on two copies of one item (P2)."""
    out: dict[str, Item] = {}
    for item in w.live(name).values():
        assert item.url not in out, f"{name}: two copies of {item.url}"
        out[item.url or ""] = item
    return out


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=24))
def test_losing_the_state_at_any_step_duplicates_nothing_and_loses_no_single_side_edit(
        steps: list[tuple[Any, ...]]) -> None:
    """Titles (the match key), priorities and statuses are edited on any service, at most one
    service per item and field between two rounds; the state file is lost at random steps.
    Once rounds run until quiet, every service holds each item once, with its last edit."""
    w = World(NAMES)
    expected: dict[str, dict[str, Any]] = {}  # identity -> field -> last value a user set
    editor: dict[tuple[str, str], str] = {}  # (identity, field) -> service, this window
    serial = iter(range(1, 10_000))
    for s in steps:
        if s[0] == "create":
            n = next(serial)
            w.services[s[1]].user_create(Item(title=f"item {n}", url=f"id:{n}"))
            expected[f"id:{n}"] = {"title": f"item {n}", "priority": None,
                                   "status": StatusKind.OPEN}
        elif s[0] in ("title", "priority", "status"):
            live = sorted(w.live(s[1]).items())
            if not live:
                continue
            ref, item = live[s[2] % len(live)]
            ident = item.url or ""
            if editor.setdefault((ident, s[0]), s[1]) != s[1]:
                continue  # a second editor of this field: the conflict policy's business
            value = f"edit {next(serial)}" if s[0] == "title" else s[3]
            w.services[s[1]].user_edit(
                ref, **{s[0]: {"kind": value} if s[0] == "status" else value})
            expected[ident][s[0]] = value
        elif s[0] == "sync":
            w.sync()
            editor.clear()
            for n in NAMES:
                _by_identity(w, n)
        else:
            lose_state(w)
    for _ in range(3):
        if w.sync().counts["writes"] == 0:
            break
    w.assert_quiet()
    for n in NAMES:
        got = _by_identity(w, n)
        assert {i: {"title": it.title, "priority": it.priority, "status": it.status.kind}
                for i, it in got.items()} == expected, n
