"""Issue 15: completing one occurrence of a recurring item, over the four emulators with
real rounds (``synchub sync`` in-process, the sandbox's adapters and servers).

A daily item is created in Todoist (its recurrence reaches the calendar as a series); one
occurrence is completed in Jira, Notion or Todoist; the rounds that follow must never
reopen or revert that completion, every task copy moves to the next occurrence (``roll``)
or the done copy stays done beside a new one (``spawn``), and the calendar series keeps its
start (DTSTART), so past occurrences stay on the calendar."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import sandbox as sbx
from hub.cli.main import app
from hub.model import DateOnly, Item, Status, StatusKind
from tests.support.sandboxes import running

runner = CliRunner()
TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=2)


@pytest.fixture
def boxes() -> Iterator[dict[str, Any]]:
    with running() as started:
        yield started


def configure(boxes: dict[str, Any], tmp_path: Path, policy: str | None = None) -> Path:
    path = sbx.config(boxes, tmp_path)
    data = sbx.read_config(path)
    if policy is not None:
        data["flows"]["sandbox"]["recurring"] = {"on_complete": policy}
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return path


def sync(path: Path) -> str:
    result = runner.invoke(app, ["sync", "--config", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def one(box: Any, title: str) -> tuple[str, Item]:
    found = [(r, i) for r, i in box.items().items() if i.title == title]
    assert len(found) == 1, found
    return found[0]


def open_ones(box: Any, title: str) -> list[Item]:
    return [i for i in box.items().values()
            if i.title == title and not i.status.kind.closed]


def seeded(boxes: dict[str, Any], path: Path) -> None:
    boxes["todoist"].user_create(Item(title="Water plants", recurrence="FREQ=DAILY",
                                      due=DateOnly(date=START)))
    sync(path)
    sync(path)
    for n in ("jira", "notion", "gcal"):
        _, item = one(boxes[n], "Water plants")
        assert item.due == DateOnly(date=START), n
    assert one(boxes["gcal"], "Water plants")[1].recurrence == "FREQ=DAILY"


def series_start(box: Any) -> Any:
    (ev,) = [e for cal in box.emu.events.values() for e in cal.values()
             if e.get("summary") == "Water plants" and e.get("status") != "cancelled"]
    return ev["start"], ev.get("recurrence")


@pytest.mark.parametrize("where", ["jira", "notion", "todoist"])
def test_roll_an_occurrence_completed_anywhere_stays_completed(
        boxes: dict[str, Any], tmp_path: Path, where: str) -> None:
    path = configure(boxes, tmp_path)
    seeded(boxes, path)
    before = series_start(boxes["gcal"])
    ref, _ = one(boxes[where], "Water plants")
    boxes[where].user_edit(ref, status=Status(kind=StatusKind.DONE))
    for _ in range(3):  # never reverted or reopened, whatever the rounds that follow
        sync(path)
    nxt = DateOnly(date=START + dt.timedelta(days=1))
    for n in ("jira", "notion", "todoist"):
        _, item = one(boxes[n], "Water plants")
        assert item.status.kind is StatusKind.OPEN, n
        assert item.due == nxt, n
    assert one(boxes["todoist"], "Water plants")[1].recurrence == "FREQ=DAILY"
    assert series_start(boxes["gcal"]) == before  # DTSTART kept: past occurrences stay
    out = sync(path)
    assert "writes 0," in out, out  # a quiet round


def test_roll_twice_moves_two_occurrences_on(boxes: dict[str, Any], tmp_path: Path) -> None:
    path = configure(boxes, tmp_path, "roll")
    seeded(boxes, path)
    for where in ("jira", "notion"):
        ref, _ = one(boxes[where], "Water plants")
        boxes[where].user_edit(ref, status=Status(kind=StatusKind.DONE))
        sync(path)
        sync(path)
    for n in ("jira", "notion", "todoist"):
        _, item = one(boxes[n], "Water plants")
        assert (item.status.kind, item.due) == (
            StatusKind.OPEN, DateOnly(date=START + dt.timedelta(days=2))), n


def test_spawn_keeps_the_done_copy_and_creates_the_next(boxes: dict[str, Any],
                                                        tmp_path: Path) -> None:
    path = configure(boxes, tmp_path, "spawn")
    seeded(boxes, path)
    before = series_start(boxes["gcal"])
    ref, _ = one(boxes["jira"], "Water plants")
    boxes["jira"].user_edit(ref, status=Status(kind=StatusKind.DONE))
    for _ in range(3):
        sync(path)
    nxt = DateOnly(date=START + dt.timedelta(days=1))
    assert boxes["jira"].items()[ref].status.kind is StatusKind.DONE  # stays done
    for n in ("jira", "notion", "todoist"):
        (item,) = open_ones(boxes[n], "Water plants")
        assert item.due == nxt, n
    assert len(boxes["jira"].items()) == 2  # the done issue and the next occurrence
    assert len(boxes["notion"].items()) == 1  # not completed there: moved on in place
    assert len(boxes["todoist"].items()) == 1  # Todoist recurs: one task, moved on
    assert series_start(boxes["gcal"]) == before


def test_count_exhausted_is_done_for_good(boxes: dict[str, Any], tmp_path: Path) -> None:
    path = configure(boxes, tmp_path)
    boxes["gcal"].user_create(Item(title="Three times", recurrence="FREQ=DAILY;COUNT=2",
                                   due=DateOnly(date=START)))
    sync(path)
    sync(path)
    for _ in range(2):
        ref, _ = one(boxes["jira"], "Three times")
        boxes["jira"].user_edit(ref, status=Status(kind=StatusKind.DONE))
        sync(path)
        sync(path)
    for n in ("jira", "notion", "todoist"):
        _, item = one(boxes[n], "Three times")
        assert item.status.kind is StatusKind.DONE, n
        assert item.due == DateOnly(date=START + dt.timedelta(days=1)), n


def test_the_same_occurrence_done_in_two_services_in_one_round_moves_one_on(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    """Todoist's own close already moved its task to the next date; Jira's completion of the
    same occurrence must not move it once more (found in review)."""
    path = configure(boxes, tmp_path)
    seeded(boxes, path)
    for where in ("jira", "todoist"):
        ref, _ = one(boxes[where], "Water plants")
        boxes[where].user_edit(ref, status=Status(kind=StatusKind.DONE))
    for _ in range(3):
        sync(path)
    for n in ("jira", "notion", "todoist"):
        _, item = one(boxes[n], "Water plants")
        assert (item.status.kind, item.due) == (
            StatusKind.OPEN, DateOnly(date=START + dt.timedelta(days=1))), n


def test_spawn_then_a_lost_state_file_keeps_the_series_open(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    """The done copy spawn leaves behind carries the link's marker too: re-linking after the
    state file is lost takes the open successor, not the done copy (found in review)."""
    path = configure(boxes, tmp_path, "spawn")
    seeded(boxes, path)
    ref, _ = one(boxes["jira"], "Water plants")
    boxes["jira"].user_edit(ref, status=Status(kind=StatusKind.DONE))
    for _ in range(2):
        sync(path)
    for state in tmp_path.rglob("*.db*"):
        if state.is_file():
            state.unlink()
    for _ in range(3):
        sync(path)
    for n in ("jira", "notion", "todoist"):
        assert len(open_ones(boxes[n], "Water plants")) == 1, n


def test_an_occurrence_deleted_in_the_calendar_is_skipped_everywhere(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    """EXDATE: tomorrow's occurrence taken out of the calendar series (as an iCal import or
    a calendar app writes it) is part of the rule synchub keeps; completing today's in Jira
    moves every copy to the day after, Todoist (which cannot hold an exclusion) becomes a
    dated task that synchub rolls, and the calendar keeps its series and exclusion."""
    path = configure(boxes, tmp_path)
    seeded(boxes, path)
    emu = boxes["gcal"].emu
    ((cal, ev),) = [(c, e) for c, evs in emu.events.items() for e in evs.values()
                    if e.get("summary") == "Water plants" and e.get("status") != "cancelled"]
    gone = START + dt.timedelta(days=1)
    emu.patch(cal, ev["id"], {"recurrence": [*ev["recurrence"],
                                             f"EXDATE;VALUE=DATE:{gone:%Y%m%d}"]}, None)
    sync(path)
    sync(path)
    rule = f"FREQ=DAILY;EXDATE={gone:%Y%m%d}"
    assert one(boxes["gcal"], "Water plants")[1].recurrence == rule
    assert one(boxes["todoist"], "Water plants")[1].recurrence is None  # cannot hold it
    ref, _ = one(boxes["jira"], "Water plants")
    boxes["jira"].user_edit(ref, status=Status(kind=StatusKind.DONE))
    for _ in range(3):
        sync(path)
    after = DateOnly(date=START + dt.timedelta(days=2))
    for n in ("jira", "notion", "todoist"):
        _, item = one(boxes[n], "Water plants")
        assert (item.status.kind, item.due) == (StatusKind.OPEN, after), n
    start, lines = series_start(boxes["gcal"])
    assert start == {"date": START.isoformat()}  # DTSTART kept: past occurrences stay
    assert f"EXDATE;VALUE=DATE:{gone:%Y%m%d}" in lines
    ref, _ = one(boxes["todoist"], "Water plants")
    boxes["todoist"].user_edit(ref, status=Status(kind=StatusKind.DONE))
    for _ in range(2):
        sync(path)
    _, item = one(boxes["jira"], "Water plants")
    assert (item.status.kind, item.due) == (
        StatusKind.OPEN, DateOnly(date=START + dt.timedelta(days=3)))
    assert "writes 0," in sync(path)


def test_a_recurring_item_deleted_under_complete_ends_the_calendar_series(
        boxes: dict[str, Any], tmp_path: Path) -> None:
    """Closed for good (the Notion row deleted, policy ``complete``): done everywhere, and
    the calendar series ends at the current occurrence (its past kept), instead of showing
    occurrences of work that is over for ever."""
    path = configure(boxes, tmp_path)
    seeded(boxes, path)
    ref, _ = one(boxes["notion"], "Water plants")
    boxes["notion"].user_delete(ref)
    for _ in range(2):
        sync(path)
    for n in ("jira", "todoist"):
        assert one(boxes[n], "Water plants")[1].status.kind is StatusKind.DONE, n
    start, lines = series_start(boxes["gcal"])
    assert start == {"date": START.isoformat()}  # the past stays on the calendar
    assert lines == [f"RRULE:FREQ=DAILY;UNTIL={START:%Y%m%d}"]
    assert "writes 0," in sync(path)


def test_complete_forever_in_todoist_is_not_one_occurrence(boxes: dict[str, Any],
                                                           tmp_path: Path) -> None:
    """Todoist's checkbox moves a recurring task on (open, next date); a recurring task
    read as done there was completed for good ("Complete forever"): it must not be reopened
    and rolled on like one occurrence, and the calendar series ends."""
    path = configure(boxes, tmp_path)
    seeded(boxes, path)
    ref, _ = one(boxes["todoist"], "Water plants")
    boxes["todoist"].emu.complete_forever(ref)
    for _ in range(3):
        sync(path)
    for n in ("jira", "notion", "todoist"):
        _, item = one(boxes[n], "Water plants")
        assert (item.status.kind, item.due) == (StatusKind.DONE, DateOnly(date=START)), n
    _, lines = series_start(boxes["gcal"])
    assert lines == [f"RRULE:FREQ=DAILY;UNTIL={START:%Y%m%d}"]
    assert "writes 0," in sync(path)
