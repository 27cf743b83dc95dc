"""The canonical planning fields, ``sprint`` and ``points``: normalised where an item is built,
and absent from state written before they existed without anything looking changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.model import SYNC_FIELDS, Item, diff_fields
from hub.store import codec


def test_points_spelled_differently_are_one_value() -> None:
    assert Item(points=3) == Item(points=3.0) == Item(points="3")
    assert Item(points=0.1 + 0.2).points == 0.3  # float noise is not an edit
    assert Item(points=2.004) == Item(points=2)
    assert Item(points=-0.0).points == 0.0  # a zero estimate is an estimate, not none
    assert Item(points=0).points is not None


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "three"])
def test_points_that_are_not_a_count_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Item(points=bad)


def test_a_blank_sprint_is_no_sprint_and_a_name_is_trimmed() -> None:
    assert Item(sprint="   ").sprint is None
    assert Item(sprint=" Sprint 4 ").sprint == "Sprint 4"
    assert diff_fields(Item(sprint="Sprint 4"), Item(sprint="Sprint 5")) == {"sprint"}


def test_both_are_merged_like_the_other_sync_fields() -> None:
    assert {"sprint", "points"} <= set(SYNC_FIELDS)


def test_state_stored_before_the_fields_existed_reads_as_none_and_unchanged() -> None:
    """An upgrade: a base stored by an older synchub has no ``sprint`` or ``points`` key. It
    reads as none (not as a value) and equals what the same item is now: a link whose copies
    hold no sprint and no points plans nothing; one whose copies hold some carries them as
    one side's edit (tests/round/test_planning_round.py)."""
    old = '{"title":"Deploy","status":{"kind":"open"},"labels":["ops"],"priority":3}'
    loaded = codec.item_load(old)
    now = Item(title="Deploy", labels=["ops"], priority=3)
    assert loaded.sprint is None and loaded.points is None
    assert loaded == now and loaded.content_hash() == now.content_hash()
    # and none is not written into state, so state files do not grow for nothing
    assert "sprint" not in codec.item_json(now) and "points" not in codec.item_json(now)


@given(st.builds(Item, sprint=st.none() | st.text(max_size=12),
                 points=st.none() | st.floats(0, 1000, allow_nan=False)))
def test_json_round_trip_preserves_sprint_and_points(item: Item) -> None:
    again = codec.item_load(codec.item_json(item))
    assert again == item and again.content_hash() == item.content_hash()
