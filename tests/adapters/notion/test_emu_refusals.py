"""What the Notion emulator refuses, through notion-client as other tools call it, and that a
refused request changes nothing: Notion applies a write whole or not at all, so a client that
retries a 400 must not find half of it done (a page made twice, a property half dropped).
Malformed input is Notion's 400 (``invalid_json``, ``validation_error``), never a 500; a data
source keeps exactly one title property; the emulator's own helpers (a user editing in
Notion's app) take its lock, so HTTP clients never see its state mid-change."""

from __future__ import annotations

import copy
import sys
import threading
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError

from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import NotionSandbox
from hub.model import Item
from tests.adapters.notion.conftest import Site, rich


def state(emu: NotionEmulator) -> Any:
    """Everything the emulator holds, to compare before and after a request."""
    with emu.lock:
        return copy.deepcopy((emu.users, emu.databases, emu.sources, emu.pages, emu.children,
                              emu.comments, emu.trashed_blocks, emu.block_places))


def refused(emu: NotionEmulator, call: Any, **kwargs: Any) -> tuple[int, str]:
    """The error ``call`` answers, checking that it changed nothing."""
    before = state(emu)
    with pytest.raises(APIResponseError) as error:
        call(**kwargs)
    assert state(emu) == before, "a refused request changed the workspace"
    return error.value.status, str(error.value.code.value)


def a_page(sb: NotionSandbox, title: str = "p") -> str:
    return str(sb.emu.create_page(sb.ds, {"Name": {"title": rich(title)}})["id"])


INVALID = (400, "validation_error")


# -- a refused write changes nothing ------------------------------------------------------------


def test_a_page_update_with_one_bad_property_changes_no_property(site: Site) -> None:
    sb, notion = site
    page = a_page(sb, "T")
    assert refused(sb.emu, notion.pages.update, page_id=page, properties={
        "Name": {"title": rich("CHANGED")}, "Nope": {"rich_text": []}}) == INVALID
    assert refused(sb.emu, notion.pages.update, page_id=page, properties={
        "Tags": {"multi_select": [{"name": "brand new"}]},  # would add an option
        "Priority": {"number": "3"}}) == INVALID
    assert refused(sb.emu, notion.pages.update, page_id=page, icon={"emoji": "🛴"},
                   properties={"Due": {"date": {"start": "next tuesday"}}}) == INVALID
    title = notion.pages.retrieve(page_id=page)["properties"]["Name"]["title"]
    assert [t["plain_text"] for t in title] == ["T"]


def test_a_page_refused_for_its_children_is_not_made(site: Site) -> None:
    sb, notion = site
    paragraph = {"type": "paragraph", "paragraph": {"rich_text": []}}
    title = {"Name": {"title": rich("Dup?")}}
    parent = {"data_source_id": sb.ds}
    assert refused(sb.emu, notion.pages.create, parent=parent, properties=title,
                   children=[paragraph] * 101) == INVALID
    assert refused(sb.emu, notion.pages.create, parent=parent, properties=title,
                   children=[{"type": "bogus_block", "bogus_block": {}}]) == INVALID
    assert refused(sb.emu, notion.pages.create, parent=parent, properties=title, children=[
        {"toggle": {"rich_text": rich("fine"), "children": [paragraph]}},
        {"paragraph": {"rich_text": "not an array"}}]) == INVALID
    assert notion.data_sources.query(data_source_id=sb.ds)["results"] == []


def test_an_append_refused_for_one_child_appends_none(site: Site) -> None:
    sb, notion = site
    page = a_page(sb)
    good = {"toggle": {"rich_text": rich("a"), "children": [
        {"paragraph": {"rich_text": rich("inside")}}]}}
    assert refused(sb.emu, notion.blocks.children.append, block_id=page, children=[
        good, {"paragraph": {"rich_text": [{"text": {"content": "x" * 2001}}]}}]) == INVALID
    assert refused(sb.emu, notion.blocks.children.append, block_id=page,
                   children=[good, "a string"]) == INVALID
    assert refused(sb.emu, notion.blocks.children.append, block_id=page,
                   children=[good, {}]) == INVALID
    assert notion.blocks.children.list(block_id=page)["results"] == []


