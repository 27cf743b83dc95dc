"""Planning one link's comments (pure): which comments to copy, edit or delete where.

A **thread** is one comment a person wrote (its *original*, on its ``source`` endpoint) and
the copies synchub made of it on the link's other endpoints
(:class:`hub.store.base.CommentThread`). Given the threads stored for a link and the comments
read this round from some of its copies, :func:`plan_link` says what to write. Rules:

- **Each comment copied once.** A comment without synchub's marker that no thread knows is a
  person's new comment: a thread starts, and a copy is added on every other endpoint whose
  comments were read this round (so a copy that already landed there, its answer lost, is
  seen and adopted by its marker instead of written twice). An endpoint not read this round
  gets its copy when it is.
- **Never echoed.** A comment with a marker is a copy: it never starts a thread, whatever
  the state says (a copy of a forgotten thread is left alone). A thread's id is derived from
  its original (flow, endpoint, comment id), so a thread rebuilt after its state was lost
  finds its copies by their markers again.
- **Edits followed.** A copy or original whose own text changed since it was last synced was
  edited there: the new text goes to every copy (the original's edit wins over a copy's in
  the same round). The original is never rewritten: it is a person's own words, in their
  name, and a copy edited elsewhere does not change what they wrote.
- **Deletes followed, never caused by a failure.** Only a list read this round is evidence:
  an original missing from it was deleted, and its copies are deleted (the thread keeps
  ``deleting`` until each delete has landed). A copy missing from it was deleted by a person
  there; it is not written again. An endpoint that failed to answer tells nothing. Where a
  missing comment may only be hidden (Notion lists no resolved discussion), an original
  missing there deletes nothing: its thread is forgotten and the copies stay.
- **No rewrite loops.** A service spells what it is given its own way (its Markdown, a text
  too long for it shortened): a copy is rewritten only when the thread's text changed since
  it was written from it (``CommentCopy.sent``), never because it reads differently.
- Read-only endpoints are read (their comments are copied elsewhere) but never written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from adapters.commenting import RemoteComment
from adapters.toolkit import comments as text
from hub.store.base import CommentCopy, CommentThread


class CommentWriteKind(StrEnum):
    ADD = "add"
    EDIT = "edit"
    DELETE = "delete"


@dataclass(frozen=True)
class Target:
    """One endpoint's copy of the link, as far as comments go."""

    ref: str  # the item's ref there
    label: str  # the service's name for people ("Jira"), shown in a copy's header
    writable: bool = True
    url: str | None = None  # the item's address there, linked from copies of its comments
    #: the service answered this round: a write there now; else it waits (``deferred``)
    reachable: bool = True
    #: the longest comment the service takes (characters; None: no limit to mind)
    max_chars: int | None = None
    #: a comment missing from a list read here was deleted (False: it may only be hidden,
    #: as a resolved Notion discussion is: an original missing there deletes no copies)
    absent_is_delete: bool = True


@dataclass(frozen=True)
class CommentWrite:
    kind: CommentWriteKind
    endpoint: str
    item_ref: str
    comment_ref: str | None = None  # edit, delete
    text: str = ""  # the Markdown to write (add, edit)
    body: str = ""  # the comment's own text in it (for the digest of what landed)


@dataclass(frozen=True)
class ThreadPlan:
    """A thread's new state (what was read folded in) and the writes that bring its copies
    there. ``drop``: nothing is left of it (every copy of a deleted original is gone)."""

    thread: CommentThread
    writes: tuple[CommentWrite, ...] = ()
    drop: bool = False
    #: a write is due on an endpoint that did not answer this round: the thread stays
    #: pending after this round's writes land, so the link is read again next round
    deferred: bool = False


@dataclass(frozen=True)
class LinkComments:
    link_id: str
    threads: tuple[ThreadPlan, ...] = field(default_factory=tuple)

    @property
    def writes(self) -> int:
        return sum(len(t.writes) for t in self.threads)


def thread_id(flow: str, endpoint: str, comment_ref: str) -> str:
    """A thread's id, from its original: the same however often the state is rebuilt."""
    return hashlib.sha256(f"{flow}\0{endpoint}\0{comment_ref}".encode()).hexdigest()[:32]


def plan_link(flow: str, link_id: str, targets: Mapping[str, Target],
              read: Mapping[str, Sequence[RemoteComment]],
              threads: Sequence[CommentThread]) -> LinkComments:
    """The plan for one link (see the module docstring). ``read``: endpoint -> the complete
    comment list of its copy, for the endpoints read this round only."""
    # by endpoint: two services (two Jira sites) may use the same comment ids
    known = {(ep, c.ref) for t in threads for ep, c in t.copies.items() if c.ref}
    fresh = _new_threads(flow, link_id, targets, read, known)
    plans = [_plan_thread(t, targets, read) for t in (*threads, *fresh)]
    return LinkComments(link_id, tuple(p for p in plans if p is not None))


