"""Routing observed copies to links, and building a link's writes (pure functions)."""

from __future__ import annotations

from adapters.base import ChangeSet, Gone, WriteKind
from hub.model import Item
from hub.planner.matching import link_id_for
from hub.planner.routing import canonical_parents, named_original, new_links, route
from hub.planner.writes import (
    create_writes,
    delete_writes,
    digest,
    project,
    unmarked,
    update_writes,
)
from tests.planner.planning import FLOW, copy, flow, link, plan_input, remote, view, views

X = Item(title="x")
ORDER = ["a", "b"]


def listing(*items: object, gone: dict[str, Gone] | None = None) -> ChangeSet:
    return ChangeSet(items=items, gone=gone or {}, cursor="c")  # type: ignore[arg-type]


# -- route ----------------------------------------------------------------------------------


def test_route_sorts_copies_by_link() -> None:
    lid = "o" + "0" * 29
    links = {lid: link(X, copy("a", X, ref="a-1"), copy("b", X, ref="b-1"), lid=lid)}
    inp = plan_input(flow("a", "b"), views("a", "b"), links, {
        "a": listing(remote("a-1", X, "1"),  # an echo: what the link knows already
                     remote("a-2", Item(title="new"))),
        "b": listing(remote("b-1", Item(title="edited")), gone={"b-9": Gone.DELETED}),
    })
    r = route(inp)
    assert dict(r.seen) == {lid: {"b": remote("b-1", Item(title="edited"))}}
    assert r.new == [("a", remote("a-2", Item(title="new")))]
    assert not r.gone and r.touched(lid) and not r.touched("other")


def test_route_reattaches_a_marked_copy_and_warns_of_a_second_one() -> None:
    lid = link_id_for(FLOW, "a", "a-1")
    links = {lid: link(X, copy("a", X, ref="a-1"), lid=lid)}
    marked = X.evolve(origin=lid)
    inp = plan_input(flow("a", "b"), views("a", "b"), links, {
        "a": listing(gone={"a-1": Gone.OUT_OF_SCOPE}),
        "b": listing(remote("b-1", marked), remote("b-2", marked))})
    r = route(inp)
    assert dict(r.attach[lid]) == {"b": remote("b-1", marked)}
    assert len(r.warnings) == 1 and "b-2 carries the marker" in r.warnings[0]
    assert dict(r.gone) == {lid: {"a": Gone.OUT_OF_SCOPE}}


def test_an_unmarked_original_listed_again_rejoins_its_link() -> None:
    lid = link_id_for(FLOW, "a", "a-1")
    links = {lid: link(X, copy("b", X, ref="b-1"), lid=lid)}
    inp = plan_input(flow("a", "b"), views("a", "b"), links)
    assert named_original(inp, "a", remote("a-1", X)) == lid
    assert named_original(inp, "b", remote("b-1", X)) is None  # the link has b already
    assert named_original(inp, "a", remote("a-2", X)) is None


# -- new_links ------------------------------------------------------------------------------


def test_new_copies_with_the_same_key_form_one_link() -> None:
    inp = plan_input(flow("a", "b"), views("a", "b"), {}, {
        "a": listing(remote("a-1", X)), "b": listing(remote("b-1", Item(title=" X ")))})
    r = route(inp)
    out = new_links(inp, r)
    assert list(out) == [link_id_for(FLOW, "a", "a-1")]
    assert set(out[link_id_for(FLOW, "a", "a-1")]) == {"a", "b"}


