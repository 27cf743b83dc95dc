"""The undo's plan (:mod:`hub.history.plan`), pure: from a run's write records, the links
and the copies as read now, what is written back, what is left alone and why."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from adapters.base import WriteKind
from hub.history.plan import Now, Target, attached, link_plans, plan_undo
from hub.model import Item, StatusKind
from hub.store.base import CopyState, IntentState, LinkState, Provenance, WriteRecord

FIELDS = frozenset({"title", "status", "priority"})
TARGETS = {n: Target(n, FIELDS) for n in ("a", "b", "c")}
NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def rec(ep: str, kind: str = "update", *, before: dict | None = None,
        after: dict | None = None, state: IntentState = IntentState.DONE) -> WriteRecord:
    return WriteRecord(run_id=7, key=f"k-{ep}", flow="f", link_id="L", endpoint=ep, kind=kind,
                       ref=f"{ep}1", title="Fix", before=before or {}, after=after or {},
                       state=state)


def link(title: str, *eps: str, detached: frozenset[str] = frozenset(),
         source: str | None = None) -> LinkState:
    """``source``: the endpoint run 7 took the title from (the link's provenance)."""
    item = Item(title=title)
    provenance = {"title": Provenance(endpoint=source, run_id=7, rule="one side changed",
                                      at=NOW)} if source else {}
    return LinkState("f", "L", item, {e: CopyState(e, f"{e}1", item, item) for e in eps},
                     detached=detached, provenance=provenance)


def reads(**titles: str | None) -> dict[tuple[str, str], Now]:
    return {(ep, f"{ep}1"): Now(Item(title=t) if t is not None else None, version="v")
            for ep, t in titles.items()}


def test_updated_fields_go_back_and_the_source_copy_too() -> None:
    records = [rec(e, before={"title": "Fix"}, after={"title": "Fixed"}) for e in ("b", "c")]
    plan = plan_undo("f", 7, records, {"L": link("Fixed", "a", "b", "c", source="a")},
                     reads(a="Fixed", b="Fixed", c="Fixed"), TARGETS)
    backs = {s.endpoint: [(c.field, c.now, c.back) for c in s.changes] for s in plan.writes}
    assert backs == {e: [("title", "Fixed", "Fix")] for e in ("a", "b", "c")}
    (source,) = [s for s in plan.writes if s.endpoint == "a"]
    assert "came from" in source.note
    (lp,) = link_plans(plan, 8, ["a", "b", "c"], NOW)
    assert lp.interim.base.title == "Fix"  # the link agrees on the restored value
    assert lp.interim.provenance["title"].rule == "undo of run 7"
    assert {w.key for w in lp.writes} == {"undo8:k-b", "undo8:k-c", "undo8:L:a:source"}
    assert all(w.kind is WriteKind.UPDATE and w.item is not None and w.item.title == "Fix"
               and w.expected_version == "v" for w in lp.writes)


def test_a_copy_holding_the_value_is_no_source_unless_the_run_took_it_from_there() -> None:
    """A roll reopens the completed copy; a conflict's other side may hold the same value:
    neither is "where the change came from" (found in review)."""
    records = [rec("b", before={"title": "Fix"}, after={"title": "Fixed"})]
    for source in (None, "c"):
        plan = plan_undo("f", 7, records, {"L": link("Fixed", "a", "b", "c", source=source)},
                         reads(a="Fixed", b="Fixed", c="Other"), TARGETS)
        assert {s.endpoint for s in plan.writes} == {"b"}, source


def test_a_field_whose_copies_differed_before_the_run_is_left_as_the_run_made_it() -> None:
    """The run settled a conflict: each copy's own old value put back would split the link
    and the next sync would pick one over a person's edit (found in review)."""
    records = [rec("b", before={"title": "Jira title", "priority": 2},
                   after={"title": "Notion title", "priority": 4}),
               rec("c", before={"title": "Fix", "priority": 2},
                   after={"title": "Notion title", "priority": 4})]
    plan = plan_undo("f", 7, records, {"L": link("Notion title", "b", "c")},
                     reads(b="Notion title", c="Notion title"), TARGETS)
    assert {(s.endpoint, c.field) for s in plan.writes for c in s.changes} == set()
    assert {(st.endpoint, k.field) for st, k in plan.skipped} >= {("b", "title"),
                                                                   ("c", "title")}
    assert all("settled a conflict" in k.reason for _, k in plan.skipped if k.field == "title")


def test_a_field_edited_since_is_skipped_and_not_restored_on_the_source() -> None:
    records = [rec("b", before={"title": "Fix"}, after={"title": "Fixed"})]
    plan = plan_undo("f", 7, records, {"L": link("Fixed", "a", "b")},
                     reads(a="Fixed", b="Mine"), TARGETS)
    assert plan.writes == []  # nothing of the run's left in b: the source stays too
    ((step, skip),) = plan.skipped
    assert (step.endpoint, skip.field) == ("b", "title") and "edited since" in skip.reason


def test_a_created_copy_is_deleted_closed_or_kept() -> None:
    created = rec("b", "create", after={"title": "New", "priority": 2})
    live = reads(b="New")
    live[("b", "b1")] = Now(Item(title="New", priority=2), "v")
    plan = plan_undo("f", 7, [created], {"L": link("New", "a", "b")}, live, TARGETS)
    assert [s.action for s in plan.writes] == ["delete"]
    closing = {**TARGETS, "b": Target("b", FIELDS, can_delete=False)}
    (step,) = plan_undo("f", 7, [created], {}, live, closing).writes
    assert step.action == "close" and step.changes[0].back["kind"] == StatusKind.CANCELLED
    live[("b", "b1")] = Now(Item(title="New", priority=4), "v")  # a person raised it since
    plan = plan_undo("f", 7, [created], {}, live, TARGETS)
    assert plan.writes == [] and {k.field for _, k in plan.skipped} == {"priority", ""}


def test_a_deleted_copy_is_recreated_on_a_link_formed_again() -> None:
    deleted = [rec(e, "delete", before={"title": "Gone", "priority": 3}) for e in ("b", "c")]
    plan = plan_undo("f", 7, deleted, {}, {}, TARGETS)
    assert [s.action for s in plan.writes] == ["create", "create"]
    (lp,) = link_plans(plan, 8, ["a", "b", "c"], NOW)
    # Detached everywhere until the undo is done (a sync beside a dead undo creates
    # nothing); then only where the person's own delete stands.
    assert lp.interim.detached == {"a", "b", "c"}
    done = replace(lp.interim, copies={e: CopyState(e, f"{e}2", lp.interim.base,
                                                    lp.interim.base) for e in ("b", "c")})
    assert attached(done).detached == {"a"}
    assert all(w.kind is WriteKind.CREATE and w.origin == "L" and w.item is not None
               and (w.item.title, w.item.priority) == ("Gone", 3) for w in lp.writes)


def test_a_delete_is_not_undone_where_the_link_has_a_copy_again() -> None:
    plan = plan_undo("f", 7, [rec("b", "delete", before={"title": "Gone"})],
                     {"L": link("Gone", "a", "b")}, {}, TARGETS)
    assert plan.writes == [] and "copy there again" in plan.skipped[0][1].reason


def test_writes_that_did_not_land_are_not_undone() -> None:
    records = [rec("b", before={"title": "Fix"}, after={"title": "Fixed"},
                   state=IntentState.ABANDONED)]
    plan = plan_undo("f", 7, records, {"L": link("Fix", "a", "b")}, reads(a="Fix", b="Fix"),
                     TARGETS)
    assert plan.steps == ()
