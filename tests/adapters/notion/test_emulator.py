"""The Notion emulator against what real Notion does: schema changes reach existing pages,
filters and sorts as documented, block children paged and appended as in the recorded
traffic (notion-sdk-py's ``test_iterate_paginated_api`` cassette, MIT licence)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import NotionSandbox
from hub.model import Item
from tests.adapters.notion import recorded
from tests.adapters.notion.conftest import HEADERS, NotionHarness, build

PAGED = "test_iterate_paginated_api"  # a page, five paragraphs, listed two by two, deleted
APPEND = recorded.answer(PAGED, "PATCH", "/children$")


def api(emu: NotionEmulator, method: str, path: str, body: Any = None,
        **params: Any) -> httpx.Response:
    return httpx.request(method, f"{emu.base_url}/v1/{path}", headers=HEADERS, json=body,
                         params=params or None)


def query(emu: NotionEmulator, ds: str, **body: Any) -> list[str]:
    """Titles of the pages a query returns, in order (400s raise)."""
    resp = api(emu, "POST", f"data_sources/{ds}/query", body)
    assert resp.status_code == 200, resp.json()
    return ["".join(t["plain_text"] for t in p["properties"]["Name"]["title"])
            for p in resp.json()["results"]]


def page(emu: NotionEmulator, ds: str, title: str, **props: Any) -> str:
    values = {"Name": {"title": [{"text": {"content": title}}]}} | props
    with emu.lock:
        return str(emu.create_page(ds, values)["id"])


def test_a_property_added_later_is_on_every_existing_page(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    old = page(emu, ds, "old")
    assert api(emu, "PATCH", f"data_sources/{ds}",
               {"properties": {"Extra": {"rich_text": {}}}}).status_code == 200
    got = api(emu, "GET", f"pages/{old}").json()
    assert got["properties"]["Extra"]["rich_text"] == []
    assert query(emu, ds, filter={"property": "Extra", "rich_text": {"is_empty": True}}) == \
        ["old"]
    # The origin property too: finding a marker is not a 400 for pages made before it.
    a = build(emu, sandbox.db)
    assert a.find_by_origin("link-1") is None
    assert "synchub origin" in api(emu, "GET", f"pages/{old}").json()["properties"]
    assert api(emu, "PATCH", f"data_sources/{ds}",
               {"properties": {"Extra": None}}).status_code == 200
    assert "Extra" not in api(emu, "GET", f"pages/{old}").json()["properties"]


def test_property_sorts(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    for title, prio, status in (("c", 3, "Done"), ("a", 1, "In progress"), ("none", None, None),
                                ("b", 2, "Not started")):
        props: dict[str, Any] = {"Priority": {"number": prio}}
        if status:
            props["Status"] = {"status": {"name": status}}
        page(emu, ds, title, **props)
    assert query(emu, ds, sorts=[{"property": "Priority", "direction": "ascending"}]) == \
        ["a", "b", "c", "none"]  # empty values last
    assert query(emu, ds, sorts=[{"property": "Priority", "direction": "descending"}]) == \
        ["c", "b", "a", "none"]
    assert query(emu, ds, sorts=[{"property": "Name", "direction": "ascending"}]) == \
        ["a", "b", "c", "none"]
    # Status in its options' order ("none" got the default, the first option):
    assert query(emu, ds, sorts=[{"property": "Status", "direction": "ascending"},
                                 {"property": "Name", "direction": "descending"}]) == \
        ["none", "b", "a", "c"]
    resp = api(emu, "POST", f"data_sources/{ds}/query",
               {"sorts": [{"property": "Nope", "direction": "ascending"}]})
    assert (resp.status_code, resp.json()["code"]) == (400, "validation_error")


def test_text_number_checkbox_and_people_filters(sandbox: NotionSandbox) -> None:
    emu = sandbox.emu
    _, ds = emu.add_database("F", {"Score": {"number": {}}, "Done": {"checkbox": {}},
                                    "Who": {"people": {}}, "Link": {"url": {}}})
    user = next(iter(u for u in emu.users.values() if u["type"] == "person"))["id"]
    page(emu, ds, "alpha one", Score={"number": 5}, Done={"checkbox": True},
         Who={"people": [{"id": user}]}, Link={"url": "https://ex.org/a"})
    page(emu, ds, "beta two", Score={"number": 10})
    page(emu, ds, "gamma")

    def titles(f: dict[str, Any]) -> list[str]:
        return query(emu, ds, filter=f)
    assert titles({"property": "Name", "title": {"starts_with": "al"}}) == ["alpha one"]
    assert titles({"property": "Name", "rich_text": {"ends_with": "two"}}) == ["beta two"]
    assert titles({"property": "Score", "number": {"greater_than": 5}}) == ["beta two"]
    assert titles({"property": "Score", "number": {"less_than_or_equal_to": 10}}) == \
        ["alpha one", "beta two"]
    assert titles({"property": "Score", "number": {"is_empty": True}}) == ["gamma"]
    assert titles({"property": "Done", "checkbox": {"equals": True}}) == ["alpha one"]
    assert titles({"property": "Who", "people": {"contains": user}}) == ["alpha one"]
    assert titles({"property": "Link", "url": {"contains": "ex.org"}}) == ["alpha one"]
    assert titles({"or": [{"property": "Score", "number": {"equals": 10}},
                          {"and": [{"property": "Done", "checkbox": {"equals": False}},
                                   {"property": "Name", "title": {"contains": "gam"}}]}]}) == \
        ["beta two", "gamma"]
    for bad in ({"property": "Score", "number": {"starts_with": "1"}},  # not for numbers
                {"property": "Score", "rich_text": {"equals": "5"}},  # wrong type key
                {"property": "Nope", "number": {"equals": 1}}):
        resp = api(emu, "POST", f"data_sources/{ds}/query", {"filter": bad})
        assert (resp.status_code, resp.json()["code"]) == (400, "validation_error"), bad


def test_relative_and_zoned_date_filters(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    emu.clock_offset = dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
    for title, day in (("-3d", "2026-07-12"), ("+3d", "2026-07-18"), ("-20d", "2026-06-25"),
                       ("+200d", "2027-01-31")):
        page(emu, ds, title, Due={"date": {"start": day}})
    # 09:00 in Tokyo is 00:00 UTC: a wall-clock time is not UTC when it has a zone.
    page(emu, ds, "tokyo", Due={"date": {"start": "2026-07-01T09:00:00",
                                         "time_zone": "Asia/Tokyo"}})

    def titles(cond: dict[str, Any]) -> list[str]:
        return sorted(query(emu, ds, filter={"property": "Due", "date": cond}))
    assert titles({"past_week": {}}) == ["-3d"]
    assert titles({"next_week": {}}) == ["+3d"]
    assert titles({"past_month": {}}) == ["-20d", "-3d", "tokyo"]
    assert titles({"next_year": {}}) == ["+200d", "+3d"]
    assert titles({"this_week": {}}) == ["+3d", "-3d"]  # Sunday 12th to Saturday 18th
    assert titles({"on_or_after": "2026-06-30T23:30:00Z", "before": "2026-07-01T00:30:00Z"}) \
        == ["tokyo"]
    assert titles({"equals": "2026-07-01"}) == ["tokyo"]


def test_block_children_are_paged_and_appended_as_in_notion(harness: NotionHarness) -> None:
    emu = harness.emu
    pid = harness.user_create(Item(title="body"))
    made = api(emu, "PATCH", f"blocks/{pid}/children", APPEND.request["json"]).json()
    real = APPEND.body
    assert set(real) <= set(made) and len(made["results"]) == 5
    assert set(real["results"][0]) <= set(made["results"][0])
    assert made["results"][0]["parent"] == {"type": "page_id", "page_id": pid}
    assert set(real["results"][0]["paragraph"]) <= set(made["results"][0]["paragraph"])
    # A second append answers with its own blocks only.
    again = api(emu, "PATCH", f"blocks/{pid}/children",
                {"children": [{"paragraph": {"rich_text": [{"text": {"content": "p5"}}]}}]})
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in again.json()["results"]] \
        == ["p5"]
    seen, cursor = [], None
    while True:
        listed = api(emu, "GET", f"blocks/{pid}/children", page_size=2,
                     **({"start_cursor": cursor} if cursor else {})).json()
        assert set(recorded.answer(PAGED, "GET", "/children$").body) - {"request_id"} <= set(listed)
        assert len(listed["results"]) <= 2
        seen += [b["paragraph"]["rich_text"][0]["plain_text"] for b in listed["results"]]
        if not listed["has_more"]:
            break
        cursor = listed["next_cursor"]
        assert cursor == emu.children[pid][len(seen)]["id"]  # the next block's id, as Notion
    assert seen == [f"paragraph {n}" for n in range(5)] + ["p5"]
    too_many = {"children": [{"paragraph": {"rich_text": []}}] * 101}
    for resp in (api(emu, "PATCH", f"blocks/{pid}/children", too_many),
                 api(emu, "GET", f"blocks/{pid}/children", page_size=101)):
        assert (resp.status_code, resp.json()["code"]) == (400, "validation_error")


def test_deleting_blocks_and_pages(harness: NotionHarness) -> None:
    emu = harness.emu
    pid = harness.user_create(Item(title="gone"))
    block = api(emu, "PATCH", f"blocks/{pid}/children", APPEND.request["json"]
                ).json()["results"][0]
    deleted = api(emu, "DELETE", f"blocks/{block['id']}").json()
    assert set(recorded.answer(PAGED, "DELETE").body) <= set(deleted)
    assert (deleted["in_trash"], deleted["archived"]) == (True, True)
    answer = api(emu, "DELETE", f"blocks/{pid}").json()
    assert set(recorded.answers(PAGED, "DELETE")[-1].body) <= set(answer)
    assert (answer["type"], answer["child_page"], answer["in_trash"]) == \
        ("child_page", {"title": "gone"}, True)
    assert api(emu, "GET", f"pages/{pid}").json()["in_trash"] is True
    assert harness.adapter.get(pid) is None


@pytest.mark.parametrize("path", ["pages/nope", "blocks/123/children", "data_sources/x/query",
                                  "databases/not-an-id"])
def test_malformed_ids_are_400(sandbox: NotionSandbox, path: str) -> None:
    method = "POST" if path.endswith("query") else "GET"
    resp = api(sandbox.emu, method, path, {} if method == "POST" else None)
    assert (resp.status_code, resp.json()["code"]) == (400, "validation_error")
    assert "should be a valid uuid" in resp.json()["message"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "invalid"),  # the recorded answer (test_api_response_error.yaml)
    ("DELETE", "databases/{db}"), ("POST", "pages/{page}"), ("GET", "data_sources/{ds}/query"),
    ("PUT", "users/me"), ("GET", "pages/{page}/nothing")])
def test_unknown_paths_and_other_methods_are_invalid_request_url(
        sandbox: NotionSandbox, method: str, path: str) -> None:
    emu = sandbox.emu
    pid = page(emu, sandbox.ds, "p")
    resp = api(emu, method, path.format(db=sandbox.db, ds=sandbox.ds, page=pid),
               {} if method in ("POST", "PUT") else None)
    assert resp.json() | {"request_id": "-"} == {
        "object": "error", "status": 400, "code": "invalid_request_url",
        "message": "Invalid request URL.", "request_id": "-"}


def test_ids_without_dashes_are_taken(sandbox: NotionSandbox) -> None:
    pid = page(sandbox.emu, sandbox.ds, "bare")
    got = api(sandbox.emu, "GET", f"pages/{pid.replace('-', '')}").json()
    assert got["id"] == pid
