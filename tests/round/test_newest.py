"""The ``newest`` conflict policy decides per field, from per-field edit times where a service
reports them (issue 11 item 7): whole rounds over in-memory services.

Each service here keeps per-field times of people's edits; ``field_times=True`` makes its
adapter report them (as Jira's changelog does), otherwise only the item's last-modified time
is reported (as Todoist, Notion and Google do).
"""

from __future__ import annotations

from adapters.faults import FaultKind
from adapters.memory import MemoryAdapter
from hub.model import Item
from tests.support.world import World, ts


def world(*names: str, per_field: tuple[str, ...] = ("a", "b"), **kw: object) -> World:
    w = World(names or ("a", "b"), conflict="newest", **kw)
    for n in per_field:
        adapter = w.adapters[n]
        assert isinstance(adapter, MemoryAdapter)
        adapter.field_times = True
    return w


def items(w: World) -> dict[str, tuple[str, int | None]]:
    out = {}
    for name in w.names:
        _, item = w.only(name)
        out[name] = (item.title, item.priority)
    return out


def test_the_newer_edit_of_a_field_wins_although_the_other_copy_was_edited_later() -> None:
    # b sets priority at :02, a at :03, then b retitles at :05. Per item, b's copy is the newer
    # one and its older priority won; per field, a's priority (:03) is the newer edit of it.
    w = world()
    ref_a = w.services["a"].user_create(Item(title="x", priority=1, updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    w.services["b"].user_edit(ref_b, priority=None, updated_at=ts(2))
    w.services["a"].user_edit(ref_a, priority=2, updated_at=ts(3))
    w.services["b"].user_edit(ref_b, title="retitled", updated_at=ts(5))
    rep = w.sync()
    assert items(w) == {"a": ("retitled", 2), "b": ("retitled", 2)}
    reasons = [r for lp in rep.plan.links for r in lp.reasons]  # type: ignore[union-attr]
    assert any("priority" in r and "a wins (conflict: newest)" in r for r in reasons), reasons
    assert w.sync().counts["writes"] == 0


def test_an_edit_surfacing_late_is_compared_with_the_agreed_field_edit_not_the_item() -> None:
    # a retitles at :02 and sets priority at :06; b (unreachable for reads) retitles at :04.
    # a's title is agreed first. When b answers, its title edit (:04) is newer than a's title
    # edit (:02): it wins. Comparing with a's item time (:06) called it late and dropped it.
    w = world()
    ref_a = w.services["a"].user_create(Item(title="x", priority=1, updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    w.services["b"].faults.inject(FaultKind.OUTAGE, op="changes", count=None)
    w.services["a"].user_edit(ref_a, title="a's title", updated_at=ts(2))
    w.services["b"].user_edit(ref_b, title="b's title", updated_at=ts(4))
    w.services["a"].user_edit(ref_a, priority=3, updated_at=ts(6))
    w.sync()
    assert w.titles("a") == ["a's title"]  # b not seen yet
    link = next(iter(w.store.load_links(w.flow).values()))
    assert link.provenance["title"].edited_at == ts(2)  # the field's edit, not the item's
    w.services["b"].faults.clear()
    w.sync()
    assert items(w) == {"a": ("b's title", 3), "b": ("b's title", 3)}
    assert w.sync().counts["writes"] == 0


def test_a_late_edit_older_than_the_agreed_field_edit_still_loses() -> None:
    # The other way round: b's title edit (:02) is older than a's (:04), though b's copy was
    # edited again later (priority at :06, also unseen). a's title stands; b's priority flows.
    w = world()
    ref_a = w.services["a"].user_create(Item(title="x", priority=1, updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    w.services["b"].faults.inject(FaultKind.OUTAGE, op="changes", count=None)
    w.services["b"].user_edit(ref_b, title="b's title", updated_at=ts(2))
    w.services["a"].user_edit(ref_a, title="a's title", updated_at=ts(4))
    w.sync()
    w.services["b"].user_edit(ref_b, priority=4, updated_at=ts(6))
    w.services["b"].faults.clear()
    w.sync()
    assert items(w) == {"a": ("a's title", 4), "b": ("a's title", 4)}


def test_three_copies_the_newest_field_edit_wins_whatever_the_item_times() -> None:
    w = world("a", "b", "c", per_field=("a", "b", "c"))
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    w.sync()
    refs = {n: w.only(n)[0] for n in ("b", "c")}
    w.services["a"].user_edit(ref_a, title="from a", updated_at=ts(1))
    w.services["c"].user_edit(refs["c"], title="from c", updated_at=ts(3))
    w.services["b"].user_edit(refs["b"], title="from b", updated_at=ts(2))
    w.services["a"].user_edit(ref_a, priority=4, updated_at=ts(8))
    w.services["b"].user_edit(refs["b"], priority=4, updated_at=ts(9))
    w.sync()
    assert {n: w.titles(n) for n in w.names} == {n: ["from c"] for n in w.names}


def test_without_per_field_times_the_copy_edited_last_wins_the_conflict() -> None:
    # The documented limit: b reports only item times, so its later priority edit (:05) makes
    # its older title edit (:02) look newer than a's (:03). The winner is still a value a
    # person wrote, and the merge says which rule chose it.
    w = world(per_field=("a",))
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    w.services["b"].user_edit(ref_b, title="older on b", updated_at=ts(2))
    w.services["a"].user_edit(ref_a, title="newer on a", updated_at=ts(3))
    w.services["b"].user_edit(ref_b, priority=2, updated_at=ts(5))
    w.sync()
    assert items(w) == {"a": ("older on b", 2), "b": ("older on b", 2)}


def test_memory_reports_the_times_of_peoples_edits_only() -> None:
    w = world()
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    created = w.adapters["b"].get(ref_b)
    assert created is not None and created.field_times == {}  # made by synchub: no claim
    w.services["b"].user_edit(ref_b, priority=2, updated_at=ts(4))
    w.sync()
    assert dict(w.adapters["b"].get(ref_b).field_times) == {"priority": ts(4)}  # type: ignore[union-attr]
    written = w.adapters["a"].get(ref_a)
    assert written is not None and written.item.priority == 2
    assert written.field_times["priority"] == ts(0)  # synchub's write is not a person's edit


def test_a_field_set_back_to_its_agreed_value_is_a_newer_edit_than_an_older_change() -> None:
    # Found by the state machine (seed 8): a sets status done at :01, b done at :02, a back to
    # open at :03. a's copy holds the agreed value again, so a three-way merge saw b's change
    # only and made it done everywhere, over a person's newer "open".
    w = world()
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    w.services["a"].user_edit(ref_a, status={"kind": "done"}, updated_at=ts(1))
    w.services["b"].user_edit(ref_b, status={"kind": "done"}, updated_at=ts(2))
    w.services["a"].user_edit(ref_a, status={"kind": "open"}, updated_at=ts(3))
    w.sync()
    assert {n: w.only(n)[1].status.kind.value for n in w.names} == {"a": "open", "b": "open"}
    assert w.sync().counts["writes"] == 0


def test_a_set_back_older_than_the_other_change_loses_to_it() -> None:
    w = world()
    ref_a = w.services["a"].user_create(Item(title="x", updated_at=ts(0)))
    w.sync()
    ref_b, _ = w.only("b")
    w.services["a"].user_edit(ref_a, status={"kind": "done"}, updated_at=ts(1))
    w.services["a"].user_edit(ref_a, status={"kind": "open"}, updated_at=ts(2))
    w.services["b"].user_edit(ref_b, status={"kind": "done"}, updated_at=ts(3))
    w.sync()
    assert {n: w.only(n)[1].status.kind.value for n in w.names} == {"a": "done", "b": "done"}
    assert w.sync().counts["writes"] == 0