def _new_threads(flow: str, link_id: str, targets: Mapping[str, Target],
                 read: Mapping[str, Sequence[RemoteComment]], known: set[tuple[str, str]]
                 ) -> list[CommentThread]:
    """A thread for each person's comment no thread knows (never for a copy: its marker)."""
    out = []
    for ep in sorted(read):
        for c in read[ep]:
            parsed = text.parse(c.text)
            if (ep, c.ref) in known or parsed.thread is not None or parsed.unmarked_copy:
                continue
            out.append(CommentThread(
                flow=flow, thread=thread_id(flow, ep, c.ref), link_id=link_id, source=ep,
                author=c.author, created_at=c.created_at, link=c.url or targets[ep].url,
                body=parsed.body,
                copies={ep: CommentCopy(c.ref, text.digest(parsed.body))}))
    return out


@dataclass
class _Seen:
    """A thread's members as this round's reads found them."""

    present: dict[str, RemoteComment] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    copies: dict[str, CommentCopy] = field(default_factory=dict)


def _look(t: CommentThread, read: Mapping[str, Sequence[RemoteComment]]) -> _Seen:
    seen = _Seen(copies=dict(t.copies))
    for ep, comments in read.items():
        member = t.copies.get(ep)
        if member is not None and member.ref is None:
            continue  # a person deleted our copy there: not ours to look at again
        if member is not None:
            hit = next((c for c in comments if c.ref == member.ref), None)
        else:  # a copy whose create answer was lost: found by its marker
            hit = next((c for c in comments if text.parse(c.text).thread == t.thread), None)
            if hit is not None:
                seen.copies[ep] = CommentCopy(hit.ref, text.digest(text.parse(hit.text).body),
                                              sent=text.digest(t.body))
        if hit is not None:
            seen.present[ep] = hit
        elif member is not None:
            seen.gone.add(ep)
    return seen


def _plan_thread(t: CommentThread, targets: Mapping[str, Target],
                 read: Mapping[str, Sequence[RemoteComment]]) -> ThreadPlan | None:
    seen = _look(t, read)
    if t.source in seen.gone and not t.deleting and t.source in targets \
            and not targets[t.source].absent_is_delete:
        # hidden, not necessarily deleted (a resolved discussion): the copies stay as they
        # are and the thread is forgotten (its copies' markers keep them from being copied)
        return ThreadPlan(t, drop=True)
    if t.deleting or t.source in seen.gone:
        return _plan_delete(t, seen, targets)
    for ep in seen.gone:  # a copy a person deleted: remembered, never written again
        seen.copies[ep] = CommentCopy(None)
    body = _edited_body(t, seen)
    t = replace(t, body=body, copies=seen.copies)
    edits = _edits(t, targets)
    now = [w for w in edits if targets[w.endpoint].reachable]
    deferred = len(now) < len(edits)
    writes = now + _adds(t, targets, read)
    return ThreadPlan(replace(t, pending=bool(writes) or deferred), tuple(writes),
                      deferred=deferred)


def _edited_body(t: CommentThread, seen: _Seen) -> str:
    """The thread's text after this round's edits: the original's edit first, else the first
    edited copy's (by endpoint name, so the choice does not depend on read order)."""
    edited = {}
    for ep, c in seen.present.items():
        body = text.parse(c.text).body
        if text.digest(body) != seen.copies[ep].digest:
            edited[ep] = body
            seen.copies[ep] = CommentCopy(c.ref, text.digest(body), sent=text.digest(body))
    if t.source in edited:
        return edited[t.source]
    return edited[min(edited)] if edited else t.body


def _render(t: CommentThread, targets: Mapping[str, Target], ep: str) -> str:
    """The copy's Markdown for ``ep``, shortened where the service takes less."""
    label = targets[t.source].label if t.source in targets else t.source
    return text.render(thread=t.thread, author=t.author, service=label, at=t.created_at,
                       link=t.link, body=t.body, limit=targets[ep].max_chars)


def _edits(t: CommentThread, targets: Mapping[str, Target]) -> list[CommentWrite]:
    want = text.digest(t.body)
    out = []
    for ep, c in sorted(t.copies.items()):
        tg = targets.get(ep)
        if ep == t.source or c.ref is None or tg is None or not tg.writable \
                or (c.sent or c.digest) == want:
            continue
        out.append(CommentWrite(CommentWriteKind.EDIT, ep, tg.ref, c.ref,
                                _render(t, targets, ep), t.body))
    return out


def _adds(t: CommentThread, targets: Mapping[str, Target],
          read: Mapping[str, Sequence[RemoteComment]]) -> list[CommentWrite]:
    return [CommentWrite(CommentWriteKind.ADD, ep, tg.ref, None, _render(t, targets, ep),
                         t.body)
            for ep, tg in sorted(targets.items())
            if ep not in t.copies and ep in read and tg.writable]


def _plan_delete(t: CommentThread, seen: _Seen, targets: Mapping[str, Target]) -> ThreadPlan:
    """The original is gone: delete every copy still there. A copy already gone, or on an
    endpoint synchub cannot write (or where the item is no more), is forgotten; one on an
    endpoint that did not answer waits for it."""
    copies = {ep: c for ep, c in seen.copies.items()
              if ep != t.source and c.ref is not None and ep not in seen.gone
              and ep in targets and targets[ep].writable}
    writes = tuple(CommentWrite(CommentWriteKind.DELETE, ep, targets[ep].ref, c.ref)
                   for ep, c in sorted(copies.items()) if targets[ep].reachable)
    deferred = len(writes) < len(copies)
    left = replace(t, copies=copies, deleting=True, pending=bool(copies))
    return ThreadPlan(left, writes, drop=not copies, deferred=deferred)
