"""Each phase of :func:`hub.planner.plan.plan_link`, on its own (pure functions)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base import Gone, WriteKind
from hub.config.models import DeletePolicy, LeaveScopePolicy
from hub.model import SYNC_FIELDS, Item, StatusKind
from hub.planner.agreement import Start
from hub.planner.merge import MergeResult, Side
from hub.planner.plan import (
    Draft,
    apply_gone,
    as_held,
    complete,
    drop_unholdable,
    edited,
    finish,
    gone_policy,
    link_writes,
    plan_link,
    settled,
    sides_of,
    start,
    stop_delete,
    take_listed,
    take_merge,
    with_marker,
)
from hub.store.base import Provenance
from tests.planner.planning import FLOW, NOW, copy, flow, link, plan_input, remote, view, views

X = Item(title="x")
DATED = Item(title="x", due={"kind": "date", "date": "2026-01-05"})


def draft(*copies: object, base: Item = X, **kw: object) -> Draft:
    return Draft("L1", base, {c.endpoint: c for c in copies}, **kw)  # type: ignore[attr-defined, arg-type]


# -- start --------------------------------------------------------------------------------


def test_start_a_new_link_from_its_seed() -> None:
    seed = Start(X, {"a": X}, detached=frozenset({"c"}), reasons=("re-linked",))
    d = start("L1", views("a", "b", "c"), None, {"a": remote("a-1", X), "b": remote("b-1", X)},
              seed)
    assert d.base == X and d.detached == {"c"} and d.reasons == ("re-linked",)
    assert d.copies["a"].base == X and d.copies["b"].base == Item()  # b: no agreed value
    assert d.copies["b"].snapshot == X and d.copies["b"].version == "2"
    assert not d.deleting and d.provenance == {}


def test_start_a_new_link_without_seed_is_blank() -> None:
    d = start("L1", views("a"), None, {"a": remote("a-1", X)})
    assert d.base == Item() and d.copies["a"].base == Item()


def test_start_a_stored_link_reattaches_copies_as_their_service_holds_the_base() -> None:
    medium = view("j", represent=lambda f, v: 2 if f == "priority" and v is None else v)
    before = link(X, copy("a", X), detached=frozenset({"j"}), deleting=True,
                  provenance={"title": Provenance("a", 1, "r", NOW)})
    d = start("L1", {"a": view("a"), "j": medium}, before, {"j": remote("j-9", X)})
    assert d.copies["j"].base == X.evolve(priority=2)  # Jira's "Medium" for no priority
    assert d.copies["j"].ref == "j-9" and d.detached == frozenset()
    assert d.reasons == ("j: re-linked j-9 by its origin marker or match key",)
    assert d.deleting and d.provenance == before.provenance


def test_as_held_without_represent_is_the_item() -> None:
    assert as_held(X, view("a")) is X


# -- take_listed, sides_of, edited ---------------------------------------------------------


def test_take_listed_keeps_the_marker_a_listing_did_not_repeat() -> None:
    marked = X.evolve(origin="L1")
    d = take_listed(draft(copy("a", X, marked)), {"a": remote("a-1", Item(title="y"), "7")})
    assert d.copies["a"].snapshot == Item(title="y", origin="L1")
    assert d.copies["a"].version == "7"
    assert take_listed(d, {}) is d


def test_with_marker_prefers_what_was_read() -> None:
    assert with_marker(X.evolve(origin="new"), X.evolve(origin="old")).origin == "new"
    assert with_marker(X, X).origin is None


def test_sides_leave_out_gone_copies_and_take_field_times_of_listed_ones() -> None:
    d = draft(copy("a", X), copy("b", X), copy("c", X))
    listed = remote("a-1", X, field_times={"title": NOW})
    sides = sides_of(d, {"a": listed}, {"c": Gone.DELETED}, {e: view(e) for e in "abc"})
    assert list(sides) == ["a", "b"]
    assert sides["a"].field_times == {"title": NOW} and sides["b"].field_times == {}


def test_edited_counts_only_fields_the_endpoint_syncs() -> None:
    sides = {"a": Side(X, X.evolve(priority=3))}
    assert edited(sides, {"a": view("a")})
    assert not edited(sides, {"a": view("a", fields=("title",))})
    assert not edited({"a": Side(X, X)}, {"a": view("a")})


# -- stop_delete, gone_policy, apply_gone --------------------------------------------------


def test_a_delete_under_way_stops_when_a_copy_was_edited() -> None:
    d = draft(copy("a", X), deleting=True)
    stopped = stop_delete(d, edited_elsewhere=True)
    assert not stopped.deleting and "delete stopped" in stopped.reasons[0]
    assert stop_delete(d, edited_elsewhere=False) is d
    assert stop_delete(draft(), edited_elsewhere=True).reasons == ()


@pytest.mark.parametrize("policy", list(DeletePolicy))
def test_a_deleted_copy_takes_the_delete_policy(policy: DeletePolicy) -> None:
    assert gone_policy(flow("a", "b", delete=policy), Gone.DELETED) is policy


@pytest.mark.parametrize(("leave", "policy"), [
    (LeaveScopePolicy.UNLINK, DeletePolicy.UNLINK),
    (LeaveScopePolicy.COMPLETE, DeletePolicy.COMPLETE),
    (LeaveScopePolicy.DELETE, DeletePolicy.PROPAGATE)])
def test_a_copy_out_of_scope_takes_the_leave_scope_policy(leave: LeaveScopePolicy,
                                                          policy: DeletePolicy) -> None:
    cfg = flow("a", "b", delete="propagate", leave_scope=leave)
    assert gone_policy(cfg, Gone.OUT_OF_SCOPE) is policy


def test_no_gone_copy_no_policy() -> None:
    d = draft(copy("a", X))
    assert apply_gone(flow("a", "b"), d, {}, False) == (d, None)


def test_gone_copies_are_detached_and_the_strongest_policy_applies() -> None:
    cfg = flow("a", "b", "c", delete="propagate", leave_scope="complete")
    d = draft(copy("a", X), copy("b", X), copy("c", X))
    after, policy = apply_gone(cfg, d, {"b": Gone.OUT_OF_SCOPE, "c": Gone.DELETED}, False)
    assert policy is DeletePolicy.PROPAGATE and after.deleting
    assert list(after.copies) == ["a"] and after.detached == {"b", "c"}
    assert after.reasons == ("b: copy out_of_scope; policy complete",
                             "c: copy deleted; policy propagate")


def test_complete_is_stronger_than_unlink() -> None:
    cfg = flow("a", "b", "c", delete="unlink", leave_scope="complete")
    _, policy = apply_gone(cfg, draft(copy("a", X), copy("b", X), copy("c", X)),
                           {"b": Gone.DELETED, "c": Gone.OUT_OF_SCOPE}, False)
    assert policy is DeletePolicy.COMPLETE


def test_an_edit_elsewhere_wins_over_a_delete() -> None:
    cfg = flow("a", "b", delete="propagate")
    after, policy = apply_gone(cfg, draft(copy("a", X), copy("b", X)), {"b": Gone.DELETED},
                               True)
    assert policy is DeletePolicy.UNLINK and not after.deleting
    assert "the edit wins, the copy is only unlinked" in after.reasons[0]


# -- take_merge, complete, drop_unholdable --------------------------------------------------


def test_take_merge_records_the_merge() -> None:
    prov = {"title": Provenance("b", 1, "changed on one side", NOW)}
    old = {"priority": Provenance("a", 0, "changed on one side", NOW)}
    merged = MergeResult(base=Item(title="y"), agreed={"a": X, "b": Item(title="y")},
                         writes={"a": {"title"}}, provenance=prov, reasons=["why"])
    d = take_merge(draft(copy("a", X), copy("b", X), provenance=old, reasons=("first",)),
                   merged)
    assert d.base == Item(title="y") and d.copies["b"].base == Item(title="y")
    assert d.wanted == {"a": frozenset({"title"})}
    assert d.provenance == {**old, **prov} and d.reasons == ("first", "why")


def test_complete_closes_an_open_link_and_tells_every_copy_that_can_say_so() -> None:
    done = X.evolve(status={"kind": "done"})
    sides = {"a": Side(X, X), "b": Side(X, done), "r": Side(X, X), "n": Side(X, X),
             "u": Side(X, X)}
    eps = views("a", "b", r=view("r", writable=False), n=view("n", fields=("title",)),
                u=view("u", observed=False))
    d = complete(draft(wanted={"a": frozenset({"title"})}), DeletePolicy.COMPLETE, sides, eps)
    assert d.base.status.kind is StatusKind.DONE
    assert d.wanted == {"a": frozenset({"title", "status"})}


@pytest.mark.parametrize("policy", [None, DeletePolicy.UNLINK, DeletePolicy.PROPAGATE])
def test_only_the_complete_policy_completes(policy: DeletePolicy | None) -> None:
    d = draft()
    assert complete(d, policy, {}, {}) is d


def test_a_closed_link_is_not_completed_again() -> None:
    d = draft(base=X.evolve(status={"kind": "cancelled"}))
    assert complete(d, DeletePolicy.COMPLETE, {"a": Side(X, X)}, views("a")) is d


def test_a_copy_that_cannot_hold_the_item_is_left_and_unlinked() -> None:
    cal = view("cal", create_requires_any=frozenset({"due", "span"}))
    d = draft(copy("a", X), copy("cal", DATED), wanted={"cal": frozenset({"due"})})
    after = drop_unholdable(d, {"a": view("a"), "cal": cal})
    assert list(after.copies) == ["a"] and after.wanted == {} and after.detached == {"cal"}
    assert "cal: the item no longer has what it needs there (due, span)" in after.reasons[0]
    held = replace(d, base=DATED)
    assert drop_unholdable(held, {"a": view("a"), "cal": cal}) is held


# -- link_writes, finish -------------------------------------------------------------------


def test_a_deleting_link_deletes_its_copies_and_postpones_unreachable_ones() -> None:
    eps = views("a", "b", c=view("c", observed=False))
    d = draft(copy("a", X), copy("b", X), copy("c", X), deleting=True,
              wanted={"a": frozenset({"title"})})
    after, writes = link_writes(FLOW, d, eps, ["a", "b", "c"])
    assert [(w.kind, w.endpoint) for w in writes] == [(WriteKind.DELETE, "a"),
                                                      (WriteKind.DELETE, "b")]
    assert after.reasons == ("c: unreachable, delete postponed",)


def test_a_live_link_updates_and_creates() -> None:
    marked = X.evolve(origin="L1")
    d = draft(copy("a", X, marked), wanted={"a": frozenset({"title"})}, base=Item(title="y"))
    _, writes = link_writes(FLOW, d, views("a", "b"), ["a", "b"])
    assert [(w.kind, w.endpoint) for w in writes] == [(WriteKind.UPDATE, "a"),
                                                      (WriteKind.CREATE, "b")]


def test_finish_is_nothing_when_nothing_changed() -> None:
    before = link(X, copy("a", X))
    d = Draft("L1", X, before.copies)
    assert finish(FLOW, before, d, ()) is None


def test_finish_drops_a_link_left_without_copies() -> None:
    before = link(X, copy("a", X))
    lp = finish(FLOW, before, Draft("L1", X, {}, detached=frozenset({"a"})), ())
    assert lp is not None and lp.drop and lp.interim.detached == {"a"}


def test_finish_plans_what_changed() -> None:
    d = Draft("L1", Item(title="y"), {"a": copy("a", X)}, reasons=("why",), deleting=True)
    lp = finish(FLOW, None, d, ())
    assert lp is not None and not lp.drop and lp.reasons == ("why",)
    assert lp.interim.base == Item(title="y") and lp.interim.deleting


# -- settled and the composition -------------------------------------------------------------


def test_settled_links_are_skipped_unless_a_copy_is_behind_or_missing() -> None:
    marked = X.evolve(origin="L1")
    ok = link(X, copy("a", X, marked), copy("b", X, marked))
    assert settled(ok, views("a", "b"))
    # a copy matched by key whose marker write failed: planned until the marker is written
    assert not settled(link(X, copy("a", X, marked), copy("b", X)), views("a", "b"))
    assert not settled(ok, views("a", "b", "c"))  # c should get a copy
    assert settled(replace(ok, detached=frozenset({"c"})), views("a", "b", "c"))
    assert not settled(replace(ok, deleting=True), views("a", "b"))
    assert not settled(link(X, copy("a", X, Item(title="y", origin="L1")), copy("b", X, marked)),
                       views("a", "b"))
    assert not settled(link(X, copy("a", Item(title="old"), marked)), views("a"))


def test_plan_link_runs_the_phases_in_order() -> None:
    # c is deleted under "complete" and nothing was edited: the link is done everywhere
    before = link(X, *(copy(e, X, X.evolve(origin="L1")) for e in "abc"))
    inp = plan_input(flow("a", "b", "c", delete="complete"), views("a", "b", "c"),
                     {"L1": before})
    lp = plan_link(inp, "L1", before, {}, {}, {"c": Gone.DELETED})
    assert lp is not None
    assert lp.interim.base == X.evolve(status={"kind": "done"})
    assert {w.endpoint: w.fields for w in lp.writes} == {"a": {"status"}, "b": {"status"}}
    assert lp.interim.detached == {"c"} and list(lp.interim.copies) == ["a", "b"]
    assert lp.reasons == ("c: copy deleted; policy complete",)


def test_plan_link_an_edit_wins_over_a_delete() -> None:
    before = link(X, *(copy(e, X, X.evolve(origin="L1")) for e in "abc"))
    inp = plan_input(flow("a", "b", "c", delete="propagate"), views("a", "b", "c"),
                     {"L1": before})
    lp = plan_link(inp, "L1", before, {"b": remote("b-1", Item(title="y", origin="L1"))}, {},
                   {"c": Gone.DELETED})
    assert lp is not None and not lp.interim.deleting
    assert lp.interim.base == Item(title="y")
    assert [(w.kind, w.endpoint, w.fields) for w in lp.writes] == [
        (WriteKind.UPDATE, "a", {"title"})]
    assert lp.interim.provenance["title"].endpoint == "b"


def _jira_like(field: str, value: object) -> object:
    """A service that holds "Medium" (3) for no priority, like Jira."""
    return 3 if field == "priority" and value is None else value


_VALUES = st.sampled_from([Item(title="x"), Item(title="x", priority=3),
                           Item(title="x", url="https://a/1"), Item(title="y"),
                           Item(title="x", labels=("a",))])


@settings(max_examples=300, deadline=None)
@given(base=_VALUES, a=st.tuples(_VALUES, _VALUES), b=st.tuples(_VALUES, _VALUES),
       represent=st.booleans(), b_read_only=st.booleans(),
       b_fields=st.sampled_from([SYNC_FIELDS, frozenset({"title", "priority"}),
                                 frozenset({"title"})]))
def test_a_settled_link_plans_nothing(base: Item, a: tuple[Item, Item], b: tuple[Item, Item],
                                      represent: bool, b_read_only: bool,
                                      b_fields: frozenset[str]) -> None:
    """The shortcut never skips work: whatever the copies hold, as their services represent
    values, a link :func:`settled` calls settled is one that planning untouched leaves as it
    is (no write, no conflict, no change of state)."""
    eps = views("a", b=view("b", b_fields, writable=not b_read_only,
                            represent=_jira_like if represent else None))
    before = link(base, copy("a", a[0], a[1].evolve(origin="L1")),
                  copy("b", b[0], b[1].evolve(origin="L1")))
    if settled(before, eps):
        assert plan_link(plan_input(flow("a", "b"), eps, {"L1": before}), "L1", before,
                         {}, {}, {}) is None
