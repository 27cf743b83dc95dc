"""The Notion emulator's workspace beyond one tasks database, through notion-client as a user's
other tools call it: pages under pages and moving them, databases and data sources made and
changed, a database as its block, restoring a deleted block, editing and deleting comments,
mentions and equations in rich text, and seeding recorded objects. The recorded cassettes
(``test_cassette_replay.py``) check the shapes; these check what the recordings do not show."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from notion_client import APIResponseError, Client

from adapters.notion.sandbox import NotionSandbox
from tests.adapters.notion.conftest import Site, rich
from tests.adapters.notion.recorded import integration, workspace


def refused(call: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(APIResponseError) as error:
        call(**kwargs)
    return error.value.status, str(error.value.code.value)


def subpage(notion: Any, parent: str, title: str) -> dict[str, Any]:
    page: dict[str, Any] = notion.pages.create(parent={"page_id": parent},
                                               properties={"title": rich(title)})
    return page


def top_page(sb: NotionSandbox) -> str:
    return str(sb.emu.new_page({"type": "workspace", "workspace": True},
                               {"title": rich("Home")})["id"])


def test_a_page_under_a_page_has_only_its_title_and_is_in_no_query(site: Site) -> None:
    sb, notion = site
    home = top_page(sb)
    page = subpage(notion, home.replace("-", ""), "Notes")
    assert page["parent"] == {"type": "page_id", "page_id": home}
    assert set(page["properties"]) == {"title"}
    assert page["properties"]["title"]["id"] == "title"
    assert notion.data_sources.query(data_source_id=sb.ds)["results"] == []
    assert refused(notion.pages.create, parent={"page_id": home},
                   properties={"Status": {"status": {"name": "Done"}}}) == (400,
                                                                          "validation_error")
    assert refused(notion.pages.create, parent={"page_id": str(uuid.uuid4())},
                   properties={"title": rich("x")}) == (404, "object_not_found")
    notion.blocks.delete(block_id=home)
    assert refused(notion.pages.create, parent={"page_id": home},
                   properties={"title": rich("x")}) == (400, "validation_error")


def test_a_database_parent_stands_for_its_only_data_source(site: Site) -> None:
    sb, notion = site
    page = notion.pages.create(parent={"database_id": sb.db},
                               properties={"Name": {"title": rich("t")}})
    assert page["parent"]["data_source_id"] == sb.ds
    notion.data_sources.create(parent={"database_id": sb.db},
                               properties={"Title": {"title": {}}}, title=rich("Second"))
    assert refused(notion.pages.create, parent={"database_id": sb.db},
                   properties={"Name": {"title": rich("t")}}) == (400, "validation_error")


def test_moving_a_page_keeps_its_title_and_not_under_itself(site: Site) -> None:
    sb, notion = site
    home = top_page(sb)
    a, b = subpage(notion, home, "A"), subpage(notion, home, "B")
    moved = notion.request(path=f"pages/{b['id']}/move", method="POST",
                           body={"parent": {"page_id": a["id"]}})
    assert moved["parent"] == {"type": "page_id", "page_id": a["id"]}
    assert moved["properties"]["title"]["title"][0]["plain_text"] == "B"
    with pytest.raises(APIResponseError) as loop:
        notion.request(path=f"pages/{a['id']}/move", method="POST",
                       body={"parent": {"page_id": b["id"]}})
    assert loop.value.status == 400
    into = notion.request(path=f"pages/{b['id']}/move", method="POST",
                          body={"parent": {"data_source_id": sb.ds}})
    assert into["properties"]["Name"]["title"][0]["plain_text"] == "B"
    assert "Status" in into["properties"]
    assert [p["id"] for p in notion.data_sources.query(data_source_id=sb.ds)["results"]] == \
        [b["id"]]


def test_a_page_lists_the_pages_and_databases_made_in_it_as_blocks(site: Site) -> None:
    sb, notion = site
    home = top_page(sb)
    first = subpage(notion, home, "First")
    notion.blocks.children.append(block_id=home, children=[
        {"paragraph": {"rich_text": rich("between")}}])
    db = notion.databases.create(parent={"type": "page_id", "page_id": home},
                                 title=rich("Table"))
    second = subpage(notion, home, "Second")
    listed = notion.blocks.children.list(block_id=home)["results"]
    assert [b["type"] for b in listed] == ["child_page", "paragraph", "child_database",
                                           "child_page"]
    assert [b["id"] for b in listed[::2]] == [first["id"], db["id"]]
    assert listed[3]["child_page"] == {"title": "Second"}
    notion.pages.update(page_id=first["id"], properties={"title": rich("Renamed")})
    notion.blocks.delete(block_id=db["id"])
    notion.request(path=f"pages/{second['id']}/move", method="POST",
                   body={"parent": {"page_id": first["id"]}})
    listed = notion.blocks.children.list(block_id=home)["results"]
    assert [(b["type"], b.get("child_page")) for b in listed] == [
        ("child_page", {"title": "Renamed"}), ("paragraph", None)]
    assert [b["id"] for b in notion.blocks.children.list(block_id=first["id"])["results"]] \
        == [second["id"]]


def test_databases_are_made_renamed_and_trashed_as_their_block(site: Site) -> None:
    sb, notion = site
    home = top_page(sb)
    db = notion.databases.create(parent={"type": "page_id", "page_id": home},
                                 title=rich("Reading"),
                                 initial_data_source={"properties": {
                                     "Book": {"title": {}}, "Pages": {"number": {}}}})
    ds = db["data_sources"][0]["id"]
    assert db["parent"] == {"type": "page_id", "page_id": home}
    source = notion.data_sources.retrieve(data_source_id=ds)
    assert set(source["properties"]) == {"Book", "Pages"}
    assert source["database_parent"] == db["parent"]
    renamed = notion.databases.update(database_id=db["id"], title=rich("Books"),
                                      icon={"emoji": "📚"})
    assert renamed["title"][0]["plain_text"] == "Books"
    assert renamed["icon"] == {"type": "emoji", "emoji": "📚"}
    assert refused(notion.request, path=f"databases/{db['id']}", method="PATCH",
                   body={"properties": {"Pages": None}}) == (400, "validation_error")
    block = notion.blocks.retrieve(block_id=db["id"])
    assert (block["type"], block["child_database"]) == ("child_database", {"title": "Books"})
    gone = notion.blocks.delete(block_id=db["id"])
    assert gone["in_trash"] and notion.databases.retrieve(database_id=db["id"])["in_trash"]
    assert refused(notion.blocks.delete, block_id=db["id"]) == (400, "validation_error")
    back = notion.blocks.update(block_id=db["id"], in_trash=False)
    assert not back["in_trash"]


def test_a_data_source_needs_one_title_and_a_trashed_one_is_not_searched(site: Site) -> None:
    sb, notion = site
    assert refused(notion.data_sources.create, parent={"database_id": sb.db},
                   properties={"Notes": {"rich_text": {}}}) == (400, "validation_error")
    second = notion.data_sources.create(parent={"database_id": sb.db},
                                        properties={"T": {"title": {}}}, title=rich("Old"))
    notion.data_sources.update(data_source_id=second["id"], title=rich("Archive"))
    names = [s["name"] for s in notion.databases.retrieve(database_id=sb.db)["data_sources"]]
    assert names == ["Tasks", "Archive"]
    found = notion.search(filter={"property": "object", "value": "data_source"})["results"]
    assert second["id"] in {s["id"] for s in found}
    assert notion.data_sources.update(data_source_id=second["id"], archived=True)["in_trash"]
    found = notion.search(filter={"property": "object", "value": "data_source"})["results"]
    assert second["id"] not in {s["id"] for s in found}
    templates = notion.request(path=f"data_sources/{sb.ds}/templates", method="GET")
    assert templates == {"templates": [], "has_more": False, "next_cursor": None}


def test_a_deleted_block_is_restored_where_it_was_with_its_children(site: Site) -> None:
    sb, notion = site
    page = sb.emu.create_page(sb.ds, {"Name": {"title": rich("p")}})["id"]
    made = notion.blocks.children.append(block_id=page, children=[
        {"paragraph": {"rich_text": rich("one")}},
        {"toggle": {"rich_text": rich("two"), "children": [
            {"paragraph": {"rich_text": rich("inside")}}]}},
        {"paragraph": {"rich_text": rich("three")}}])["results"]
    toggle = made[1]["id"]
    notion.blocks.delete(block_id=toggle)
    assert notion.blocks.retrieve(block_id=toggle)["in_trash"]
    assert refused(notion.blocks.update, block_id=toggle,
                   toggle={"rich_text": rich("x")}) == (400, "validation_error")
    back = notion.blocks.update(block_id=toggle, archived=False)
    assert (back["in_trash"], back["archived"]) == (False, False)
    listed = notion.blocks.children.list(block_id=page)["results"]
    assert [b["id"] for b in listed] == [b["id"] for b in made]
    inside = notion.blocks.children.list(block_id=toggle)["results"]
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in inside] == ["inside"]


def test_comments_are_edited_and_deleted(site: Site) -> None:
    sb, notion = site
    page = sb.emu.create_page(sb.ds, {"Name": {"title": rich("p")}})["id"]
    comment = notion.comments.create(parent={"page_id": page}, rich_text=rich("first"))
    edited = notion.request(path=f"comments/{comment['id']}", method="PATCH",
                            body={"rich_text": rich("second")})
    assert edited["rich_text"][0]["plain_text"] == "second"
    assert notion.comments.retrieve(comment_id=comment["id"])["rich_text"] == \
        edited["rich_text"]
    gone = notion.request(path=f"comments/{comment['id']}", method="DELETE")
    assert gone["id"] == comment["id"]
    assert refused(notion.comments.retrieve, comment_id=comment["id"]) == (404,
                                                                            "object_not_found")
    assert notion.comments.list(block_id=page)["results"] == []


def test_mentions_and_equations_in_rich_text(site: Site) -> None:
    sb, notion = site
    page = sb.emu.create_page(sb.ds, {"Name": {"title": rich("Plan")}})["id"]
    person = next(u for u in sb.emu.users.values() if u["type"] == "person")
    parts = notion.blocks.children.append(block_id=page, children=[{"paragraph": {
        "rich_text": [{"mention": {"user": {"id": person["id"]}}},
                      {"mention": {"page": {"id": page}}},
                      {"mention": {"date": {"start": "2026-12-01", "end": "2026-12-03"}}},
                      {"equation": {"expression": "x^2"}, "annotations": {"bold": True}}]}}
    ])["results"][0]["paragraph"]["rich_text"]
    assert [p["plain_text"] for p in parts] == [f"@{person['name']}", "Plan",
                                                "2026-12-01 → 2026-12-03", "x^2"]
    assert parts[0]["mention"] == {"type": "user", "user": {"object": "user",
                                                            "id": person["id"]}}
    assert parts[1]["href"] == f"https://www.notion.so/{page.replace('-', '')}"
    assert parts[3]["annotations"]["bold"] is True
    with pytest.raises(APIResponseError) as bad:
        notion.blocks.children.append(block_id=page, children=[{"paragraph": {
            "rich_text": [{"mention": {"template_mention": {}}}]}}])
    assert bad.value.status == 400


def test_seeded_objects_keep_their_ids_and_the_integration_is_me() -> None:
    sb = NotionSandbox(users=0)
    try:
        sb.emu.seed(workspace(), integration=integration())
        client = Client(auth=sb.emu.token, base_url=sb.emu.base_url,
                        notion_version="2025-09-03", retry=False)
        try:
            assert client.users.me()["id"] == integration()
            page = next(o for o in workspace() if o["object"] == "page")
            got = client.pages.retrieve(page_id=page["id"])
            assert {k: v for k, v in got.items() if k != "request_id"} == page
            missing = client.pages.retrieve
            with pytest.raises(APIResponseError) as error:
                missing(page_id=str(uuid.uuid4()))
            assert error.value.additional_data == {"integration_id": integration()}
        finally:
            client.close()
    finally:
        sb.stop()
