"""Jira comment specifics (beyond :mod:`tests.contract.comments`): paging past the issue
field's cap and the comment endpoint's page, a person's rich ADF read as Markdown, synchub's
header link kept as an ADF link mark, request costs, a deleted issue, error classes, and the
emulator's comment routes as Jira Cloud answers them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from adapters.faults import FaultKind
from adapters.jira import adf
from adapters.jira.comments import PAGE
from adapters.jira.emu_changelog import PERSON
from adapters.jira.emu_fields import FIELD_COMMENTS
from adapters.jira.emu_routes import COMMENT_PAGE
from adapters.toolkit import comments as text
from hub.errors import NotFound, RateLimited, Transient
from hub.model import Item
from tests.adapters.jira.conftest import JiraHarness


def _issue(harness: JiraHarness, title: str = "Commented") -> str:
    return harness.adapter.create(Item(title=title), origin=f"o-{uuid.uuid4().hex}",
                                  idempotency_key=uuid.uuid4().hex).ref


def _paragraph(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def _doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def _api(harness: JiraHarness, method: str, path: str, **kw: Any) -> httpx.Response:
    emu = harness.emu
    return httpx.request(method, f"{emu.base_url}/rest/api/3/{path}",
                         auth=(emu.email, emu.token), **kw)


# -- reading ------------------------------------------------------------------------------------


def test_a_few_comments_cost_one_request_and_carry_links_authors_and_times(
        harness: JiraHarness) -> None:
    ref = _issue(harness)
    key = harness.emu.issues[ref]["key"]
    cid = harness.user_comment(ref, "first")
    harness.adapter.add_comment(ref, "second, by synchub")
    read = harness.adapter.comments([ref])
    assert read.requests == 1  # GET issue?fields=comment: the key and the comments
    person, mine = read.by_ref[ref]
    assert person.ref == cid and person.author == PERSON["displayName"]
    assert mine.author == "synchub bot"
    assert person.url == f"{harness.emu.base_url}/browse/{key}?focusedCommentId={cid}"
    assert person.created_at is not None and person.created_at.tzinfo == dt.UTC
    assert person.updated_at is None  # never edited
    harness.user_edit_comment(ref, cid, "first, edited")
    (edited, _) = harness.adapter.comments([ref]).by_ref[ref]
    assert edited.created_at is not None and edited.updated_at is not None
    assert edited.updated_at >= edited.created_at


def test_an_author_without_a_name_is_named_by_address(harness: JiraHarness) -> None:
    ref = _issue(harness)
    harness.emu.add_comment(ref, adf.from_markdown("hi") or {},
                            {"accountId": "x-1", "emailAddress": "ana@example.com",
                             "displayName": ""})
    (c,) = harness.adapter.comments([ref]).by_ref[ref]
    assert c.author == "ana@example.com"


@pytest.mark.parametrize("count", [FIELD_COMMENTS, FIELD_COMMENTS + 20, 2 * COMMENT_PAGE + 5])
def test_every_comment_is_read_oldest_first_past_every_cap(harness: JiraHarness,
                                                           count: int) -> None:
    ref = _issue(harness)
    for n in range(count):
        harness.emu.add_comment(ref, adf.from_markdown(f"comment {n}") or {}, PERSON)
    read = harness.adapter.comments([ref])
    assert [c.text for c in read.by_ref[ref]] == [f"comment {n}" for n in range(count)]
    # the issue's field holds the newest 100: past that, the paged endpoint from the start
    pages = 0 if count <= FIELD_COMMENTS else -(-count // PAGE)
    assert read.requests == 1 + pages


def test_a_persons_rich_comment_reads_as_markdown(harness: JiraHarness) -> None:
    ref = _issue(harness)
    harness.emu.add_comment(ref, _doc(
        _paragraph({"type": "text", "text": "Thanks "},
                   {"type": "mention", "attrs": {"id": "557058:ana", "text": "@Ana Lima"}},
                   {"type": "text", "text": ", see "},
                   {"type": "text", "text": "the runbook", "marks": [
                       {"type": "link", "attrs": {"href": "https://wiki.example.com/rb"}}]},
                   {"type": "text", "text": " "},
                   {"type": "emoji", "attrs": {"shortName": ":tada:", "text": "🎉"}}),
        {"type": "codeBlock", "attrs": {"language": "python"},
         "content": [{"type": "text", "text": "print('hi')\nx = 1"}]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [_paragraph({"type": "text", "text": "done",
                                                          "marks": [{"type": "strong"}]})]}]}),
        PERSON)
    (c,) = harness.adapter.comments([ref]).by_ref[ref]
    assert c.text == ("Thanks @Ana Lima, see [the runbook](https://wiki.example.com/rb) 🎉\n\n"
                      "```python\nprint('hi')\nx = 1\n```\n\n- **done**")
    assert text.parse(c.text).thread is None  # a person's comment, not a copy


def test_the_copy_header_is_a_link_mark_that_survives_write_and_read(
        harness: JiraHarness) -> None:
    ref = _issue(harness)
    thread = uuid.uuid4().hex
    link = "https://todoist.com/app/task/6X7rM8997g3RQmvh"
    md = text.render(thread=thread, author="Ana Lima", service="Todoist",
                     at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC), link=link,
                     body="Ship it `today`.")
    written = harness.adapter.add_comment(ref, md)
    (stored,) = harness.emu.comments[ref]
    header = stored["body"]["content"][0]["content"]
    hrefs = [m["attrs"]["href"] for n in header for m in n.get("marks", [])
             if m["type"] == "link"]
    assert hrefs == [f"{link}#synchub-c-{thread}"]  # exactly, fragment and all
    (read,) = harness.adapter.comments([ref]).by_ref[ref]
    assert read.text == written.text
    assert text.parse(read.text) == text.Parsed(thread, "Ship it `today`.")


def test_a_deleted_issue_is_left_out_and_the_others_answered(harness: JiraHarness) -> None:
    gone, kept = _issue(harness, "gone"), _issue(harness, "kept")
    harness.user_comment(gone, "x")
    harness.user_comment(kept, "y")
    harness.user_delete(gone)
    read = harness.adapter.comments([gone, kept, kept])
    assert set(read.by_ref) == {kept} and len(read.by_ref[kept]) == 1
    assert read.requests == 2  # one an issue, asked twice or not


# -- writing ------------------------------------------------------------------------------------


def test_writes_cost_one_request_once_the_issue_key_is_known(harness: JiraHarness) -> None:
    ref = _issue(harness)
    client = harness.adapter.client
    before = client.requests
    first = harness.adapter.add_comment(ref, "one")  # key unknown: asked first
    assert client.requests - before == 2 and first.url and first.url.endswith(
        f"?focusedCommentId={first.ref}")
    harness.adapter.comments([ref])
    before = client.requests
    harness.adapter.add_comment(ref, "two")
    harness.adapter.edit_comment(ref, first.ref, "one, edited")
    harness.adapter.delete_comment(ref, first.ref)
    assert client.requests - before == 3


def test_a_written_comment_is_a_document_read_back_as_written(harness: JiraHarness) -> None:
    ref = _issue(harness)
    c = harness.adapter.add_comment(ref, "A *note* with\n\n1. a list")
    assert harness.emu.comments[ref][0]["body"] == adf.from_markdown("A *note* with\n\n1. a list")
    assert c.text == "A *note* with\n\n1. a list"
    assert c.author == "synchub bot" and c.updated_at is None


def test_editing_a_missing_comment_is_not_found_deleting_one_is_done(
        harness: JiraHarness) -> None:
    ref = _issue(harness)
    harness.adapter.comments([ref])
    with pytest.raises(NotFound):
        harness.adapter.edit_comment(ref, "99999", "x")
    harness.adapter.delete_comment(ref, "99999")
    harness.user_delete(ref)
    harness.adapter.delete_comment(ref, "99999")  # with its issue: gone as well


@pytest.mark.parametrize("change", ["add", "edit", "delete"])
def test_any_comment_change_lists_the_issue_next_round(harness: JiraHarness,
                                                       change: str) -> None:
    ref = _issue(harness)
    cid = harness.user_comment(ref, "before")
    cursor = harness.adapter.changes(None).cursor
    assert ref not in {r.ref for r in harness.adapter.changes(cursor).items}  # quiet
    harness.emu.clock_offset += dt.timedelta(seconds=2)
    if change == "add":
        harness.user_comment(ref, "new")
    elif change == "edit":
        harness.user_edit_comment(ref, cid, "after")
    else:
        harness.user_delete_comment(ref, cid)
    listed = harness.adapter.changes(cursor)
    assert ref in {r.ref for r in listed.items}
    assert harness.emu.changelogs.expanded(ref, 100)["total"] == 0  # no history: updated only


# -- errors -------------------------------------------------------------------------------------


def test_a_rate_limit_is_rate_limited_with_jiras_retry_after(harness: JiraHarness) -> None:
    ref = _issue(harness)
    harness.inject(FaultKind.RATE_LIMIT, op="*", retry_after=42)
    with pytest.raises(RateLimited) as info:
        harness.adapter.comments([ref])
    assert info.value.retry_after == 42
    harness.inject(FaultKind.RATE_LIMIT, op="comment", retry_after=7)
    with pytest.raises(RateLimited):
        harness.adapter.add_comment(ref, "later")
    assert harness.emu.comments.get(ref, []) == []


def test_a_failure_on_a_later_page_raises_rather_than_answering_part(
        harness: JiraHarness) -> None:
    ref = _issue(harness)
    for n in range(FIELD_COMMENTS + 1):
        harness.emu.add_comment(ref, adf.from_markdown(f"c{n}") or {}, PERSON)
    harness.inject(FaultKind.SERVER_ERROR, op="comment")  # the paged read, not the field
    with pytest.raises(Transient):
        harness.adapter.comments([ref])


def test_a_lost_answer_to_a_comment_write_may_have_applied(harness: JiraHarness) -> None:
    ref = _issue(harness)
    harness.adapter.comments([ref])
    harness.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="comment")
    with pytest.raises(Transient) as info:
        harness.adapter.add_comment(ref, "landed")
    assert info.value.maybe_applied
    assert [c.text for c in harness.adapter.comments([ref]).by_ref[ref]] == ["landed"]


# -- the emulator's routes, as Jira Cloud answers them -------------------------------------------


def test_comment_routes_answer_jira_clouds_shapes(harness: JiraHarness) -> None:
    ref = _issue(harness)
    before = harness.emu.issues[ref]["fields"]["updated"]
    harness.emu.clock_offset += dt.timedelta(seconds=2)
    posted = _api(harness, "POST", f"issue/{ref}/comment", json={"body": _doc(_paragraph(
        {"type": "text", "text": "hello"}))})
    assert posted.status_code == 201
    c = posted.json()
    assert {"self", "id", "author", "updateAuthor", "body", "created", "updated",
            "jsdPublic"} <= set(c) and c["body"]["type"] == "doc"
    assert harness.emu.issues[ref]["fields"]["updated"] > before
    assert _api(harness, "PUT", f"issue/{ref}/comment/{c['id']}",
                json={"body": "plain"}).status_code == 400  # v3 takes a document only
    harness.emu.clock_offset += dt.timedelta(seconds=2)
    put = _api(harness, "PUT", f"issue/{ref}/comment/{c['id']}", json={"body": _doc(
        _paragraph({"type": "text", "text": "bye"}))})
    assert put.status_code == 200 and put.json()["updated"] > c["created"]
    assert harness.emu.issues[ref]["fields"]["updated"] == put.json()["updated"]
    assert _api(harness, "GET", f"issue/{ref}/comment",
                params={"orderBy": "updated"}).status_code == 400
    page = _api(harness, "GET", f"issue/{ref}/comment", params={"maxResults": 5000}).json()
    assert page["maxResults"] == COMMENT_PAGE and page["total"] == 1
    harness.emu.clock_offset += dt.timedelta(seconds=2)
    gone = _api(harness, "DELETE", f"issue/{ref}/comment/{c['id']}")
    assert gone.status_code == 204 and gone.content == b""
    assert harness.emu.issues[ref]["fields"]["updated"] > put.json()["updated"]
    assert _api(harness, "DELETE", f"issue/{ref}/comment/{c['id']}").status_code == 404
    assert _api(harness, "GET", f"issue/{ref}/comment/{c['id']}").status_code == 404


def test_a_comment_restricted_to_a_role_is_not_read(harness: JiraHarness) -> None:
    """Copied elsewhere, everyone there would see it; restricted later, it reads as gone."""
    ref = _issue(harness)
    harness.emu.add_comment(ref, _doc(_paragraph({"type": "text", "text": "admins only"})),
                            PERSON, {"type": "role", "value": "Administrators"})
    public = harness.user_comment(ref, "for all")
    assert [c.ref for c in harness.adapter.comments([ref]).by_ref[ref]] == [public]
    harness.emu.comments[ref][1]["visibility"] = {"type": "group", "value": "jira-admins"}
    assert harness.adapter.comments([ref]).by_ref[ref] == ()
    posted = _api(harness, "POST", f"issue/{ref}/comment", json={
        "body": _doc(_paragraph({"type": "text", "text": "x"})), "visibility": {"type": "team"}})
    assert posted.status_code == 400
