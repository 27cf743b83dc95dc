"""Notion's comments beyond the shared contract: paging, a person's rich text read as
Markdown, the marker link kept exactly, paragraphs, authors, costs and errors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from adapters.faults import FaultKind
from adapters.notion import comments as notion_comments
from adapters.notion.comments import ELEMENTS, from_rich, to_rich
from adapters.toolkit import comments as text
from hub.errors import AuthError, NotFound, RateLimited
from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness


def _page(harness: NotionHarness, title: str = "Discussed") -> str:
    return harness.user_create(Item(title=title))


def _gets(harness: NotionHarness) -> int:
    return sum(1 for m, p in harness.emu.request_log if (m, p) == ("GET", "/v1/comments"))


def test_more_than_a_hundred_comments_are_read_in_pages_oldest_first(harness: NotionHarness
                                                                    ) -> None:
    ref = _page(harness)
    made = [harness.user_comment(ref, f"note {n}") for n in range(150)]
    harness.emu.reset_counts()
    read = harness.adapter.comments([ref])
    assert [c.ref for c in read.by_ref[ref]] == made
    assert [c.text for c in read.by_ref[ref]][:2] == ["note 0", "note 1"]
    assert _gets(harness) == 2  # 100 and 50
    # the page checked, two listings, the person's name once: all counted
    assert read.requests == harness.emu.total_requests == 4
    again = harness.adapter.comments([ref])
    assert again.requests == 3  # the name is known now (per process)


def test_a_persons_mention_equation_and_bold_read_as_markdown(harness: NotionHarness) -> None:
    ref = _page(harness, "Plan")
    person = harness.person
    rich: list[dict[str, Any]] = [
        {"text": {"content": "Ask "}},
        {"mention": {"user": {"id": person}}},
        {"text": {"content": " about "}},
        {"mention": {"page": {"id": ref}}},
        {"text": {"content": ": "}},
        {"equation": {"expression": "E = mc^2"}},
        {"text": {"content": " "}},
        {"text": {"content": "today"}, "annotations": {"bold": True, "color": "red"}},
        {"text": {"content": "\nsecond line"}}]
    cref = harness.user_comment(ref, "", rich_text=rich)
    (c,) = harness.adapter.comments([ref]).by_ref[ref]
    page_link = f"https://www.notion.so/{ref.replace('-', '')}"
    assert c.ref == cref
    assert c.text == f"Ask @User 0 about [Plan]({page_link}): E = mc^2 **today**\nsecond line"
    assert c.author == "User 0"
    assert c.created_at is not None and c.updated_at is None
    assert c.url == harness.emu.pages[ref]["url"]


def test_the_marker_link_of_a_copy_is_kept_exactly(harness: NotionHarness) -> None:
    ref = _page(harness)
    thread = uuid.uuid4().hex
    md = text.render(thread=thread, author="Ana Lima", service="Jira",
                     at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
                     link="https://acme.atlassian.net/browse/OPS-3?x=1", body="Ship it")
    written = harness.adapter.add_comment(ref, md)
    stored = harness.emu.comments[-1]["rich_text"]
    url = f"https://acme.atlassian.net/browse/OPS-3?x=1#synchub-c-{thread}"
    linked = [p for p in stored if p["href"]]
    assert [(p["text"]["link"]["url"], p["href"]) for p in linked] == [(url, url)]
    (read,) = harness.adapter.comments([ref]).by_ref[ref]
    assert read.text == written.text and f"({url})" in read.text
    assert text.parse(read.text) == text.Parsed(thread, "Ship it")
    assert written.author == "synchub integration"  # the integration's display name


def test_paragraphs_survive_and_a_write_reads_back_as_the_next_read(harness: NotionHarness
                                                                     ) -> None:
    ref = _page(harness)
    md = ("First paragraph with **bold**,\na second line.\n\n\n\n- one\n- two\n\n"
          "> quoted *text*\n\n1. first\n2. second  \n3. third")
    written = harness.adapter.add_comment(ref, md)
    stored = "".join(p["plain_text"] for p in harness.emu.comments[-1]["rich_text"])
    assert stored == ("First paragraph with bold,\na second line.\n\n- one\n- two\n\n"
                      "> quoted text\n\n1. first\n2. second\n3. third")
    assert written.text.split("\n\n") == ["First paragraph with **bold**,\na second line.",
                                          "- one\n- two", "> quoted *text*",
                                          "1. first\n2. second\n3. third"]
    (read,) = harness.adapter.comments([ref]).by_ref[ref]
    assert read.text == written.text
    edited = harness.adapter.edit_comment(ref, written.ref, read.text)
    assert edited.text == written.text
    assert from_rich(to_rich(written.text)) == written.text


def test_a_comment_styled_in_too_many_pieces_keeps_its_header(harness: NotionHarness) -> None:
    thread = uuid.uuid4().hex
    body = " ".join(f"**w{n}** x" for n in range(150))
    md = text.render(thread=thread, author="Ana", service="Todoist", at=None,
                     link="https://app.todoist.com/app/task/1", body=body)
    rich = to_rich(md)
    assert len(rich) <= ELEMENTS
    ref = _page(harness)
    written = harness.adapter.add_comment(ref, md)
    parsed = text.parse(written.text)
    assert parsed.thread == thread and parsed.body.startswith("w0 x w1 x")


def test_429_on_comments_is_rate_limited(harness: NotionHarness) -> None:
    ref = _page(harness)
    harness.emu.retry_after = 7
    harness.inject(FaultKind.RATE_LIMIT, op="comments", retry_after=7)
    with pytest.raises(RateLimited) as info:
        harness.adapter.comments([ref])
    assert info.value.retry_after == 7
    harness.inject(FaultKind.RATE_LIMIT, op="add_comment")
    with pytest.raises(RateLimited):
        harness.adapter.add_comment(ref, "hello")
    assert harness.emu.comments == []
    assert harness.adapter.comments([ref]).by_ref == {ref: ()}


def test_gone_and_trashed_pages_are_left_out_for_one_request(harness: NotionHarness) -> None:
    trashed, live = _page(harness, "Old"), _page(harness, "New")
    harness.user_comment(trashed, "still listed by Notion")
    harness.user_delete(trashed)
    gone = str(uuid.uuid4())
    read = harness.adapter.comments([gone, trashed, live, live])
    assert read.by_ref == {live: ()}
    assert read.requests == 4  # one check each of the three pages, one listing


def test_only_the_integrations_own_comments_are_edited(harness: NotionHarness) -> None:
    ref = _page(harness)
    theirs = harness.user_comment(ref, "a person's")
    with pytest.raises(NotFound):
        harness.adapter.edit_comment(ref, theirs, "not ours to change")
    mine = harness.adapter.add_comment(ref, "ours")
    harness.emu.clock_offset = dt.timedelta(minutes=3)
    edited = harness.adapter.edit_comment(ref, mine.ref, "ours, edited")
    assert edited.updated_at is not None and edited.created_at is not None
    assert edited.updated_at > edited.created_at
    harness.adapter.delete_comment(ref, mine.ref)
    with pytest.raises(NotFound):
        harness.adapter.edit_comment(ref, mine.ref, "gone")
    assert [c.ref for c in harness.adapter.comments([ref]).by_ref[ref]] == [theirs]


def test_an_author_notion_does_not_name_is_a_notion_user(harness: NotionHarness) -> None:
    ref = _page(harness)
    cref = harness.user_comment(ref, "from someone since removed")
    ghost = str(uuid.uuid4())
    stored = harness.emu.comments[-1]
    stored["created_by"]["id"] = ghost
    stored["display_name"] = {"type": "user", "resolved_name": ""}
    (c,) = harness.adapter.comments([ref]).by_ref[ref]
    assert (c.ref, c.author) == (cref, "Notion user")
    assert notion_comments._NAMES[ghost] is None  # not asked again


def test_missing_comment_capabilities_say_so(harness: NotionHarness) -> None:
    ref = _page(harness)
    harness.emu.allow_comments = False
    with pytest.raises(AuthError) as info:
        harness.adapter.comments([ref])
    assert "comment capabilities" in info.value.message
    assert "share the database" not in info.value.message


def test_a_comment_does_not_list_the_page(harness: NotionHarness) -> None:
    ref = _page(harness)
    before = harness.emu.pages[ref]["last_edited_time"]
    harness.emu.clock_offset = dt.timedelta(minutes=5)
    harness.adapter.add_comment(ref, "quiet")
    harness.user_comment(ref, "also quiet")
    assert harness.emu.pages[ref]["last_edited_time"] == before
    assert harness.adapter.listed_with_item is False


def test_a_styled_run_across_paragraphs_is_styled_in_each() -> None:
    url = "https://example.com/x"
    parts = [{"type": "text", "text": {"content": "one\n\n\ntwo", "link": {"url": url}},
              "annotations": {"bold": True}, "plain_text": "one\n\n\ntwo", "href": url},
             {"type": "text", "text": {"content": " end\n\n"}, "plain_text": " end\n\n"}]
    assert from_rich(parts) == f"[**one**]({url})\n\n[**two**]({url}) end"
    assert from_rich(to_rich(from_rich(parts))) == from_rich(parts)


def test_comment_requests_go_through_the_integrations_pacer(
        harness: NotionHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _page(harness)
    harness.user_comment(ref, "paced")
    pacer = harness.adapter.client.pacer
    waits: list[int] = []
    real = pacer.wait
    monkeypatch.setattr(pacer, "wait", lambda: (waits.append(1), real())[1])
    read = harness.adapter.comments([ref])
    mine = harness.adapter.add_comment(ref, "also paced")
    harness.adapter.edit_comment(ref, mine.ref, "edited")
    harness.adapter.delete_comment(ref, mine.ref)
    # add, edit and delete one each; the delete reads the page and its comments first
    # (does the copy have replies?)
    assert len(waits) == read.requests + 3 + 2 == harness.adapter.client.requests


def test_a_copy_people_replied_to_is_kept_not_deleted_with_their_replies(
        harness: NotionHarness) -> None:
    from adapters.notion import emu_comments
    from hub.errors import ValidationRejected

    ref = _page(harness)
    mine = harness.adapter.add_comment(ref, "a copy synchub wrote")
    with harness.emu.lock:
        discussion = harness.emu.comments[-1]["discussion_id"]
        emu_comments.create(harness.emu, {"discussion_id": discussion,
                                          "rich_text": to_rich("a person's reply")},
                            author=harness.person)
    with pytest.raises(ValidationRejected, match="has replies"):
        harness.adapter.delete_comment(ref, mine.ref)
    texts = [text.normalise(c.text) for c in harness.adapter.comments([ref]).by_ref[ref]]
    assert texts == ["a copy synchub wrote", "a person's reply"]
    alone = harness.adapter.add_comment(ref, "no replies")
    harness.adapter.delete_comment(ref, alone.ref)
    assert len(harness.adapter.comments([ref]).by_ref[ref]) == 2
