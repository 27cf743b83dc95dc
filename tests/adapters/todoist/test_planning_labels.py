"""Sprint and points as Todoist labels (``target: label``): the labels that hold them are the
fields', never also canonical labels, so each syncs once and nothing ping-pongs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.planning import LabelFields
from hub.errors import ConfigError
from hub.model import Item
from tests.adapters.todoist.conftest import TodoistPlanningHarness, build

LABELS = LabelFields.from_targets({"sprint": "label", "points": "label"}, "t")
words = st.text(alphabet="abcxyz :0123456789.", min_size=1, max_size=10)


def test_targets_name_the_labels_and_anything_else_is_refused_at_build() -> None:
    assert LABELS.prefixes == {"sprint": "sprint:", "points": "points:"}
    custom = LabelFields.from_targets({"sprint": "label:iteration/"}, "t")
    assert custom.prefixes == {"sprint": "iteration/"}
    with pytest.raises(ConfigError) as err:
        LabelFields.from_targets({"sprint": "section", "points": "label:"}, "t")
    text = str(err.value)
    assert "sprint can only be held as a label" in text and "sections belong to the status" \
        in text and "points can only be held as a label" in text


def test_a_task_label_holds_the_field_and_is_not_a_canonical_label() -> None:
    ordinary, values = LABELS.split(["home", "Sprint:Sprint 5", "points:2.5", "sprint:Later"])
    assert ordinary == ["home"]
    assert values == {"sprint": "Sprint 5", "points": 2.5}  # any case; the first sprint
    # a points label that is no count of points is an ordinary label
    assert LABELS.split(["points:lots", "points:-1"]) == (["points:lots", "points:-1"],
                                                          {"sprint": None, "points": None})
    assert LABELS.join(["home"], "Sprint 6", 3.0) == ["home", "sprint:Sprint 6", "points:3"]


@given(st.lists(words, max_size=4), st.none() | words.map(str.strip).filter(bool),
       st.none() | st.floats(0, 100, allow_nan=False).map(lambda p: round(p, 2)))
def test_joined_labels_split_back_to_what_the_endpoint_holds(
        labels: list[str], sprint: str | None, points: float | None) -> None:
    """The round-trip property: what is written reads back as ``represent`` says, so a
    canonical label the prefixes would claim is not held here (and does not come back)."""
    item = Item(labels=labels, sprint=sprint, points=points)
    ordinary, values = LABELS.split(LABELS.join(item.labels, item.sprint, item.points))
    again = Item(labels=ordinary, **values)
    assert again.labels == Item(labels=LABELS.visible(item.labels)).labels
    assert again.sprint == item.sprint and again.points == item.points


def test_read_and_written_through_the_adapter(planning: TodoistPlanningHarness) -> None:
    a = planning.adapter
    created = a.create(Item(title="t", labels=["home", "sprint:x"], sprint="Sprint 5",
                            points=3), origin="l", idempotency_key="k")
    task = planning.emu.items[created.ref]
    assert sorted(task["labels"]) == ["home", "points:3", "sprint:Sprint 5"]
    got = a.get(created.ref)
    assert got is not None
    assert (got.item.labels, got.item.sprint, got.item.points) == (("home",), "Sprint 5", 3)
    assert a.represent("labels", ("home", "sprint:x")) == ("home",)  # not held as a label


def test_writing_the_sprint_keeps_the_tasks_labels_where_labels_do_not_sync(
        sandbox: object) -> None:
    emu: TodoistEmulator = sandbox.emu  # type: ignore[attr-defined]
    a = build(emu, options={"targets": {"sprint": "label"}}, fields=frozenset({"title",
                                                                              "sprint"}))
    pid = next(p for p, v in emu.projects.items() if v["name"] == "Work")
    tid = emu.add_item(pid, "t", labels=["home", "sprint:Sprint 1"])
    a.update(tid, Item(title="t", sprint="Sprint 2"), fields=frozenset({"sprint"}),
             expected_version=None, idempotency_key="k")
    assert sorted(emu.items[tid]["labels"]) == ["home", "sprint:Sprint 2"]
    a.close()


def test_without_a_target_todoist_syncs_neither(sandbox: object) -> None:
    a = build(sandbox.emu)  # type: ignore[attr-defined]
    assert not {"sprint", "points"} & a.capabilities.fields
    a.close()


def test_a_field_the_endpoint_does_not_sync_claims_no_label(sandbox: object) -> None:
    emu: TodoistEmulator = sandbox.emu  # type: ignore[attr-defined]
    a = build(emu, options={"targets": {"sprint": "label", "points": "label"}},
              fields=frozenset({"title", "labels", "points"}))
    assert a.planning.prefixes == {"points": "points:"}
    pid = next(p for p, v in emu.projects.items() if v["name"] == "Work")
    tid = emu.add_item(pid, "t", labels=["sprint:Sprint 1", "points:2"])
    got = a.get(tid)
    assert got is not None
    assert (got.item.labels, got.item.points) == (("sprint:Sprint 1",), 2)  # a label here
    a.update(tid, got.item.evolve(points=3), fields=frozenset({"points"}),
             expected_version=None, idempotency_key="k")
    assert sorted(emu.items[tid]["labels"]) == ["points:3", "sprint:Sprint 1"]
    a.close()
