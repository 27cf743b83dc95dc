"""A document published as a Notion page (:mod:`adapters.notion.publish`) in the emulator:
the first 100 blocks in the create, the rest appended 100 at a time, texts over Notion's
2000 characters an element split, nothing read as Markdown."""

from __future__ import annotations

from adapters.base import load_factory
from adapters.notion import NotionConnection
from adapters.notion.sandbox import NotionSandbox
from adapters.publishing import Block, page_publisher


def test_a_long_page_in_order() -> None:
    box = NotionSandbox(users=1)
    try:
        with box.emu.lock:
            parent = box.emu.new_page({"type": "workspace", "workspace": True},
                                      {"title": {"title": [{"text": {"content": "Reports"}}]}})
        blocks = [Block("h1", "Weekly"), Block("p", "x" * 4500),
                  *(Block("li", f"item **{n}**") for n in range(248))]
        publisher = page_publisher(load_factory("notion"))
        assert publisher is not None
        url = publisher.publish_page(NotionConnection.model_validate(box.connection),
                                     parent["id"], "Week 49", blocks)
        (page,) = [p for p in box.emu.pages.values()
                   if p["parent"].get("page_id") == parent["id"]]
        assert url == page["url"]
        made = box.emu.children[page["id"]]
        assert len(made) == 250
        assert [b["type"] for b in made[:3]] == ["heading_1", "paragraph",
                                                 "bulleted_list_item"]
        assert [len(t["text"]["content"]) for t in made[1]["paragraph"]["rich_text"]] == [
            2000, 2000, 500]
        assert made[-1]["bulleted_list_item"]["rich_text"][0]["plain_text"] == "item **247**"
    finally:
        box.stop()


def test_services_without_pages_are_not_publishers() -> None:
    assert page_publisher(load_factory("jira")) is None
    assert page_publisher(load_factory("notion")) is not None
