"""todoist-api-python's REST surface against the Todoist emulator over real sockets, as a
user's scripts call it: tasks (add with a due date, get, filters, update, close, reopen,
delete), projects, sections, labels and comments; each answer parsed by the SDK's own models
(which fail on a missing key), and a task written over REST seen by the next Sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.todoist.client import RewriteTransport
from adapters.todoist.sandbox import TodoistSandbox


@pytest.fixture
def api() -> Iterator[tuple[TodoistSandbox, TodoistAPI]]:
    sb = TodoistSandbox()
    http = httpx.Client(transport=RewriteTransport(sb.emu.base_url),
                        headers={"Authorization": f"Bearer {sb.emu.token}"})
    try:
        yield sb, TodoistAPI(sb.emu.token, client=http)
    finally:
        http.close()
        sb.emu.stop()


def _all(pages: Iterator[list[object]]) -> list[object]:
    return [x for page in pages for x in page]


def test_tasks_add_get_filter_update_close_reopen_delete(
        api: tuple[TodoistSandbox, TodoistAPI]) -> None:
    sb, todoist = api
    task = todoist.add_task("Write the report", project_id=sb.project,
                            due_date=dt.date(2026, 12, 10), labels=["work"], priority=3)
    assert task.content == "Write the report" and task.priority == 3
    assert task.due is not None and str(task.due.date) == "2026-12-10"
    assert todoist.get_task(task.id).labels == ["work"]
    assert [t.id for t in _all(todoist.get_tasks(label="work"))] == [task.id]
    assert _all(todoist.get_tasks(label="other")) == []
    assert [t.id for t in _all(todoist.get_tasks(ids=[task.id]))] == [task.id]
    updated = todoist.update_task(task.id, content="Write the final report")
    assert updated.content == "Write the final report"
    assert todoist.complete_task(task.id)
    assert todoist.get_task(task.id).is_completed
    assert _all(todoist.get_tasks(project_id=sb.project)) == []  # open tasks only
    assert todoist.uncomplete_task(task.id)
    assert not todoist.get_task(task.id).is_completed
    assert todoist.delete_task(task.id)
    with pytest.raises(httpx.HTTPStatusError) as gone:
        todoist.get_task(task.id)
    assert gone.value.response.status_code == 404


def test_a_task_written_over_rest_is_in_the_next_sync(
        api: tuple[TodoistSandbox, TodoistAPI]) -> None:
    sb, todoist = api
    before = httpx.post(f"{sb.emu.base_url}/api/v1/sync", data={
        "sync_token": "*", "resource_types": '["items"]'},
        headers={"Authorization": f"Bearer {sb.emu.token}"}).json()
    task = todoist.add_task("From a script", project_id=sb.project)
    after = httpx.post(f"{sb.emu.base_url}/api/v1/sync", data={
        "sync_token": before["sync_token"], "resource_types": '["items"]'},
        headers={"Authorization": f"Bearer {sb.emu.token}"}).json()
    assert [i["id"] for i in after["items"]] == [task.id]


def test_projects_sections_labels_and_comments(
        api: tuple[TodoistSandbox, TodoistAPI]) -> None:
    _, todoist = api
    project = todoist.add_project("Launch")
    assert todoist.get_project(project.id).name == "Launch"
    assert todoist.update_project(project.id, name="Launch 2").name == "Launch 2"
    section = todoist.add_section("Doing", project.id)
    assert [s.name for s in _all(todoist.get_sections(project_id=project.id))] == ["Doing"]
    assert todoist.get_section(section.id).project_id == project.id
    label = todoist.add_label("urgent")
    assert "urgent" in [x.name for x in _all(todoist.get_labels())]
    task = todoist.add_task("With a note", project_id=project.id, section_id=section.id)
    comment = todoist.add_comment("Call Ana first", task_id=task.id)
    assert [c.content for c in _all(todoist.get_comments(task_id=task.id))] == [
        "Call Ana first"]
    assert todoist.delete_comment(comment.id)
    assert _all(todoist.get_comments(task_id=task.id)) == []
    assert todoist.delete_label(label.id) and todoist.delete_section(section.id)
    assert todoist.delete_project(project.id)
    assert project.id not in [p.id for p in _all(todoist.get_projects())]


def test_refusals_as_todoist_answers_them(api: tuple[TodoistSandbox, TodoistAPI]) -> None:
    _, todoist = api
    with pytest.raises(httpx.HTTPStatusError) as no_project:
        todoist.add_task("Nowhere", project_id="p-missing")
    assert no_project.value.response.status_code == 404
    with pytest.raises(httpx.HTTPStatusError) as empty:
        todoist.add_task("   ")
    assert empty.value.response.status_code == 400
    with pytest.raises(httpx.HTTPStatusError) as bad_section:
        todoist.add_section("Doing", "p-missing")
    assert bad_section.value.response.status_code == 404
