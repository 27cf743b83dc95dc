"""The Sync commands synchub sends to Todoist, checked against the Todoist API v1 command list
(https://developer.todoist.com/api/v1/#tag/Sync, section "Tasks"; and Doist's own v1 SDK,
todoist-api-typescript ``src/types/sync/commands/index.ts``, ``SyncCommandsMap``):

- ``item_add`` (create; Tasks / "Add a task"): "Add a new task to a project." Args sent:
  content, description, project_id, due, deadline, priority, parent_id, section_id, labels,
  responsible_uid, all documented, with a ``temp_id``.
- ``note_add`` (the origin marker; Comments / "Add a comment"): args item_id (a temp id in the
  same request) and content.
- ``item_update`` (Tasks / "Update a task"): "Updates task attributes. Please note that
  updating the parent, moving, completing or uncompleting tasks is not supported by
  item_update, more specific commands have to be used instead" - which is why synchub sends
  the next three separately.
- ``item_move`` (Tasks / "Move a task"): "Only one of parent_id, section_id or project_id
  must be set" - synchub sends exactly one (a parent, the project's root, a status section).
- ``item_complete`` (Tasks / "Complete task"): "Completes a task and its sub-tasks and moves
  them to the archive." Sent when an item is done elsewhere.
- ``item_uncomplete`` (Tasks / "Uncomplete item"): "This command is used to uncomplete and
  restore an completed task. Any ancestor items or sections will also be reinstated."
- ``item_delete`` (Tasks / "Delete tasks"): "Delete a task and all its sub-tasks."

Not sent any more: ``item_close`` (Tasks / "Close task"), still in the v1 docs: "A
simplified version of item_complete / item_update_date_complete. The command does exactly
what official clients do when you close a task: regular tasks are completed and moved to the
archive, recurring tasks are scheduled to their next occurrence." (It is not in Doist's
TypeScript SDK's command map.) synchub used it for "done"; on a recurring task that left the
task open at its next date, which synchub read back as "reopened, due later" and carried to
the copy the user had completed. ``item_complete`` completes it for good, as the other
services' "done" means; a recurring task closed in the Todoist app still moves on (the app
closes), and synchub syncs the new date.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs

from adapters.base import ValueMap
from adapters.memory import MemoryAdapter, MemoryService
from adapters.todoist.sandbox import TodoistSandbox
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import DateOnly, Item, StatusKind
from hub.round.engine import run_flow
from tests.adapters.todoist.conftest import TodoistHarness, build
from tests.support.memstore import MemStore

#: the v1 commands synchub may send, with the arguments the v1 docs list for each
V1_ARGS: dict[str, set[str]] = {
    "item_add": {"content", "description", "project_id", "due", "deadline", "priority",
                 "parent_id", "child_order", "section_id", "day_order", "is_collapsed",
                 "labels", "assigned_by_uid", "responsible_uid", "auto_reminder",
                 "auto_parse_labels", "duration"},
    "item_update": {"id", "content", "description", "due", "deadline", "priority",
                    "is_collapsed", "labels", "assigned_by_uid", "responsible_uid",
                    "day_order", "duration"},
    "item_move": {"id", "parent_id", "section_id", "project_id"},
    "item_complete": {"id", "date_completed"},
    "item_uncomplete": {"id"},
    "item_delete": {"id"},
    "note_add": {"item_id", "project_id", "content", "file_attachment", "uids_to_notify"},
}


def sent(harness: TodoistHarness) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for body in harness.emu.request_bodies:
        form = parse_qs(body.decode())
        if "commands" in form:
            out += json.loads(form["commands"][0])
    return out


def test_every_command_synchub_sends_is_a_v1_command_with_v1_arguments(
        harness: TodoistHarness) -> None:
    a, emu = harness.adapter, harness.emu
    emu.add_section(harness.project, "Doing")
    mapped = build(emu, value_maps={"status": ValueMap.from_pairs(
        {"Doing": "in_progress"})})
    mapped.changes(None)
    parent = a.create(Item(title="epic"), origin="P", idempotency_key="p")
    item = harness.sample(3).evolve(recurrence="FREQ=WEEKLY;BYDAY=MO", parent=parent.ref)
    created = a.create(item, origin="L", idempotency_key="c")
    ref = created.ref
    a.update(ref, item.evolve(title="t2", labels=["x"], priority=4, parent=None),
             fields=frozenset({"title", "labels", "priority", "parent", "due", "deadline",
                               "assignee", "description", "recurrence"}),
             expected_version=None, idempotency_key="u")
    a.update(ref, item.evolve(parent=parent.ref), fields=frozenset({"parent"}),
             expected_version=None, idempotency_key="m")
    mapped.update(ref, Item(title="t2", status={"kind": "in_progress"}),
                  fields=frozenset({"status"}), expected_version=None, idempotency_key="s")
    for kind, key in ((StatusKind.DONE, "d"), (StatusKind.OPEN, "o")):
        a.update(ref, Item(title="t2", status={"kind": kind}), fields=frozenset({"status"}),
                 expected_version=None, idempotency_key=key)
    a.delete(ref, expected_version=None)
    unread = emu.add_item(harness.project, "never listed by this adapter")
    a.update(unread, Item(title="x"), fields=frozenset(), expected_version=None,
             idempotency_key="n", origin="M")  # a marker where no description was read
    cmds = sent(harness)
    assert {c["type"] for c in cmds} == set(V1_ARGS)
    for c in cmds:
        assert set(c["args"]) <= V1_ARGS[c["type"]], c
        if c["type"] == "item_move":
            assert len(set(c["args"]) - {"id"}) == 1, c  # "only one of ... must be set"
    assert "item_close" not in {c["type"] for c in cmds}


def test_a_recurring_task_done_elsewhere_is_completed_for_good(
        harness: TodoistHarness) -> None:
    a, emu = harness.adapter, harness.emu
    item = Item(title="standup", due=DateOnly(date=dt.date(2026, 12, 1)),
                recurrence="FREQ=WEEKLY;BYDAY=MO,WE")
    created = a.create(item, origin="L", idempotency_key="rec")
    cursor = a.changes(None).cursor
    a.update(created.ref, item.evolve(status={"kind": "done"}), fields=frozenset({"status"}),
             expected_version=None, idempotency_key="done")
    task = emu.items[created.ref]
    assert task["checked"] and task["due"]["date"] == "2026-12-01"  # not moved on
    (seen,) = a.changes(cursor).items
    assert seen.item.status.kind is StatusKind.DONE
    assert seen.item.due == DateOnly(date=dt.date(2026, 12, 1))
    assert seen.item.recurrence == "FREQ=WEEKLY;BYDAY=MO,WE"


def test_a_round_does_not_reopen_a_recurring_item_completed_elsewhere(
        sandbox: TodoistSandbox) -> None:
    """Issue 15 (policy ``roll``, the default): one occurrence done elsewhere is Todoist's
    ``item_close`` plus the hub's next date; the completion is never reverted, and the next
    round is quiet."""
    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "todoist": build(sandbox.emu)}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = MemStore()
    ref = mem.user_create(Item(title="water plants", due=DateOnly(date=dt.date(2026, 12, 1)),
                               recurrence="FREQ=DAILY"))
    assert run_flow("f", cfg, adapters, store).counts["create"] == 1
    mem.user_edit(ref, status={"kind": "done"})
    report = run_flow("f", cfg, adapters, store)
    assert report.counts["update"] == 2  # both copies move to the next occurrence
    (task,) = sandbox.emu.items.values()
    assert not task["checked"] and task["due"]["date"] == "2026-12-02"
    assert task["due"]["is_recurring"]
    quiet = run_flow("f", cfg, adapters, store)
    assert quiet.counts["writes"] == 0
    assert mem.live()[ref].status.kind is StatusKind.OPEN
    assert mem.live()[ref].due == DateOnly(date=dt.date(2026, 12, 2))


def test_the_last_occurrence_done_completes_the_task_for_good(
        sandbox: TodoistSandbox) -> None:
    """No occurrence left (COUNT used up): ``item_complete``, never ``item_close``."""
    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "todoist": build(sandbox.emu)}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = MemStore()
    ref = mem.user_create(Item(title="twice", due=DateOnly(date=dt.date(2026, 12, 1)),
                               recurrence="FREQ=DAILY;COUNT=1"))
    run_flow("f", cfg, adapters, store)
    mem.user_edit(ref, status={"kind": "done"})
    run_flow("f", cfg, adapters, store)
    (task,) = sandbox.emu.items.values()
    assert task["checked"] and task["due"]["date"] == "2026-12-01"
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0
    assert mem.live()[ref].status.kind is StatusKind.DONE


def test_a_recurring_task_closed_in_the_app_moves_on_and_synchub_reads_the_new_date(
        harness: TodoistHarness) -> None:
    ref = harness.emu.add_item(harness.project, "standup", due={
        "date": "2026-12-01", "string": "every day"})
    cursor = harness.adapter.changes(None).cursor
    harness.emu.complete_item(ref)  # the app's checkbox: item_close
    (seen,) = harness.adapter.changes(cursor).items
    assert seen.item.status.kind is StatusKind.OPEN
    assert seen.item.due == DateOnly(date=dt.date(2026, 12, 2))


def test_the_emulator_completes_and_restores_sub_tasks_as_v1_says(
        harness: TodoistHarness) -> None:
    emu = harness.emu
    top = emu.add_item(harness.project, "top")
    mid = emu.add_item(harness.project, "mid", parent_id=top)
    low = emu.add_item(harness.project, "low", parent_id=mid)
    cmd = [{"type": "item_complete", "uuid": "c",
            "args": {"id": top, "date_completed": "2026-12-03T10:00:00Z"}}]
    harness.adapter.client.sync(None, commands=cmd)
    assert all(emu.items[t]["checked"] for t in (top, mid, low))
    assert emu.items[low]["completed_at"] == "2026-12-03T10:00:00.000000Z"
    harness.adapter.client.sync(None, commands=[{"type": "item_uncomplete", "uuid": "u",
                                                 "args": {"id": low}}])
    assert not any(emu.items[t]["checked"] for t in (top, mid, low))  # ancestors too


def test_item_move_takes_exactly_one_destination(harness: TodoistHarness) -> None:
    emu = harness.emu
    task = emu.add_item(harness.project, "t")
    other = emu.add_project("Other")
    status = harness.adapter.client.sync(None, commands=[
        {"type": "item_move", "uuid": "two", "args": {"id": task, "project_id": other,
                                                       "section_id": None}},
        {"type": "item_move", "uuid": "none", "args": {"id": task}},
        {"type": "item_move", "uuid": "ok", "args": {"id": task, "project_id": other}}],
    )["sync_status"]
    assert status["two"]["error_tag"] == status["none"]["error_tag"] == "INVALID_ARGUMENT_VALUE"
    assert status["ok"] == "ok" and emu.items[task]["project_id"] == other
