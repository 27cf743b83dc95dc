"""Requests Todoist refuses, refused by the emulator as Todoist does (400 with the v1 error
body) instead of a 500 or a silently wrong answer: a page ``limit`` outside 1..200 (``0``
answered an empty page with a cursor, and a paging client looped forever), a ``cursor`` it
never handed out, a body that is not JSON, and Sync arguments that are not JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.todoist.client import RewriteTransport
from adapters.todoist.sandbox import TodoistSandbox


@pytest.fixture
def sb() -> Iterator[TodoistSandbox]:
    s = TodoistSandbox(users=1)
    for i in range(5):
        s.emu.add_item(s.project, f"t{i}")
    yield s
    s.stop()


@pytest.fixture
def c(sb: TodoistSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.emu.base_url + "/api/v1",
                      headers={"Authorization": f"Bearer {sb.emu.token}"}) as client:
        yield client


def refused(r: httpx.Response, argument: str | None = None) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["http_code"] == 400 and body["error_tag"] == "INVALID_ARGUMENT_VALUE"
    if argument:
        assert body["error_extra"]["argument"] == argument


@pytest.mark.parametrize("path", ["/tasks", "/tasks/filter?query=today", "/projects",
                                  "/sections", "/labels", "/comments?task_id=x"])
@pytest.mark.parametrize("limit", ["0", "201", "-1", "x", "1.5", ""])
def test_a_limit_outside_1_to_200_is_a_400(c: httpx.Client, path: str, limit: str) -> None:
    sep = "&" if "?" in path else "?"
    r = c.get(f"{path}{sep}limit={limit}")
    if limit == "":
        assert r.status_code == 200  # absent: the default 50
    else:
        refused(r, "limit")


@pytest.mark.parametrize("cursor", ["abc", "-1", "c", "cz", "1 2"])
def test_a_cursor_never_handed_out_is_a_400(c: httpx.Client, cursor: str) -> None:
    refused(c.get("/tasks", params={"cursor": cursor}), "cursor")


def test_limits_1_and_200_page_to_the_end(sb: TodoistSandbox, c: httpx.Client) -> None:
    for limit in (1, 200):
        seen, cursor = [], None
        for _ in range(10):
            page = c.get("/tasks", params={"limit": limit, **(
                {"cursor": cursor} if cursor else {})}).json()
            seen += [t["content"] for t in page["results"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"t{i}" for i in range(5)]


def test_the_sdk_pages_through_the_emulator(sb: TodoistSandbox) -> None:
    http = httpx.Client(transport=RewriteTransport(sb.emu.base_url),
                        headers={"Authorization": f"Bearer {sb.emu.token}"})
    api = TodoistAPI(sb.emu.token, client=http)
    pages = list(api.get_tasks(limit=2))
    assert [len(p) for p in pages] == [2, 2, 1]
    with pytest.raises(httpx.HTTPStatusError) as zero:
        list(api.get_tasks(limit=0))
    assert zero.value.response.status_code == 400
    http.close()


def test_completed_tasks_pages_refuse_a_bad_limit(c: httpx.Client) -> None:
    refused(c.get("/tasks/completed/by_completion_date", params={
        "since": "2026-12-01T00:00:00Z", "until": "2026-12-02T00:00:00Z", "limit": "0"}),
        "limit")
@pytest.mark.parametrize("body", [b"{bad", b"[1, 2]", b"\"text\"", b"\xff\xfe"])
@pytest.mark.parametrize("path", ["/tasks", "/projects", "/sections", "/labels", "/comments"])
def test_a_body_that_is_not_a_json_object_is_a_400(c: httpx.Client, path: str,
                                                   body: bytes) -> None:
    refused(c.post(path, content=body, headers={"Content-Type": "application/json"}))


def test_sync_arguments_that_are_not_json_are_a_400(c: httpx.Client) -> None:
    refused(c.post("/sync", data={"commands": "[{bad"}), "commands")
    refused(c.post("/sync", data={"commands": json.dumps({"type": "item_add"})}), "commands")
    refused(c.post("/sync", data={"sync_token": "*", "resource_types": "items"}),
            "resource_types")
    refused(c.post("/sync", data={"sync_token": "not-a-token"}), "sync_token")
