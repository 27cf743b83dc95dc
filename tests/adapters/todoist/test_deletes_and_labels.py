"""Deleting in the Todoist emulator as Todoist does, through todoist-api-python: a deleted
project takes its sub-projects, their sections and all their tasks with it, a deleted section
its tasks (they used to stay live, listed by ``GET /tasks``); a deleted label is removed from
every task that had it (tasks used to keep it); the next incremental sync reports each as
``is_deleted``. Label names are unique (a second "urgent" is Todoist's 400) and a task's
``labels`` is a list of names (``"abc"`` used to be stored as ``['a', 'b', 'c']``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.todoist.sandbox import TodoistSandbox


def live(api: TodoistAPI) -> list[str]:
    return sorted(t.content for page in api.get_tasks() for t in page)


def sync(sb: TodoistSandbox, token: str) -> dict[str, Any]:
    r = httpx.post(f"{sb.emu.base_url}/api/v1/sync", data={
        "sync_token": token, "resource_types": '["items", "projects", "sections"]'},
        headers={"Authorization": f"Bearer {sb.emu.token}"})
    data: dict[str, Any] = r.json()
    return data


def test_deleting_a_project_deletes_its_sub_projects_sections_and_tasks(
        sb: TodoistSandbox, api: TodoistAPI) -> None:
    launch = api.add_project("Launch")
    child = api.add_project("Launch docs", parent_id=launch.id)
    section = api.add_section("Doing", launch.id)
    api.add_task("Plan", project_id=launch.id)
    parent = api.add_task("Write", project_id=launch.id, section_id=section.id)
    api.add_task("Outline", parent_id=parent.id)
    api.add_task("Proofread", project_id=child.id)
    api.add_task("Elsewhere", project_id=sb.project)
    token = str(sync(sb, "*")["sync_token"])
    assert api.delete_project(launch.id)
    assert live(api) == ["Elsewhere"]
    assert {p.id for page in api.get_projects() for p in page} & {launch.id, child.id} == set()
    assert [s.id for page in api.get_sections() for s in page] == []
    later = sync(sb, token)
    assert sorted(i["content"] for i in later["items"] if i["is_deleted"]) == [
        "Outline", "Plan", "Proofread", "Write"]
    assert sorted(p["name"] for p in later["projects"] if p["is_deleted"]) == [
        "Launch", "Launch docs"]
    assert [s["name"] for s in later["sections"]] == ["Doing"]
    with pytest.raises(httpx.HTTPStatusError) as gone:
        api.add_task("Too late", project_id=launch.id)
    assert gone.value.response.status_code == 404


def test_deleting_a_section_deletes_its_tasks(sb: TodoistSandbox, api: TodoistAPI) -> None:
    doing = api.add_section("Doing", sb.project)
    done = api.add_section("Done", sb.project)
    api.add_task("In doing", project_id=sb.project, section_id=doing.id)
    api.add_task("In done", project_id=sb.project, section_id=done.id)
    api.add_task("No section", project_id=sb.project)
    assert api.delete_section(doing.id)
    assert live(api) == ["In done", "No section"]
    with pytest.raises(httpx.HTTPStatusError) as gone:
        api.add_task("Into a deleted section", project_id=sb.project, section_id=doing.id)
    assert gone.value.response.status_code == 404


def test_deleting_a_label_removes_it_from_tasks(sb: TodoistSandbox, api: TodoistAPI) -> None:
    urgent = api.add_label("urgent")
    api.add_label("later")
    task = api.add_task("Call", labels=["urgent", "later"])
    token = str(sync(sb, "*")["sync_token"])
    assert api.delete_label(urgent.id)
    assert api.get_task(task.id).labels == ["later"]
    assert [x.name for page in api.get_labels() for x in page] == ["later"]
    assert [i["id"] for i in sync(sb, token)["items"]] == [task.id]
    assert api.add_label("urgent").name == "urgent"  # the name is free again


@pytest.mark.parametrize("again", ["urgent", "Urgent", " urgent "])
def test_a_label_name_is_unique(api: TodoistAPI, again: str) -> None:
    api.add_label("urgent")
    with pytest.raises(httpx.HTTPStatusError) as dup:
        api.add_label(again)
    assert dup.value.response.status_code == 400
    assert dup.value.response.json()["error_extra"]["argument"] == "name"
    assert [x.name for page in api.get_labels() for x in page] == ["urgent"]


@pytest.mark.parametrize("labels", ["abc", [1, 2], ["ok", ""], {"a": 1}])
def test_labels_must_be_a_list_of_names(sb: TodoistSandbox, labels: object) -> None:
    auth = {"Authorization": f"Bearer {sb.emu.token}"}
    r = httpx.post(f"{sb.emu.base_url}/api/v1/tasks", json={"content": "x", "labels": labels},
                   headers=auth)
    assert r.status_code == 400 and r.json()["error_extra"]["argument"] == "labels"
    cmd = [{"type": "item_add", "uuid": "a", "temp_id": "t",
            "args": {"content": "x", "labels": labels}}]
    status = httpx.post(f"{sb.emu.base_url}/api/v1/sync", data={"commands": json.dumps(cmd)},
                        headers=auth).json()["sync_status"]["a"]
    assert status["error_tag"] == "INVALID_ARGUMENT_VALUE"
    assert sb.emu.items == {}


def test_a_project_cannot_be_renamed_to_nothing(api: TodoistAPI) -> None:
    project = api.add_project("Launch")
    with pytest.raises(httpx.HTTPStatusError) as blank:
        api.update_project(project.id, name="  ")
    assert blank.value.response.status_code == 400
    assert api.get_project(project.id).name == "Launch"