def test_a_block_update_refused_leaves_the_block_and_the_trash_as_they_were(site: Site
                                                                              ) -> None:
    sb, notion = site
    page = a_page(sb)
    block = notion.blocks.children.append(block_id=page, children=[
        {"paragraph": {"rich_text": rich("p")}}])["results"][0]["id"]
    assert refused(sb.emu, notion.blocks.update, block_id=block, paragraph="hi") == INVALID
    assert refused(sb.emu, notion.blocks.update, block_id=block,
                   paragraph={"rich_text": [{"text": "not an object"}]}) == INVALID
    notion.blocks.delete(block_id=block)
    assert refused(sb.emu, notion.blocks.update, block_id=block, in_trash=False,
                   paragraph={"rich_text": 5}) == INVALID  # not restored
    assert refused(sb.emu, notion.blocks.update, block_id=block, in_trash="no") == INVALID
    assert notion.blocks.retrieve(block_id=block)["in_trash"]


def test_a_schema_change_refused_for_one_property_changes_none(site: Site) -> None:
    sb, notion = site
    page = a_page(sb)
    assert refused(sb.emu, notion.data_sources.update, data_source_id=sb.ds, properties={
        "Status": None, "Ghost": {"name": "x"}}) == INVALID
    assert refused(sb.emu, notion.data_sources.update, data_source_id=sb.ds, properties={
        "Due": {"name": "When"}, "Kind": {"select": "x"}}) == INVALID
    assert refused(sb.emu, notion.data_sources.update, data_source_id=sb.ds,
                   title=rich("New name"), properties={"Tags": {"name": 5}}) == INVALID
    assert {"Status", "Due"} <= set(notion.data_sources.retrieve(
        data_source_id=sb.ds)["properties"])
    assert {"Status", "Due"} <= set(notion.pages.retrieve(page_id=page)["properties"])


def test_databases_and_comments_refused_are_not_made_or_changed(site: Site) -> None:
    sb, notion = site
    page = a_page(sb)
    assert refused(sb.emu, notion.databases.update, database_id=sb.db,
                   title=rich("Renamed"), icon="📚") == INVALID
    assert refused(sb.emu, notion.databases.update, database_id=sb.db,
                   title=rich("Renamed"), is_inline="yes") == INVALID
    workspace = {"type": "workspace", "workspace": True}
    assert refused(sb.emu, notion.databases.create, parent=workspace, title=rich("Two"),
                   initial_data_source={"properties": {
                       "A": {"title": {}}, "B": {"title": {}}}}) == INVALID
    assert refused(sb.emu, notion.databases.create, parent=workspace, title=rich("Bad"),
                   initial_data_source={"properties": {
                       "A": {"title": {}}, "S": {"select": {"options": [{}]}}}}) == INVALID
    assert refused(sb.emu, notion.data_sources.create, parent={"database_id": sb.db},
                   properties={"T": {"title": {}}}, title="not rich text") == INVALID
    assert refused(sb.emu, notion.comments.create, parent=page, rich_text=rich("hi")) == \
        INVALID
    assert refused(sb.emu, notion.comments.create, parent={"page_id": page},
                   rich_text=[{"text": {"content": "hi", "link": "not an object"}}]) == INVALID


# -- malformed input is Notion's 400 --------------------------------------------------------


def test_a_body_that_is_not_json_is_invalid_json(site: Site) -> None:
    sb, _ = site
    page = a_page(sb)
    headers = {"Authorization": f"Bearer {sb.emu.token}", "Notion-Version": "2025-09-03",
               "Content-Type": "application/json"}
    before = state(sb.emu)
    for body in (b"{oops", b"\xff\xfe", b"[1, 2]"):
        answer = httpx.patch(f"{sb.emu.base_url}/v1/pages/{page}", content=body,
                             headers=headers)
        assert answer.status_code == 400
        error = answer.json()
        assert error["object"] == "error" and "request_id" in error
        if body == b"[1, 2]":
            assert error["code"] == "validation_error"
        else:
            assert (error["code"], error["message"]) == ("invalid_json",
                                                        "Error parsing JSON body.")
    assert state(sb.emu) == before