def test_a_first_synced_endpoint_joins_the_one_existing_link_with_its_key() -> None:
    links = {"L1": link(X, copy("a", X, ref="a-1")),
             "L2": link(Item(title="twice"), copy("a", X, ref="a-2"), lid="L2"),
             "L3": link(Item(title="twice"), copy("a", X, ref="a-3"), lid="L3")}
    eps = views("a", b=view("b", first_sync=True))
    inp = plan_input(flow("a", "b"), eps, links, {
        "b": listing(remote("b-1", X), remote("b-2", Item(title="twice")))})
    r = route(inp)
    out = new_links(inp, r)
    assert dict(r.attach["L1"]) == {"b": remote("b-1", X)}
    # ambiguous (two links with its key): held back, not a new link (a duplicate in a), and
    # neither link gets a copy in b meanwhile (issue 15)
    assert list(out) == []
    assert [(h.endpoint, h.ref) for h in r.held] == [("b", "b-2")]
    assert r.waiting == {("L2", "b"), ("L3", "b")}


def test_parents_become_link_ids() -> None:
    links = {"P": link(X, copy("a", X, ref="a-p"), lid="P")}
    inp = plan_input(flow("a", "b"), views("a", "b"), links, {
        "a": listing(remote("a-c", Item(title="child", parent="a-p")),
                     remote("a-o", Item(title="orphan", parent="a-unknown")))})
    r = route(inp)
    new = new_links(inp, r)
    canonical_parents(inp, r, new)
    parents = {m["a"].ref: m["a"].item.parent for m in new.values()}
    assert parents == {"a-c": "P", "a-o": None}


# -- writes -------------------------------------------------------------------------------


def test_digest_is_deterministic() -> None:
    assert digest("f", "L", 1) == digest("f", "L", 1) != digest("f", "L", 2)
    assert len(digest("x")) == 32


def test_project_blanks_what_an_endpoint_cannot_hold() -> None:
    item = Item(title="x", priority=3, origin="L")
    assert project(item, frozenset({"title"})) == Item(title="x", origin="L")


def test_deletes_skip_what_cannot_be_deleted() -> None:
    eps = views("a", b=view("b", can_delete=False), c=view("c", writable=False),
                d=view("d", observed=False))
    copies = {e: copy(e, X) for e in "abcd"}
    writes, reasons = delete_writes(FLOW, "L1", eps, list("abcd"), copies)
    assert [(w.kind, w.endpoint, w.ref) for w in writes] == [(WriteKind.DELETE, "a", "a-1")]
    assert reasons == ["d: unreachable, delete postponed"]


def test_a_copy_matched_by_key_gets_the_link_marker() -> None:
    lid = link_id_for(FLOW, "a", "a-1")
    original, matched = copy("a", X, ref="a-1"), copy("b", X, ref="b-1")
    assert not unmarked(FLOW, lid, original)  # the original the id names
    assert unmarked(FLOW, lid, matched)
    assert not unmarked(FLOW, lid, copy("b", X, X.evolve(origin="other")))
    writes = update_writes(FLOW, lid, views("a", "b"), ORDER, {"a": original, "b": matched},
                           X, {})
    assert [(w.endpoint, w.fields, w.origin) for w in writes] == [("b", frozenset(), lid)]


def test_updates_carry_the_decided_fields_with_a_content_key() -> None:
    marked = copy("a", X, X.evolve(origin="L1"))
    new_base = Item(title="y")
    [w] = update_writes(FLOW, "L1", views("a"), ["a"], {"a": marked}, new_base,
                        {"a": {"title"}})
    assert (w.kind, w.ref, w.fields, w.expected_version, w.origin) == (
        WriteKind.UPDATE, "a-1", {"title"}, "1", None)
    assert w.item == new_base
    [again] = update_writes(FLOW, "L1", views("a"), ["a"], {"a": marked}, new_base,
                            {"a": {"title"}})
    assert again.key == w.key


def test_creates_where_a_copy_belongs_and_is_missing() -> None:
    eps = views("a", "b", c=view("c", writable=False), d=view("d", observed=False),
                e=view("e", create_requires_any=frozenset({"due"})), f=view("f"))
    writes = create_writes(FLOW, "L1", eps, list("abcdef"), {"a": copy("a", X)},
                           {"f"}, X)
    assert [(w.kind, w.endpoint, w.origin) for w in writes] == [(WriteKind.CREATE, "b", "L1")]
