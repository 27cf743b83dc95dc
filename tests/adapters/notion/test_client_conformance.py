"""notion-client's own calls against the Notion emulator, over real sockets, as a user's other
tools make them: schema renames, users, blocks, comments, page property items, restoring a
trashed page, nested children, icons. Where real traffic was recorded (notion-sdk-py's
cassettes, MIT licence, trimmed into cassettes/) the emulator's answer has
the recorded answer's keys, level by level."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from notion_client import APIResponseError

from adapters.notion.sandbox import NotionSandbox
from tests.adapters.notion.conftest import site_of
from tests.adapters.notion.recorded import answer

#: the sandbox and notion-client's Client, typed Any: its sync/async result union is no use here
Site = tuple[NotionSandbox, Any]
def recorded(cassette: str, method: str, path: str = "") -> dict[str, Any]:
    """The recorded answer to the cassette's first ``method`` call to a path matching
    ``path``."""
    body: dict[str, Any] = answer(cassette, method, path).body
    return body


def same_keys(real: Any, ours: Any, where: str = "", skip: tuple[str, ...] = ()) -> None:
    """The emulator's answer has the recorded answer's keys: in every object, and in the
    first element of every list (the recording's values differ, its shape must not). Keys in
    ``skip`` are compared by name only (a page's ``properties`` and ``parent`` are the
    recording's database's, not ours)."""
    if isinstance(real, dict):
        assert isinstance(ours, dict), where
        assert set(real) == set(ours), f"{where}: {set(real) ^ set(ours)}"
        for key, value in real.items():
            if key not in skip:
                same_keys(value, ours[key], f"{where}.{key}", skip)
    elif isinstance(real, list) and real and ours:
        same_keys(real[0], ours[0], f"{where}[0]", skip)


def rich(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


@pytest.fixture
def site() -> Iterator[Site]:
    with site_of(NotionSandbox(schema={"Kind": {"select": {"options": [{"name": "bug"}]}},
                                       "Notes": {"rich_text": {}}})) as s:
        yield s


def new_page(sb: NotionSandbox, client: Any, title: str, **body: Any) -> dict[str, Any]:
    page: dict[str, Any] = client.pages.create(
        parent={"data_source_id": sb.ds}, properties={"Name": {"title": rich(title)}}, **body)
    return page


# -- data sources ----------------------------------------------------------------------------


def test_renaming_a_property_keeps_its_id_type_and_every_value(
        site: Site) -> None:
    sb, notion = site
    page = notion.pages.create(parent={"data_source_id": sb.ds}, properties={
        "Name": {"title": rich("a")}, "Kind": {"select": {"name": "bug"}}})
    before = notion.data_sources.retrieve(data_source_id=sb.ds)["properties"]["Kind"]
    ds = notion.data_sources.update(data_source_id=sb.ds,
                                    properties={"Kind": {"name": "Kind2"}})
    assert "Kind" not in ds["properties"]
    assert ds["properties"]["Kind2"] == {**before, "name": "Kind2"}
    value = notion.pages.retrieve(page_id=page["id"])["properties"]
    assert "Kind" not in value and value["Kind2"]["select"]["name"] == "bug"
    found = notion.data_sources.query(data_source_id=sb.ds, filter={
        "property": "Kind2", "select": {"equals": "bug"}})["results"]
    assert [p["id"] for p in found] == [page["id"]]
    # by id, with a type too: both change, the id stays
    ds = notion.data_sources.update(data_source_id=sb.ds, properties={
        before["id"]: {"name": "Kind3", "rich_text": {}}})
    assert (ds["properties"]["Kind3"]["id"], ds["properties"]["Kind3"]["type"]) == \
        (before["id"], "rich_text")
    assert notion.pages.retrieve(page_id=page["id"])["properties"]["Kind3"]["rich_text"] == []


def test_renaming_onto_a_taken_name_or_a_missing_property_is_a_400(
        site: Site) -> None:
    sb, notion = site
    for props in ({"Kind": {"name": "Notes"}}, {"Nope": {"name": "Other"}}):
        with pytest.raises(APIResponseError) as refused:
            notion.data_sources.update(data_source_id=sb.ds, properties=props)
        assert (refused.value.status, refused.value.code) == (400, "validation_error")
    names = set(notion.data_sources.retrieve(data_source_id=sb.ds)["properties"])
    assert {"Kind", "Notes"} <= names and "Other" not in names


def test_unknown_path_is_invalid_request_url(site: Site) -> None:
    _, notion = site
    with pytest.raises(APIResponseError) as refused:
        notion.request(path="invalid", method="GET")
    assert (refused.value.status, refused.value.code) == (400, "invalid_request_url")
    assert str(uuid.UUID(refused.value.request_id or ""))


def refused(call: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(APIResponseError) as error:
        call(**kwargs)
    return error.value.status, str(error.value.code.value)


def paragraph(text: str, **content: Any) -> dict[str, Any]:
    return {"paragraph": {"rich_text": rich(text), **content}}


# -- users -----------------------------------------------------------------------------------


def test_users_retrieve_as_recorded_and_an_unknown_user_is_404(site: Site) -> None:
    sb, notion = site
    bot = notion.users.retrieve(user_id=sb.emu.bot)
    same_keys(recorded("test_users_retrieve", "GET", "/users/[0-9a-f-]{36}$"), bot)
    assert bot == notion.users.me() | {"request_id": bot["request_id"]}
    person = next(u for u in sb.emu.users.values() if u["type"] == "person")
    assert notion.users.retrieve(user_id=person["id"].replace("-", ""))["person"] == \
        person["person"]
    assert refused(notion.users.retrieve, user_id=str(uuid.uuid4())) == (404,
                                                                          "object_not_found")
    assert refused(notion.users.retrieve, user_id="nobody") == (400, "validation_error")


# -- blocks ----------------------------------------------------------------------------------


def test_blocks_retrieve_update_and_delete_as_recorded(site: Site) -> None:
    sb, notion = site
    page = new_page(sb, notion, "with a body")
    made = notion.blocks.children.append(block_id=page["id"],
                                         children=[paragraph("I'm a paragraph.")])
    bid = made["results"][0]["id"]
    got = notion.blocks.retrieve(block_id=bid)
    same_keys(recorded("test_blocks_retrieve", "GET", "/blocks/"), got)
    assert got["parent"] == {"type": "page_id", "page_id": page["id"]}
    updated = notion.blocks.update(block_id=bid, paragraph={"rich_text": [
        {"text": {"content": "I'm an updated paragraph."},
         "annotations": {"bold": True, "color": "red_background"}}]})
    same_keys(recorded("test_blocks_update", "PATCH", "^/v1/blocks/[^/]+$"), updated)
    text = updated["paragraph"]["rich_text"][0]
    assert (text["plain_text"], text["annotations"]["bold"], text["annotations"]["italic"],
            text["annotations"]["color"]) == ("I'm an updated paragraph.", True, False,
                                              "red_background")
    listed = notion.blocks.children.list(block_id=page["id"])["results"]
    assert listed[0]["paragraph"] == updated["paragraph"]
    # another type's object is refused; a page's id is its child_page block
    assert refused(notion.blocks.update, block_id=bid, heading_1={"rich_text": []}) == \
        (400, "validation_error")
    assert notion.blocks.retrieve(block_id=page["id"])["child_page"] == {"title": "with a body"}
    # archived (or in_trash) true deletes it, as DELETE does
    gone = notion.blocks.update(block_id=bid, in_trash=True)
    same_keys(recorded("test_blocks_update", "DELETE"), gone)
    assert (gone["in_trash"], gone["archived"]) == (True, True)
    assert notion.blocks.children.list(block_id=page["id"])["results"] == []
    assert notion.blocks.retrieve(block_id=bid)["in_trash"] is True
    assert refused(notion.blocks.update, block_id=bid, paragraph={"rich_text": []}) == \
        (400, "validation_error")
    assert refused(notion.blocks.retrieve, block_id=str(uuid.uuid4())) == (404,
                                                                           "object_not_found")


def test_nested_children_are_kept(site: Site) -> None:
    sb, notion = site
    nested = {"bulleted_list_item": {"rich_text": rich("outer"),
                                     "children": [paragraph("inner")]}}
    page = new_page(sb, notion, "nested", children=[nested])
    [outer] = notion.blocks.children.list(block_id=page["id"])["results"]
    assert outer["has_children"] is True and "children" not in outer["bulleted_list_item"]
    [inner] = notion.blocks.children.list(block_id=outer["id"])["results"]
    assert inner["parent"] == {"type": "block_id", "block_id": outer["id"]}
    assert inner["paragraph"]["rich_text"][0]["plain_text"] == "inner"
    assert inner["has_children"] is False
    # appended under a block: the answer lists only the top level, as Notion's does
    made = notion.blocks.children.append(block_id=inner["id"], children=[nested])["results"]
    assert [b["type"] for b in made] == ["bulleted_list_item"]
    assert notion.blocks.retrieve(block_id=inner["id"])["has_children"] is True
    too_deep = {"toggle": {"rich_text": [], "children": [
        {"toggle": {"rich_text": [], "children": [nested]}}]}}
    assert refused(notion.blocks.children.append, block_id=page["id"],
                   children=[too_deep]) == (400, "validation_error")
    # deleting the outer block takes its children with it
    notion.blocks.delete(block_id=outer["id"])
    assert refused(notion.blocks.children.list, block_id=outer["id"]) == (404,
                                                                          "object_not_found")


# -- comments --------------------------------------------------------------------------------


def test_comments_created_and_listed_in_pages_as_recorded(site: Site) -> None:
    sb, notion = site
    page = new_page(sb, notion, "discussed")
    first = notion.comments.create(parent={"page_id": page["id"]},
                                   rich_text=rich("This is a test comment."))
    same_keys(recorded("test_comments_create", "POST", "/comments$"), first)
    assert first["parent"] == {"type": "page_id", "page_id": page["id"]}
    assert first["display_name"] == {"type": "integration",
                                     "resolved_name": sb.emu.users[sb.emu.bot]["name"]}
    reply = notion.comments.create(discussion_id=first["discussion_id"], rich_text=rich("re"))
    assert (reply["discussion_id"], reply["parent"]) == (first["discussion_id"],
                                                          first["parent"])
    for n in range(3):
        notion.comments.create(parent={"page_id": page["id"].replace("-", "")},
                               rich_text=rich(f"more {n}"))
    listed = notion.comments.list(block_id=page["id"], page_size=2)
    same_keys(recorded("test_comments_list", "GET", "/comments$"), listed)
    seen = [c["id"] for c in listed["results"]]
    while listed["has_more"]:
        listed = notion.comments.list(block_id=page["id"], page_size=2,
                                      start_cursor=listed["next_cursor"])
        seen += [c["id"] for c in listed["results"]]
    assert len(seen) == len(set(seen)) == 5 and seen[:2] == [first["id"], reply["id"]]
    assert notion.comments.retrieve(comment_id=reply["id"])["rich_text"][0]["plain_text"] \
        == "re"
    other = new_page(sb, notion, "quiet")
    assert notion.comments.list(block_id=other["id"])["results"] == []
    assert refused(notion.comments.list) == (400, "validation_error")
    assert refused(notion.comments.create, parent={"page_id": str(uuid.uuid4())},
                   rich_text=rich("x")) == (404, "object_not_found")


# -- pages -----------------------------------------------------------------------------------


def test_page_property_items_as_recorded(site: Site) -> None:
    sb, notion = site
    page = notion.pages.create(parent={"data_source_id": sb.ds}, properties={
        "Name": {"title": rich("Test")}, "Kind": {"select": {"name": "bug"}},
        "Notes": {"rich_text": rich("a") + rich("b") + rich("c")}})
    title = notion.pages.properties.retrieve(page_id=page["id"], property_id="title")
    same_keys(recorded("test_pages_properties_retrieve", "GET", "/properties/"), title)
    assert [r["title"]["plain_text"] for r in title["results"]] == ["Test"]
    kind_id = page["properties"]["Kind"]["id"]
    kind = notion.pages.properties.retrieve(page_id=page["id"], property_id=kind_id)
    assert (kind["object"], kind["type"], kind["select"]["name"]) == ("property_item",
                                                                      "select", "bug")
    notes_id = page["properties"]["Notes"]["id"]
    part = notion.pages.properties.retrieve(page_id=page["id"], property_id=notes_id,
                                            page_size=2)
    assert part["has_more"] is True and part["property_item"]["next_url"]
    rest = notion.pages.properties.retrieve(page_id=page["id"], property_id=notes_id,
                                            start_cursor=part["next_cursor"])
    assert [r["rich_text"]["plain_text"] for r in part["results"] + rest["results"]] == \
        ["a", "b", "c"]
    assert refused(notion.pages.properties.retrieve, page_id=page["id"],
                   property_id="nope") == (404, "object_not_found")


@pytest.mark.parametrize("flag", ["archived", "in_trash"])
def test_a_trashed_page_is_restored_by_the_flag_false(site: Site, flag: str) -> None:
    sb, notion = site
    page = new_page(sb, notion, "back again")
    notion.blocks.delete(block_id=page["id"])
    assert refused(notion.pages.update, page_id=page["id"],
                   properties={"Name": {"title": rich("x")}}) == (400, "validation_error")
    back = notion.pages.update(page_id=page["id"], **{flag: False})
    same_keys(recorded("test_pages_delete", "PATCH"), back, skip=("parent", "properties"))
    assert (back["in_trash"], back["archived"]) == (False, False)
    found = notion.data_sources.query(data_source_id=sb.ds)["results"]
    assert page["id"] in [p["id"] for p in found]


def test_icon_is_kept_on_create_and_update(site: Site) -> None:
    sb, notion = site
    external = {"type": "external", "external": {"url": "https://example.com/i.png"}}
    page = new_page(sb, notion, "iconic", icon=external)
    assert page["icon"] == external
    updated = notion.pages.update(page_id=page["id"], icon={"emoji": "🛴"})  # type implied
    same_keys(recorded("test_pages_update", "PATCH"), updated, skip=("parent", "properties"))
    assert notion.pages.retrieve(page_id=page["id"])["icon"] == {"type": "emoji", "emoji": "🛴"}
    assert notion.pages.update(page_id=page["id"], icon=None)["icon"] is None
    assert refused(notion.pages.update, page_id=page["id"], icon={"colour": "red"}) == \
        (400, "validation_error")


def test_databases_and_data_sources_as_recorded(site: Site) -> None:
    sb, notion = site
    db = notion.databases.retrieve(database_id=sb.db)
    same_keys(recorded("test_databases_retrieve", "GET", "/databases/"), db, skip=("parent",))
    ds = notion.data_sources.retrieve(data_source_id=sb.ds)
    same_keys(recorded("test_data_sources_retrieve", "GET", "/data_sources/"), ds,
              skip=("database_parent", "icon", "properties"))
    real = recorded("test_data_sources_retrieve", "GET", "/data_sources/")["properties"]["Name"]
    assert set(ds["properties"]["Name"]) == set(real)
