"""What Markdown cannot say stays in Notion (issue 15): a mention, an equation and a colour in
a page's title and body survive an edit made in another service, over the emulator."""

from __future__ import annotations

from typing import Any

from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness, build


def _text(content: str, **annotations: Any) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if annotations:
        part["annotations"] = annotations
    return part


def _kinds(parts: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(p["type"], p["plain_text"], p["annotations"]["color"]) for p in parts]


def test_a_title_edited_elsewhere_keeps_its_mention_and_colour(harness: NotionHarness) -> None:
    emu = harness.emu
    uid = next(iter(emu.users))
    name = emu.users[uid]["name"]
    page = emu.create_page(harness.ds, {"Name": {"title": [
        _text("Ask "), {"type": "mention", "mention": {"type": "user", "user": {"id": uid}}},
        _text(" about the "), _text("launch", color="red"), _text(" today")]}})
    got = harness.adapter.get(page["id"])
    assert got is not None and got.item.title == f"Ask @{name} about the launch today"
    edited = got.item.model_copy(update={"title": f"Ask @{name} about the launch tomorrow"})
    harness.adapter.update(page["id"], edited, fields=frozenset({"title"}),
                           expected_version=got.version, idempotency_key="k")
    title = emu.pages[page["id"]]["properties"]["Name"]["title"]
    assert _kinds(title)[:4] == [("text", "Ask ", "default"), ("mention", f"@{name}", "default"),
                                 ("text", " about the ", "default"),
                                 ("text", "launch", "red")]
    assert "".join(p["plain_text"] for p in title) == f"Ask @{name} about the launch tomorrow"


def test_a_body_line_edited_elsewhere_leaves_the_equation_in_the_other_line(
        harness: NotionHarness) -> None:
    emu = harness.emu
    a = build(emu, harness.db, options={"targets": {"description": "body"}})
    created = a.create(Item(title="x", description="first line\nsecond"), origin="L",
                       idempotency_key="c")
    with emu.lock:  # the person adds an equation to the first line in Notion
        block = emu.children[created.ref][0]
        block["paragraph"]["rich_text"] = emu.rich([
            _text("first line "), {"type": "equation", "equation": {"expression": "E=mc^2"}}])
    got = a.get(created.ref)
    assert got is not None and got.item.description == "first line E=mc^2\nsecond"
    a.update(created.ref, got.item.model_copy(update={"description":
                                                      "first line E=mc^2\nsecond, edited"}),
             fields=frozenset({"description"}), expected_version=got.version,
             idempotency_key="u")
    paragraphs = [b for b in emu.children[created.ref] if b["type"] == "paragraph"]
    first = paragraphs[0]["paragraph"]["rich_text"]
    assert [p["type"] for p in first] == ["text", "equation"]
    assert first[1]["equation"]["expression"] == "E=mc^2"
    assert "".join(p["plain_text"] for p in paragraphs[1]["paragraph"]["rich_text"]) == \
        "second, edited"
    a.close()


def test_a_line_added_above_an_edited_one_keeps_its_mention() -> None:
    from adapters.notion.body import paragraphs

    def text(t: str) -> dict[str, Any]:
        return {"type": "text", "text": {"content": t, "link": None}, "plain_text": t,
                "annotations": {}}

    mention = {"type": "mention", "mention": {"type": "user", "user": {"id": "u1"}},
               "plain_text": "@Alice", "annotations": {}}
    current = [{"paragraph": {"rich_text": [text("Ask "), mention, text(" about it")]}},
               {"paragraph": {"rich_text": [text("end")]}}]
    blocks = paragraphs("A new first line\nAsk @Alice about it, today\nend", current)
    kinds = [[p["type"] for p in b["paragraph"]["rich_text"]] for b in blocks]
    assert kinds == [["text"], ["text", "mention", "text"], ["text"]]
