"""Todoist comments ("notes") for synchub's comment sync (:mod:`adapters.commenting`).

Todoist comments are Markdown already: the text is read and written as it is. Todoist API v1
gives a comment its poster (``posted_uid``, named from the collaborators and the token's
user that the Sync API lists, "Todoist user" when neither knows them) and its time
(``posted_at``), but no edit time (``updated_at`` stays None) and no link of its own (the
task's link stands for it).

synchub's origin markers as comments (``synchub-origin: ...``, one note on each task earlier
versions created or matched; now the marker is the description's last line,
:mod:`adapters.todoist.marker`) are not a person's comments: they are never
listed, never count as a change, and the comment methods refuse to edit or delete one.

Reading (:meth:`TodoistComments.comments`) is one request for any number of open tasks: a
:class:`NoteStore` holds every note of the account's open tasks as of its own sync token,
seeded by one full sync of ``items`` and ``notes`` (or the adapter's own full listing) and
kept current by one incremental sync per call, which lists the notes added, edited and
deleted since (``is_deleted``). A full sync lists open tasks only, so the store answers only
for the tasks it has seen open in its full sync and not completed or deleted since (its
"covered" tasks); it never guesses the notes of a task it holds no complete list of. Any
other task (created since the store's full sync, or completed) is read on its own (``GET
/api/v1/tasks/{id}``, then ``GET /api/v1/comments?task_id=`` in pages of 200), after the
call's sync, so an open one is covered from then on (every change since is in the next
incremental sync); when more than :data:`ONE_BY_ONE` of them are asked for at once, a fresh
full sync covers them all in one request instead. A deleted task is left out of the
answer.

Writing is the REST comment endpoints through todoist-api-python (``add_comment``,
``update_comment``, ``delete_comment``): each answers the comment as Todoist now holds it.
A delete of a comment already gone (404) is done.

Incremental listing (:meth:`TodoistComments._note_changes`): a comment added, edited or
deleted shows in the adapter's next incremental sync as a ``notes`` change, not as a change
of its task, so the task's id goes to :attr:`~adapters.contract.ChangeSet.touched`
(``listed_with_item``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Sequence
from functools import cached_property
from typing import Any, ClassVar

from adapters.commenting import CommentRead, RemoteComment
from adapters.todoist.client import SERVICE, TodoistClient
from adapters.todoist.convert import TASK_URL
from hub.errors import NotFound, ValidationRejected

#: what the store's syncs read: the tasks (open, completed, deleted), their notes, and the
#: people who post them
NOTE_TYPES = ("items", "notes", "collaborators", "user")
#: tasks the store holds no complete list for, read one by one (two requests each) at most;
#: more in one call cost one full sync instead
ONE_BY_ONE = 3
UNKNOWN_AUTHOR = "Todoist user"


class NoteStore:
    """Every note of the account's open tasks as of :attr:`token` (see the module docstring).

    ``covered``: the tasks whose every note is in :attr:`notes` (listed open by the last full
    sync, and neither completed nor deleted since); ``deleted``: tasks a sync reported
    deleted."""

    def __init__(self) -> None:
        self.token: str | None = None
        self.notes: dict[str, dict[str, Any]] = {}  # note id -> note (raw v1 shape)
        self.covered: set[str] = set()
        self.deleted: set[str] = set()
        self.names: dict[str, str] = {}  # user id -> full name

    def absorb(self, data: dict[str, Any], *, full: bool) -> None:
        """A sync answer with ``items`` and ``notes`` (a full one replaces what was held;
        Todoist may answer an incremental request in full: its ``full_sync`` says so)."""
        full = full or data.get("full_sync") is True
        if full:
            self.notes.clear()
            self.covered.clear()
        for task in data.get("items", []):
            self._task(task, full=full)
        for note in data.get("notes", []):
            if note.get("is_deleted"):
                self.notes.pop(str(note["id"]), None)
            else:
                self.notes[str(note["id"])] = note
        people = [*data.get("collaborators", []), *([data["user"]] if data.get("user") else [])]
        for person in people:
            if person.get("full_name"):
                self.names[str(person["id"])] = str(person["full_name"])
        self.token = data.get("sync_token", self.token)

    def _task(self, task: dict[str, Any], *, full: bool) -> None:
        tid = str(task["id"])
        if task.get("is_deleted"):
            self.deleted.add(tid)
            self.covered.discard(tid)
        elif task.get("checked"):
            self.covered.discard(tid)  # a full sync no longer lists its notes
        else:
            self.deleted.discard(tid)
            if full:
                self.covered.add(tid)
            # an open task first seen by an incremental sync may be one reopened, whose
            # older notes that sync does not list: not covered until read whole

    def cover(self, task_id: str, notes: list[dict[str, Any]]) -> None:
        """An open task's every note, read after :attr:`token` was: any change since that
        token is in the next incremental sync, so the store holds its list from now on."""
        for note in notes:
            self.notes[str(note["id"])] = note
        self.covered.add(task_id)

    def of(self, task_id: str) -> list[dict[str, Any]]:
        return [n for n in self.notes.values() if str(n.get("item_id")) == task_id]


class TodoistComments:
    """The :class:`~adapters.commenting.Commenting` part of the Todoist adapter (a mixin)."""

    listed_with_item: ClassVar[bool] = True
    #: Todoist refuses a longer comment (400; the SDK's MaxLen): the hub shortens a copy
    max_comment_chars: ClassVar[int] = 15000
    #: the origin marker's pattern (set by the adapter, which writes the markers)
    marker_re: ClassVar[re.Pattern[str]]
    client: TodoistClient
    users: dict[str, str]  # id -> e-mail

    @cached_property
    def note_store(self) -> NoteStore:
        return NoteStore()

    def _is_marker(self, note: dict[str, Any]) -> bool:
        return self.marker_re.match(str(note.get("content") or "")) is not None

    # -- reading ------------------------------------------------------------------------------

    def comments(self, refs: Sequence[str]) -> CommentRead:
        before = self.client.requests
        store = self.note_store
        wanted = list(dict.fromkeys(refs))
        apart = [r for r in wanted if r not in store.covered and r not in store.deleted]
        full = store.token is None or len(apart) > ONE_BY_ONE
        store.absorb(self.client.sync("*" if full else store.token, NOTE_TYPES), full=full)
        by_ref: dict[str, tuple[RemoteComment, ...]] = {}
        for ref in wanted:
            notes = store.of(ref) if ref in store.covered else self._read_apart(ref)
            if notes is not None:
                by_ref[ref] = self._listed(notes)
        return CommentRead(by_ref=by_ref, requests=self.client.requests - before)

    def _read_apart(self, ref: str) -> list[dict[str, Any]] | None:
        """The notes of a task the store holds no list for (completed, or created since the
        full sync), None for a task deleted; an open one is covered from then on."""
        if ref in self.note_store.deleted:
            return None
        task = self.client.task(ref)
        if task is None or task.get("is_deleted"):
            return None
        notes = self.client.comments(ref)
        if not task.get("checked"):
            self.note_store.cover(ref, notes)
        return notes

    def _listed(self, notes: list[dict[str, Any]]) -> tuple[RemoteComment, ...]:
        """A person's comments, oldest first (markers left out)."""
        mine = [self._comment(n) for n in notes if not self._is_marker(n)]
        return tuple(sorted(mine, key=lambda c: c.created_at or dt.datetime.min.replace(
            tzinfo=dt.UTC)))

    def _comment(self, note: dict[str, Any]) -> RemoteComment:
        uid = str(note.get("posted_uid") or "")
        author = self.note_store.names.get(uid) or self.users.get(uid) or UNKNOWN_AUTHOR
        return RemoteComment(ref=str(note["id"]), text=str(note.get("content") or ""),
                             author=author, created_at=_time(note.get("posted_at")),
                             url=TASK_URL.format(id=note.get("item_id")))

    # -- writing ------------------------------------------------------------------------------

    def add_comment(self, ref: str, text: str) -> RemoteComment:
        self._refuse_marker_text(text)
        return self._written(self.client.add_comment(ref, text))

    def edit_comment(self, ref: str, comment_ref: str, text: str) -> RemoteComment:
        self._refuse_marker_text(text)
        self._refuse_marker(comment_ref)
        return self._written(self.client.update_comment(comment_ref, text))

    def delete_comment(self, ref: str, comment_ref: str) -> None:
        self._refuse_marker(comment_ref)
        with contextlib.suppress(NotFound):  # already gone: a retried delete is done
            self.client.delete_comment(comment_ref)
        self.note_store.notes.pop(comment_ref, None)

    def _written(self, comment: Any) -> RemoteComment:
        """The SDK's ``Comment`` as the store holds notes (the raw v1 names)."""
        note = {"id": str(comment.id), "item_id": comment.task_id, "content": comment.content,
                "posted_uid": comment.poster_id, "posted_at": comment.posted_at}
        self.note_store.notes[note["id"]] = note
        return self._comment(note)

    def _refuse_marker(self, comment_ref: str) -> None:
        note = self.note_store.notes.get(comment_ref)
        if note is not None and self._is_marker(note):
            raise ValidationRejected(f"comment {comment_ref} is synchub's origin marker, not "
                                     f"a person's comment", service=SERVICE)

    def _refuse_marker_text(self, text: str) -> None:
        if self.marker_re.match(text):
            raise ValidationRejected("a comment may not begin like synchub's origin marker "
                                     "(it would be hidden)", service=SERVICE)

    # -- listing ------------------------------------------------------------------------------

    def _note_changes(self, data: dict[str, Any], *, full: bool) -> frozenset[str]:
        """The tasks whose comments a sync answer lists as changed while the task did not
        (:attr:`~adapters.contract.ChangeSet.touched`); a full answer seeds the store."""
        if full:
            self.note_store.absorb(data, full=True)
            return frozenset()
        listed = {str(t["id"]) for t in data.get("items", [])}
        return frozenset(str(n["item_id"]) for n in data.get("notes", [])
                         if n.get("item_id") and not self._is_marker(n)
                         and str(n["item_id"]) not in listed)


def _time(value: Any) -> dt.datetime | None:
    """``posted_at`` (RFC 3339 in UTC, or the SDK's datetime) as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        at = value
    elif isinstance(value, str) and value:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