def test_values_of_the_wrong_type_are_validation_errors(site: Site) -> None:
    sb, notion = site
    page = a_page(sb)
    wrong = [{"Name": {"title": "a string"}}, {"Name": {"rich_text": rich("x")}},
             {"Priority": {"number": "3"}}, {"Due": {"date": {"start": "next tuesday"}}},
             {"Due": {"date": "2026-12-01"}}, {"Status": {"status": "Done"}},
             {"Status": {"status": {"name": 3}}}, {"Tags": {"multi_select": {"name": "a"}}},
             {"Assignee": {"people": ["someone"]}},
             {"Name": {"title": [{"text": {"content": 5}}]}},
             {"Name": {"title": [{"text": {"content": "x"}, "annotations": {"bold": "y"}}]}}]
    for properties in wrong:
        assert refused(sb.emu, notion.pages.update, page_id=page,
                       properties=properties) == INVALID, properties
        assert refused(sb.emu, notion.pages.create, parent={"data_source_id": sb.ds},
                       properties=properties) == INVALID, properties
    assert refused(sb.emu, notion.pages.update, page_id=page, properties=["Name"]) == INVALID
    assert refused(sb.emu, notion.pages.update, page_id=page, in_trash="yes") == INVALID


def test_malformed_schemas_cursors_and_filters_are_validation_errors(site: Site) -> None:
    sb, notion = site
    sb.emu.create_page(sb.ds, {"Name": {"title": rich("p")}, "Priority": {"number": 2}})
    for properties in ({"Sel": {"select": {"options": [{"color": "red"}]}}},
                       {"Sel": {"select": "x"}}, {"Sel": {"select": {"options": "x"}}},
                       {"Sel": {"status": {"options": [{"name": "a", "group": "Later"}]}}},
                       {"Sel": ["select"]}, {"Status": {"name": ["New"]}}):
        assert refused(sb.emu, notion.data_sources.update, data_source_id=sb.ds,
                       properties=properties) == INVALID, properties
    assert refused(sb.emu, notion.users.list, start_cursor="abc") == INVALID
    assert refused(sb.emu, notion.users.list, page_size=0) == INVALID
    assert refused(sb.emu, notion.search, start_cursor="abc") == INVALID
    assert refused(sb.emu, notion.data_sources.query, data_source_id=sb.ds, filter={
        "property": "Priority", "number": {"greater_than": "one"}}) == INVALID
    assert len(notion.users.list(page_size=1)["results"]) == 1


# -- one title property -----------------------------------------------------------------------


def test_a_data_source_keeps_exactly_one_title_property(site: Site) -> None:
    sb, notion = site
    page = a_page(sb, "kept")
    for properties in ({"Name": None}, {"title": None}, {"Name": {"rich_text": {}}},
                       {"Second": {"title": {}}}, {"Description": {"title": {}}}):
        assert refused(sb.emu, notion.data_sources.update, data_source_id=sb.ds,
                       properties=properties) == INVALID, properties
    renamed = notion.data_sources.update(data_source_id=sb.ds,
                                         properties={"Name": {"name": "Task"}})
    titles = [(n, p["id"]) for n, p in renamed["properties"].items() if p["type"] == "title"]
    assert titles == [("Task", "title")]
    title = notion.pages.retrieve(page_id=page)["properties"]["Task"]["title"]
    assert [t["plain_text"] for t in title] == ["kept"]


# -- the emulator's own helpers take its lock -------------------------------------------------


def test_a_user_editing_in_the_app_never_shows_clients_a_state_mid_change(site: Site
                                                                           ) -> None:
    sb, notion = site
    stop = threading.Event()
    made: list[str] = []

    def user() -> None:  # as fast as it goes: the emulator's helpers, no HTTP
        while not stop.is_set() and len(made) < 1000:
            page = sb.emu.create_page(sb.ds, {"Name": {"title": rich("typed")}})
            sb.emu.update_page(page["id"], {"properties": {"Priority": {"number": 1}}})
            made.append(page["id"])
        sb.user_edit(made[0], title="edited")
        sb.user_create(Item(title="last"))

    typing = threading.Thread(target=user)
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads take turns often: a race shows in a short run
    typing.start()
    try:
        for n in range(100):  # an error here would be the 500 of a dict changed mid-iteration
            notion.data_sources.query(data_source_id=sb.ds, page_size=1)
            notion.search(query="typed", page_size=1)
            if n % 20 == 0:
                sb.items()
    finally:
        stop.set()
        typing.join()
        sys.setswitchinterval(switching)
    assert len(sb.items()) == len(made) + 1
