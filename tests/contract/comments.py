"""Contract tests every commenting adapter must pass (:mod:`adapters.commenting`), through its
real client against its emulator.

Use: in the adapter's test module, subclass :class:`CommentContract` and provide a ``harness``
fixture (the same one :class:`tests.contract.suite.AdapterContract` uses) whose object also
satisfies :class:`CommentHarness`: the "remote user" comments through it, as a person would
in the service's app.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

import pytest

from adapters.commenting import Commenting
from adapters.faults import FaultKind
from adapters.toolkit import comments as text
from hub.errors import Transient
from tests.contract.suite import Harness


class CommentHarness(Harness, Protocol):
    def user_comment(self, ref: str, text: str) -> str:
        """A person comments ``text`` (Markdown: plain words are enough) on the item ``ref``;
        returns the comment's id."""
        ...

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None: ...

    def user_delete_comment(self, ref: str, comment_ref: str) -> None: ...


def _adapter(harness: CommentHarness) -> Commenting:
    a = harness.adapter
    assert isinstance(a, Commenting)
    return a


def _item(harness: CommentHarness, n: int) -> str:
    return harness.adapter.create(harness.sample(n), origin=f"link-c{n}",
                                  idempotency_key=uuid.uuid4().hex).ref


class CommentContract:
    """Subclass and provide the ``harness`` fixture."""

    def test_a_new_item_has_an_empty_complete_list(self, harness: CommentHarness) -> None:
        a = _adapter(harness)
        ref = _item(harness, 51)
        read = a.comments([ref])
        assert read.by_ref == {ref: ()}
        assert read.requests >= 1

    def test_a_persons_comment_is_read_with_author_and_time(self, harness: CommentHarness
                                                           ) -> None:
        a = _adapter(harness)
        ref = _item(harness, 52)
        before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
        cref = harness.user_comment(ref, "Looks good to me")
        (c,) = a.comments([ref]).by_ref[ref]
        assert c.ref == cref
        assert text.normalise(c.text) == "Looks good to me"
        assert c.author
        assert c.created_at is not None and c.created_at >= before

    def test_a_copy_written_reads_back_the_same_with_its_marker(self, harness: CommentHarness
                                                               ) -> None:
        a = _adapter(harness)
        ref = _item(harness, 53)
        thread = uuid.uuid4().hex
        body = "First line with **bold** and a [link](https://example.com/a_(b)).\n\n- one\n- two"
        md = text.render(thread=thread, author="Ana Lima", service="Jira",
                         at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
                         link="https://acme.atlassian.net/browse/OPS-3", body=body)
        written = a.add_comment(ref, md)
        (read,) = a.comments([ref]).by_ref[ref]
        assert read.ref == written.ref
        assert text.normalise(read.text) == text.normalise(written.text)
        parsed = text.parse(read.text)
        assert parsed.thread == thread
        assert text.digest(parsed.body) == text.digest(text.parse(written.text).body)
        assert "bold" in parsed.body and "two" in parsed.body

    def test_edits_and_deletes_are_followed_both_ways(self, harness: CommentHarness) -> None:
        a = _adapter(harness)
        ref = _item(harness, 54)
        mine = a.add_comment(ref, "written by synchub")
        theirs = harness.user_comment(ref, "a person's note")
        edited = a.edit_comment(ref, mine.ref, "edited by synchub")
        assert text.normalise(edited.text) == "edited by synchub"
        harness.user_edit_comment(ref, theirs, "a person's note, edited")
        got = {c.ref: text.normalise(c.text) for c in a.comments([ref]).by_ref[ref]}
        assert got == {mine.ref: "edited by synchub", theirs: "a person's note, edited"}
        harness.user_delete_comment(ref, theirs)
        a.delete_comment(ref, mine.ref)
        a.delete_comment(ref, mine.ref)  # already gone: a retried delete is no error
        assert a.comments([ref]).by_ref[ref] == ()

    def test_several_items_in_one_call_oldest_first(self, harness: CommentHarness) -> None:
        a = _adapter(harness)
        one, two = _item(harness, 55), _item(harness, 56)
        for n in range(3):
            harness.user_comment(one, f"comment {n}")
        read = a.comments([one, two]).by_ref
        assert [text.normalise(c.text) for c in read[one]] == [f"comment {n}" for n in range(3)]
        assert read[two] == ()

    def test_a_deleted_item_is_left_out_not_listed_empty(self, harness: CommentHarness
                                                        ) -> None:
        a = _adapter(harness)
        ref = _item(harness, 57)
        harness.user_comment(ref, "soon gone")
        harness.user_delete(ref)
        assert ref not in a.comments([ref]).by_ref

    def test_a_comment_change_lists_the_item_where_the_adapter_says_so(
            self, harness: CommentHarness) -> None:
        a = _adapter(harness)
        ref = _item(harness, 58)
        cursor = harness.adapter.changes(None).cursor
        harness.user_comment(ref, "ping")
        listed = harness.adapter.changes(cursor)
        seen = {r.ref for r in listed.items} | listed.touched
        assert (ref in seen) is a.listed_with_item

    def test_a_failed_read_raises_never_answers_part(self, harness: CommentHarness) -> None:
        a = _adapter(harness)
        ref = _item(harness, 59)
        harness.user_comment(ref, "kept")
        harness.inject(FaultKind.SERVER_ERROR, op="*", count=None)
        with pytest.raises(Transient):
            a.comments([ref])
