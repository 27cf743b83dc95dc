"""The per-field case table of :mod:`hub.planner.merge`, phase by phase (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.config.models import FlowConfig, PreferPolicy
from hub.model import Item
from hub.planner.merge import (
    Case,
    FieldMerge,
    MergeContext,
    Side,
    Step,
    changes,
    copy_step,
    decide,
    late_edits,
    merge_field,
    merge_link,
    set_backs,
)
from hub.store.base import Provenance
from tests.planner.planning import NOW, flow, ts, view, views

X = Item(title="x", updated_at=ts(0))
NAMES = ("a", "b", "c")


def ctx(cfg: FlowConfig | None = None, *, base: Item = X,
        provenance: dict[str, Provenance] | None = None, **sides: Side) -> MergeContext:
    cfg = cfg or flow(*NAMES)
    return MergeContext("L1", base, sides, views(*NAMES), cfg, list(NAMES), provenance or {})


def side(title: str | None = None, at: int = 1, base: Item = X, **times: int) -> Side:
    current = base if title is None else base.evolve(title=title, updated_at=ts(at))
    return Side(base, current, {f: ts(m) for f, m in times.items()})


def title(c: MergeContext) -> FieldMerge:
    return merge_field(c, "title", tuple(c.sides))


# -- the case table ------------------------------------------------------------------------


def test_no_copy_changed_the_agreed_value_stands() -> None:
    fm = title(ctx(a=side(), b=side()))
    assert (fm.case, fm.value, fm.source, fm.rule) == (Case.UNCHANGED, "x", None, "unchanged")


def test_one_copy_changed_its_value_flows() -> None:
    fm = title(ctx(a=side(), b=side("y")))
    assert (fm.case, fm.value, fm.source, fm.rule) == (Case.ONE_SIDE, "y", "b",
                                                       "changed on one side")


def test_the_same_change_on_several_copies() -> None:
    fm = title(ctx(a=side("y"), b=side("y", at=5)))
    assert (fm.case, fm.value, fm.source) == (Case.SAME_CHANGE, "y", "a")
    assert fm.rule == "same change on all sides"


def test_a_conflict_under_newest_goes_to_the_latest_claim() -> None:
    fm = title(ctx(a=side("from a", at=3), b=side("from b", at=2)))
    assert (fm.case, fm.value, fm.source) == (Case.NEWEST, "from a", "a")
    assert fm.reasons == ("title: conflicting edits on a, b; a wins (conflict: newest)",)


def test_a_conflict_under_prefer_goes_to_the_preferred_endpoint() -> None:
    c = ctx(flow(*NAMES, conflict={"prefer": "b"}), a=side("from a", at=3),
            b=side("from b", at=2))
    fm = title(c)
    assert (fm.case, fm.value, fm.source, fm.rule) == (Case.PREFER, "from b", "b",
                                                       "conflict: prefer b")


def test_prefer_an_endpoint_that_did_not_change_falls_back_to_newest() -> None:
    c = ctx(flow(*NAMES, conflict={"prefer": "c"}), a=side("from a", at=3),
            b=side("from b", at=2), c=side())
    assert title(c).case is Case.NEWEST


def test_a_conflict_under_manual_is_left_alone_and_queued() -> None:
    fm = title(ctx(flow(*NAMES, conflict="manual"), a=side("from a"), b=side("from b")))
    assert fm.case is Case.MANUAL and fm.conflict is not None
    assert fm.conflict.values == {"a": "from a", "b": "from b"}
    assert "queued for manual resolution" in fm.reasons[0]


# -- the phases ------------------------------------------------------------------------------


def test_changes_of_an_owned_field_count_only_for_the_owner() -> None:
    cfg = flow(*NAMES, fields={"title": {"owner": "a"}})
    fm = changes(ctx(cfg, a=side(), b=side("y")), FieldMerge("title", ("a", "b")))
    assert fm.changed == () and fm.kept_local == {"b"}
    fm = changes(ctx(cfg, a=side("z"), b=side("y")), FieldMerge("title", ("a", "b")))
    assert fm.changed == ("a",) and fm.kept_local == {"b"}


def agreed_from_a_at(minute: int) -> dict[str, Provenance]:
    return {"title": Provenance("a", 1, "changed on one side", NOW, edited_at=ts(minute))}


def test_a_late_edit_alone_loses_to_the_newer_agreed_value() -> None:
    c = ctx(provenance=agreed_from_a_at(5), a=side(), b=side("late", at=2))
    fm = late_edits(c, FieldMerge("title", ("a", "b"), changed=("b",)))
    assert fm.changed == ()
    assert fm.reasons == ("title: edit on b is older than the value agreed from a; newer one "
                          "kept",)


def test_a_late_edit_beside_a_newer_one_is_dropped() -> None:
    c = ctx(provenance=agreed_from_a_at(5), a=side(), b=side("late", at=2),
            c=side("new", at=9))
    fm = late_edits(c, FieldMerge("title", NAMES, changed=("b", "c")))
    assert fm.changed == ("c",) and fm.reasons == ()


def test_a_late_edit_under_manual_conflicts_with_the_agreed_value() -> None:
    c = ctx(flow(*NAMES, conflict="manual"), provenance=agreed_from_a_at(5), a=side(),
            b=side("late", at=2))
    fm = late_edits(c, FieldMerge("title", ("a", "b"), changed=("b",)))
    assert fm.case is Case.MANUAL and fm.conflict is not None
    assert fm.conflict.values == {"b": "late", "a": "x"}


def test_a_late_edit_of_the_preferred_endpoint_still_competes() -> None:
    c = ctx(flow(*NAMES, conflict={"prefer": "b"}), provenance=agreed_from_a_at(5),
            a=side(), b=side("late", at=2))
    fm = FieldMerge("title", ("a", "b"), changed=("b",))
    assert late_edits(c, fm) is fm


def test_no_late_edit_without_provenance() -> None:
    fm = FieldMerge("title", ("a", "b"), changed=("b",))
    assert late_edits(ctx(a=side(), b=side("y")), fm) is fm


def test_a_copy_set_back_later_competes_under_newest() -> None:
    # a set the title back to the agreed value at :07 (its per-field time); b changed it at :03
    c = ctx(a=Side(X, X.evolve(updated_at=ts(8)), {"title": ts(7)}), b=side("y", at=3))
    fm = set_backs(c, FieldMerge("title", ("a", "b"), changed=("b",)))
    assert fm.changed == ("a", "b")
    assert decide(c, fm).value == "x"  # the newer "x" wins


def test_set_backs_only_under_newest_and_only_when_something_changed() -> None:
    back = Side(X, X, {"title": ts(7)})
    fm = FieldMerge("title", ("a", "b"), changed=("b",))
    manual = ctx(flow(*NAMES, conflict="manual"), a=back, b=side("y"))
    assert set_backs(manual, fm) is fm
    nothing = FieldMerge("title", ("a", "b"))
    assert set_backs(ctx(a=back, b=side()), nothing) is nothing


# -- each copy, once the field is decided -----------------------------------------------------


@pytest.mark.parametrize(("current", "base", "kw", "expected"), [
    ("v", "v", {}, (Step.NOTHING, None)),  # holds it and agreed on it
    ("v", "old", {}, (Step.AGREE, "v")),  # holds it already: agreement recorded, no write
    ("old", "old", {}, (Step.WRITE, None)),  # behind: brought up
    ("mine", "old", {"writable": False}, (Step.AGREE, "mine")),  # read-only: taken as read
    ("old", "old", {"writable": False}, (Step.NOTHING, None)),
    ("old", "old", {"observed": False}, (Step.NOTHING, None)),  # unreachable: stays behind
])
def test_copy_step(current: str, base: str, kw: dict[str, Any],
                   expected: tuple[Step, Any]) -> None:
    s = Side(Item(title=base), Item(title=current))
    assert copy_step("title", "v", s, view("e", **kw), keep_local=False) == expected


def test_copy_step_keeps_a_local_edit_of_an_owned_field() -> None:
    s = Side(Item(title="x"), Item(title="mine"))
    assert copy_step("title", "x", s, view("e"), keep_local=True) == (Step.NOTHING, None)


def test_copy_step_compares_as_the_service_holds_a_value() -> None:
    jira = view("j", represent=lambda f, v: 2 if f == "priority" and v is None else v)
    s = Side(Item(), Item(priority=2))
    assert copy_step("priority", None, s, jira, keep_local=False) == (Step.AGREE, 2)


# -- the whole link ----------------------------------------------------------------------------


def test_merge_link_records_provenance_writes_and_agreements() -> None:
    sides = {"a": side(), "b": side("y", at=4), "c": Side(X, X.evolve(title="y"))}
    out = merge_link("L1", X, sides, views(*NAMES), flow(*NAMES), order=list(NAMES),
                     run_id=7, now=NOW)
    assert out.base.title == "y" and out.writes == {"a": {"title"}}
    assert out.provenance["title"].endpoint == "b" and out.provenance["title"].run_id == 7
    assert out.provenance["title"].rule == "same change on all sides"
    assert out.agreed["c"].title == "y" and out.agreed["a"] == X


def test_merge_link_leaves_a_manual_conflict_alone_everywhere() -> None:
    sides = {"a": side("from a"), "b": side("from b")}
    out = merge_link("L1", X, sides, views("a", "b"), flow("a", "b", conflict="manual"),
                     order=["a", "b"], run_id=None, now=NOW)
    assert [c.field for c in out.conflicts] == ["title"]
    assert out.base.title == "x" and out.writes.get("a", set()) == set()
    assert "title" not in out.provenance


def test_prefer_policy_model() -> None:
    assert isinstance(flow("a", "b", conflict={"prefer": "a"}).conflict, PreferPolicy)
