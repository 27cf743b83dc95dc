"""Due dates the Todoist emulator is given, through todoist-api-python and raw HTTP: a
``due_date`` that is not ``YYYY-MM-DD`` or a ``due_datetime`` that is not RFC 3339 is Todoist's
400 (``INVALID_ARGUMENT_VALUE``), in REST and in the Sync commands alike, so no malformed date
is ever stored (one used to break every later date filter with a 500); a ``due_string`` is read
on the emulator's clock, not the host's."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.todoist.sandbox import TodoistSandbox


def rest(sb: TodoistSandbox) -> httpx.Client:
    return httpx.Client(base_url=sb.emu.base_url + "/api/v1",
                        headers={"Authorization": f"Bearer {sb.emu.token}"})


@pytest.mark.parametrize(("field", "value"), [
    ("due_date", "next friday"), ("due_date", "2026-02-30"), ("due_date", "2026-12-03T10:00"),
    ("due_date", 20261203), ("due_datetime", "tomorrow at 10"),
    ("due_datetime", "2026-12-03 10:00:00"), ("due_datetime", "2026-13-03T10:00:00Z"),
])
def test_a_malformed_due_is_todoists_400_and_nothing_is_stored(
        sb: TodoistSandbox, field: str, value: object) -> None:
    before = dict(sb.emu.items)
    with rest(sb) as c:
        r = c.post("/tasks", json={"content": "x", field: value})
        assert r.status_code == 400
        body = r.json()
        assert body["error_tag"] == "INVALID_ARGUMENT_VALUE" and body["http_code"] == 400
        assert body["error_extra"]["argument"] == field
        assert sb.emu.items == before
        later = c.get("/tasks/filter", params={"query": "today | overdue"})
        assert later.status_code == 200


def test_the_poisoned_filter_of_the_review_now_answers(sb: TodoistSandbox) -> None:
    with rest(sb) as c:
        assert c.post("/tasks", json={"content": "x", "due_date": "next friday"}
                      ).status_code == 400
        assert c.get("/tasks/filter", params={"query": "today | overdue"}).json() == {
            "results": [], "next_cursor": None}


def test_only_one_of_the_due_arguments(sb: TodoistSandbox) -> None:
    with rest(sb) as c:
        r = c.post("/tasks", json={"content": "x", "due_date": "2026-12-03",
                                   "due_string": "tomorrow"})
    assert r.status_code == 400


def test_well_formed_dues_through_the_sdk(api: TodoistAPI) -> None:
    day = api.add_task("a", due_date=dt.date(2026, 12, 10))
    assert day.due is not None and str(day.due.date) == "2026-12-10"
    floating = api.add_task("b", due_datetime=dt.datetime(2026, 12, 10, 9, 30))
    assert floating.due is not None and floating.due.date == dt.datetime(2026, 12, 10, 9, 30)
    instant = api.add_task("c", due_datetime=dt.datetime(2026, 12, 10, 9, 30,
                                                          tzinfo=dt.timezone(dt.timedelta(
                                                              hours=2))))
    assert instant.due is not None
    assert instant.due.date == dt.datetime(2026, 12, 10, 7, 30, tzinfo=dt.UTC)


def test_due_string_is_read_on_the_emulators_clock(sb: TodoistSandbox,
                                                   api: TodoistAPI) -> None:
    sb.emu.clock_offset = dt.timedelta(days=40)
    today = sb.emu.now().date()
    task = api.add_task("later", due_string="tomorrow")
    assert task.due is not None and str(task.due.date) == str(today + dt.timedelta(days=1))
    at = api.add_task("call", due_string="tomorrow at 10:15")
    assert at.due is not None
    assert at.due.date == dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10, 15))
    weekly = api.add_task("standup", due_string="every monday")
    assert weekly.due is not None and weekly.due.is_recurring
    assert dt.date.fromisoformat(str(weekly.due.date)).weekday() == 0


def test_a_due_string_the_emulator_cannot_read_is_refused_not_stored(
        sb: TodoistSandbox) -> None:
    with rest(sb) as c:
        r = c.post("/tasks", json={"content": "x", "due_string": "when pigs fly"})
    assert r.status_code == 400 and r.json()["error_extra"]["argument"] == "due"
    assert [i["content"] for i in sb.emu.items.values()] == []


def test_sync_item_add_and_item_update_refuse_a_malformed_due(sb: TodoistSandbox) -> None:
    ok = sb.emu.add_item(sb.project, "fine", due={"date": "2026-12-03"})
    cmds = [{"type": "item_add", "uuid": "a", "temp_id": "t",
             "args": {"content": "bad", "due": {"date": "next friday"}}},
            {"type": "item_update", "uuid": "u", "args": {"id": ok, "due": {"date": "soon"}}},
            {"type": "item_update", "uuid": "d",
             "args": {"id": ok, "deadline": {"date": "2026-12-03T10:00:00"}}}]
    with rest(sb) as c:
        r = c.post("/sync", data={"commands": json.dumps(cmds)})
    status = r.json()["sync_status"]
    assert {k: v["error_tag"] for k, v in status.items()} == {
        "a": "INVALID_ARGUMENT_VALUE", "u": "INVALID_ARGUMENT_VALUE",
        "d": "INVALID_ARGUMENT_VALUE"}
    assert status["u"]["error_extra"]["argument"] == "due"
    assert sb.emu.items[ok]["due"]["date"] == "2026-12-03"
    assert r.json()["temp_id_mapping"] == {}


def test_closing_a_recurring_task_moves_it_to_its_next_occurrence(sb: TodoistSandbox,
                                                                  api: TodoistAPI) -> None:
    weekly = sb.emu.add_item(sb.project, "standup", due={"date": "2026-12-01",  # a Tuesday
                                                         "string": "every monday, friday"})
    monthly = sb.emu.add_item(sb.project, "rent", due={"date": "2026-01-31T09:00:00",
                                                       "string": "every month"})
    assert api.complete_task(weekly) and api.complete_task(monthly)
    assert sb.emu.items[weekly]["due"]["date"] == "2026-12-04"
    assert sb.emu.items[monthly]["due"]["date"] == "2026-02-28T09:00:00"
    assert not sb.emu.items[weekly]["checked"]
