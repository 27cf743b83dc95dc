"""Todoist's own side of comment sync (adapters/todoist/comments.py), beyond the shared
contract (test_comment_contract.py): origin markers are never a person's comment, a note
change lists its task as ``touched``, what a read costs, paging, and errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from adapters.faults import FaultKind
from adapters.todoist.adapter import TodoistAdapter
from adapters.todoist.comments import ONE_BY_ONE, UNKNOWN_AUTHOR
from adapters.todoist.sandbox import TodoistSandbox
from hub.errors import NotFound, RateLimited, ValidationRejected
from hub.model import Item
from tests.adapters.todoist.conftest import TodoistHarness, build


def _ours(harness: TodoistHarness, n: int) -> str:
    """A task synchub created (its marker in its description)."""
    return harness.adapter.create(Item(title=f"ours {n}"), origin=f"L{n}",
                                  idempotency_key=f"k{n}").ref


def _legacy(harness: TodoistHarness, n: int) -> str:
    """A task an earlier synchub created: its origin marker is a note."""
    ref = harness.emu.add_item(harness.project, f"ours {n}")
    harness.emu.add_note(ref, f"synchub-origin: L{n}")
    return ref


def _marker(harness: TodoistHarness, ref: str) -> str:
    (nid,) = [n["id"] for n in harness.emu.notes.values()
              if n["item_id"] == ref and n["content"].startswith("synchub-origin: ")]
    return str(nid)


def _texts(a: TodoistAdapter, ref: str) -> list[str]:
    return [c.text for c in a.comments([ref]).by_ref[ref]]


# -- origin markers ---------------------------------------------------------------------------


def test_a_marker_is_never_listed_whichever_way_it_is_read(harness: TodoistHarness) -> None:
    ref = _legacy(harness, 1)
    harness.user_comment(ref, "a person's note")
    assert _texts(harness.adapter, ref) == ["a person's note"]  # from the store (full sync)
    fresh = build(harness.emu)
    fresh.comments([])  # the store seeded before the task is completed ...
    harness.emu.complete_item(ref)
    assert _texts(fresh, ref) == ["a person's note"]  # ... so it is read on its own (REST)
    fresh.close()


def test_a_marker_is_never_edited_nor_deleted(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = _legacy(harness, 2)
    a.comments([ref])
    marker = _marker(harness, ref)
    with pytest.raises(ValidationRejected, match="marker"):
        a.edit_comment(ref, marker, "hijacked")
    with pytest.raises(ValidationRejected, match="marker"):
        a.delete_comment(ref, marker)
    with pytest.raises(ValidationRejected, match="marker"):
        a.add_comment(ref, "synchub-origin: L99")  # would read as a marker, i.e. hidden
    assert harness.emu.notes[marker]["content"] == "synchub-origin: L2"
    assert not harness.emu.notes[marker]["is_deleted"]


def test_a_marker_written_is_not_a_touched_comment(harness: TodoistHarness) -> None:
    """A first sync matching a task writes its marker (a note): that is not a comment change,
    so the next listing does not list the task as touched."""
    a = harness.adapter
    ref = harness.emu.add_item(harness.project, "theirs")
    cursor = a.changes(None).cursor
    a.update(ref, Item(title="theirs"), fields=frozenset(), expected_version=None,
             idempotency_key="m1", origin="L3")
    assert a.changes(cursor).touched == frozenset()


# -- touched ----------------------------------------------------------------------------------


def test_a_note_added_edited_or_deleted_lists_its_task_as_touched(
        harness: TodoistHarness) -> None:
    a = harness.adapter
    ref, other = _ours(harness, 4), _ours(harness, 5)
    first = a.changes(None)
    assert first.touched == frozenset()  # a full listing: every copy is read anyway
    cursor = first.cursor
    note = harness.user_comment(ref, "new")
    listed = a.changes(cursor)
    assert listed.touched == {ref} and ref not in {r.ref for r in listed.items}
    harness.user_edit_comment(ref, note, "edited")
    listed = a.changes(listed.cursor)
    assert listed.touched == {ref}
    harness.user_delete_comment(ref, note)
    listed = a.changes(listed.cursor)
    assert listed.touched == {ref}
    assert a.changes(listed.cursor).touched == frozenset()  # quiet: nothing
    harness.user_comment(other, "x")
    harness.emu.edit_item(other, content="renamed")  # listed as an item: not touched too
    listed = a.changes(listed.cursor)
    assert other in {r.ref for r in listed.items} and listed.touched == frozenset()


# -- what a read costs ------------------------------------------------------------------------


def test_one_or_a_hundred_open_tasks_cost_one_request(harness: TodoistHarness) -> None:
    a = harness.adapter
    refs = [harness.emu.add_item(harness.project, f"t{n}") for n in range(100)]
    for n, ref in enumerate(refs):
        harness.user_comment(ref, f"c{n}")
    first = a.comments(refs[:1])  # the store's full sync
    assert first.requests == 1
    harness.emu.reset_counts()
    one = a.comments(refs[:1])  # incremental from then on
    assert one.requests == 1 == harness.emu.total_requests
    harness.emu.reset_counts()
    hundred = a.comments(refs)
    assert hundred.requests == 1 == harness.emu.total_requests
    assert [c.text for c in hundred.by_ref[refs[99]]] == ["c99"]
    assert len(hundred.by_ref) == 100


def test_the_adapters_full_listing_seeds_the_store(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = harness.emu.add_item(harness.project, "t")
    harness.user_comment(ref, "c")
    a.changes(None)
    harness.emu.reset_counts()
    assert a.comments([ref]).requests == 1  # incremental: the listing was the full sync
    assert harness.emu.requests == {"POST /api/v1/sync": 1}


def test_tasks_new_since_the_full_sync_are_read_on_their_own_or_by_a_new_full_sync(
        harness: TodoistHarness) -> None:
    a = harness.adapter
    a.comments([])  # the store's full sync
    few = [harness.emu.add_item(harness.project, f"few{n}") for n in range(ONE_BY_ONE)]
    for ref in few:
        harness.user_comment(ref, "hello")
    read = a.comments(few)
    assert read.requests == 1 + 2 * ONE_BY_ONE  # the sync, then the task and its comments
    assert all([c.text for c in read.by_ref[r]] == ["hello"] for r in few)
    assert a.comments(few).requests == 1  # covered from then on
    harness.user_comment(few[0], "again")
    assert _texts(a, few[0]) == ["hello", "again"]
    many = [harness.emu.add_item(harness.project, f"many{n}") for n in range(ONE_BY_ONE + 1)]
    read = a.comments(many + few)
    assert read.requests == 1  # a full sync covers them all
    assert set(read.by_ref) == set(many + few)
    assert a.comments(many + few).requests == 1


def test_a_task_reopened_since_the_full_sync_keeps_its_older_comments(
        harness: TodoistHarness) -> None:
    """A full sync lists open tasks only; a task reopened later shows in the next incremental
    sync without its older notes, so its comments are read on their own, never guessed
    (an incomplete list would delete the copies of the comments missing from it)."""
    ref = harness.emu.add_item(harness.project, "t")
    harness.user_comment(ref, "before it was completed")
    harness.emu.complete_item(ref)
    a = build(harness.emu)
    a.comments([])  # the full sync: the task is completed, not listed
    with harness.emu.lock:
        harness.emu._item_uncomplete({"id": ref})
    harness.emu.reset_counts()
    assert _texts(a, ref) == ["before it was completed"]
    assert harness.emu.requests["GET /api/v1/comments"] == 1  # read on its own
    a.close()


def test_a_deleted_task_is_left_out_at_no_cost(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = _ours(harness, 6)
    a.comments([ref])
    harness.user_delete(ref)
    read = a.comments([ref])
    assert read.by_ref == {} and read.requests == 1  # the sync reported it deleted


def test_a_completed_tasks_comments_are_read_in_pages_of_200(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = harness.emu.add_item(harness.project, "busy")
    for n in range(250):
        harness.user_comment(ref, f"c{n}")
    harness.emu.complete_item(ref)
    harness.emu.reset_counts()
    read = a.comments([ref])
    assert [c.text for c in read.by_ref[ref]] == [f"c{n}" for n in range(250)]
    assert harness.emu.requests["GET /api/v1/comments"] == 2
    assert read.requests == 4 == harness.emu.total_requests  # sync, task, two pages


# -- what is read ----------------------------------------------------------------------------


def test_author_time_and_link(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = harness.emu.add_item(harness.project, "t")
    harness.user_comment(ref, "from Ana")
    harness.emu.add_note(ref, "from someone unknown", uid="u999")
    a.comments([])  # the store knows the people from its sync
    mine = a.add_comment(ref, "from synchub")
    by = {c.text: c for c in a.comments([ref]).by_ref[ref]}
    assert by["from Ana"].author == "Ana Lima"
    assert by["from someone unknown"].author == UNKNOWN_AUTHOR
    assert by["from synchub"].author == "Owner" == mine.author  # the token's user
    assert by["from Ana"].url == f"https://app.todoist.com/app/task/{ref}"
    assert by["from Ana"].updated_at is None  # v1 comments carry no edit time
    assert mine.created_at == by["from synchub"].created_at


def test_a_comment_written_is_read_back_from_the_store_at_once(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = _ours(harness, 7)
    a.comments([ref])
    one = a.add_comment(ref, "one")
    two = a.add_comment(ref, "two")
    a.edit_comment(ref, one.ref, "one, edited")
    a.delete_comment(ref, two.ref)
    assert _texts(a, ref) == ["one, edited"]


# -- errors -----------------------------------------------------------------------------------


def test_429_is_rate_limited_and_nothing_is_answered(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = _ours(harness, 8)
    harness.inject(FaultKind.RATE_LIMIT, op="sync", retry_after=7)
    with pytest.raises(RateLimited) as info:
        a.comments([ref])
    assert info.value.retry_after == 7
    harness.emu.complete_item(ref)  # read on its own: the listing's 429 too
    a.comments([])
    harness.inject(FaultKind.RATE_LIMIT, op="/api/v1/comments")
    with pytest.raises(RateLimited):
        a.comments([ref])


def test_a_comment_write_refused_raises(harness: TodoistHarness) -> None:
    a = harness.adapter
    ref = _ours(harness, 9)
    harness.user_delete(ref)
    with pytest.raises(NotFound):
        a.add_comment(ref, "on a deleted task")
    live = _ours(harness, 10)
    with pytest.raises(ValidationRejected, match="400"):
        a.add_comment(live, "x" * 15001)  # Todoist keeps at most 15,000 characters
    assert a.add_comment(live, "x" * 15000).text == "x" * 15000


# -- the emulator's comments, as Todoist API v1 has them -------------------------------------


def _sync(harness: TodoistHarness, **form: str) -> dict[str, Any]:
    resp = httpx.post(f"{harness.emu.base_url}/api/v1/sync", data=form,
                      headers={"Authorization": "Bearer test-token"})
    resp.raise_for_status()
    result: dict[str, Any] = resp.json()
    return result


def test_emulator_note_commands_and_the_notes_resource(harness: TodoistHarness) -> None:
    """``note_add`` / ``note_update`` / ``note_delete`` (uuid each, temp_id for the add); an
    incremental sync lists the notes changed, a deleted one with ``is_deleted``; a full sync
    lists what exists."""
    ref = harness.emu.add_item(harness.project, "t")
    token = _sync(harness, sync_token="*", resource_types='["notes"]')["sync_token"]
    added = _sync(harness, commands=json.dumps([
        {"type": "note_add", "uuid": "u-1", "temp_id": "n-tmp",
         "args": {"item_id": ref, "content": "first"}}]))
    nid = added["temp_id_mapping"]["n-tmp"]
    assert added["sync_status"] == {"u-1": "ok"}
    changed = _sync(harness, sync_token=token, resource_types='["notes"]')
    (note,) = changed["notes"]
    assert note["id"] == nid and note["item_id"] == ref and note["content"] == "first"
    assert note["is_deleted"] is False and note["posted_uid"] == "u1"
    assert {"posted_at", "file_attachment"} <= set(note)
    done = _sync(harness, commands=json.dumps([
        {"type": "note_update", "uuid": "u-2", "args": {"id": nid, "content": "second"}},
        {"type": "note_delete", "uuid": "u-3", "args": {"id": nid}},
        {"type": "note_delete", "uuid": "u-4", "args": {"id": nid}}]),
        sync_token=changed["sync_token"], resource_types='["notes"]')
    assert done["sync_status"]["u-2"] == done["sync_status"]["u-3"] == "ok"
    assert done["sync_status"]["u-4"]["http_code"] == 404  # already deleted
    (gone,) = done["notes"]
    assert gone["is_deleted"] is True and gone["content"] == "second"
    assert _sync(harness, sync_token="*", resource_types='["notes"]')["notes"] == []


def test_emulator_comment_routes_through_the_sdk(sb: TodoistSandbox, api: TodoistAPI) -> None:
    """``GET`` / ``POST`` (update) / ``DELETE`` ``/comments/{id}``: an update keeps the
    comment's id and ``posted_at``; a deleted comment is not found."""
    ref = sb.emu.add_item(sb.project, "t")
    made = api.add_comment("**bold** note", task_id=ref)
    assert api.get_comment(made.id).content == "**bold** note"
    edited = api.update_comment(made.id, "plain")
    assert (edited.id, edited.content, edited.posted_at) == (made.id, "plain", made.posted_at)
    assert api.delete_comment(made.id)
    for gone in (lambda: api.delete_comment(made.id), lambda: api.get_comment(made.id)):
        with pytest.raises(httpx.HTTPStatusError) as info:
            gone()
        assert info.value.response.status_code == 404
