"""Comments on the in-memory service (:class:`adapters.commenting.Commenting`), the reference
implementation the comment pass's tests run on.

A person's comment (:func:`user_comment` and friends) counts as a change of the item when
the service says so (``comments_listed``, as in Jira; off, it behaves as Notion, whose
listing never shows a comment). Faults use the operation names ``comments``,
``add_comment``, ``edit_comment`` and ``delete_comment``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.commenting import CommentRead, RemoteComment
from adapters.faults import FaultKind
from hub.errors import NotFound, Transient, ValidationRejected

if TYPE_CHECKING:
    from adapters.memory import MemoryService

_ids = itertools.count(1)


@dataclass
class MemComment:
    ref: str
    text: str
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _touch(svc: MemoryService, ref: str) -> None:
    rec = svc.records[ref]
    if svc.comments_listed:
        rec.seq = svc._next()


def _item_comments(svc: MemoryService, ref: str) -> list[MemComment]:
    rec = svc.records.get(ref)
    if rec is None or rec.deleted:
        raise NotFound(f"{ref} does not exist", service=svc.name)
    return svc.comments.setdefault(ref, [])


def add(svc: MemoryService, ref: str, text: str, author: str) -> MemComment:
    with svc._lock:
        c = MemComment(f"c{next(_ids)}", text, author, _now())
        _item_comments(svc, ref).append(c)
        _touch(svc, ref)
        return c


def edit(svc: MemoryService, ref: str, comment_ref: str, text: str) -> MemComment:
    with svc._lock:
        for c in _item_comments(svc, ref):
            if c.ref == comment_ref:
                c.text, c.updated_at = text, _now()
                _touch(svc, ref)
                return c
        raise NotFound(f"comment {comment_ref} does not exist", service=svc.name)


def delete(svc: MemoryService, ref: str, comment_ref: str) -> None:
    with svc._lock:
        kept = [c for c in _item_comments(svc, ref) if c.ref != comment_ref]
        if len(kept) != len(svc.comments[ref]):
            svc.comments[ref] = kept
            _touch(svc, ref)


def _remote(c: MemComment) -> RemoteComment:
    return RemoteComment(ref=c.ref, text=c.text, author=c.author, created_at=c.created_at,
                         updated_at=c.updated_at)


def hide(svc: MemoryService, ref: str, comment_ref: str) -> None:
    """A person resolves the comment's discussion (Notion): no longer listed, not deleted."""
    with svc._lock:
        kept = [c for c in _item_comments(svc, ref) if c.ref != comment_ref]
        svc.hidden.extend(c for c in svc.comments[ref] if c.ref == comment_ref)
        svc.comments[ref] = kept


class MemoryComments:
    """The :class:`~adapters.commenting.Commenting` part of the memory adapter. The service's
    ``comment_limit`` and ``comment_spelling`` play a service that takes comments up to a
    length and stores Markdown its own way (Jira's ADF writes ``*`` lists as ``-``)."""

    service: MemoryService
    author: str = "synchub"

    @property
    def listed_with_item(self) -> bool:
        return self.service.comments_listed

    @property
    def max_comment_chars(self) -> int | None:
        return self.service.comment_limit

    @property
    def absent_is_delete(self) -> bool:
        return self.service.comments_absent_is_delete

    def _stored(self, text: str) -> str:
        svc = self.service
        if svc.comment_limit is not None and len(text) > svc.comment_limit:
            raise ValidationRejected(f"comment longer than {svc.comment_limit} characters",
                                     service=svc.name)
        return svc.comment_spelling(text) if svc.comment_spelling else text

    def comments(self, refs: Sequence[str]) -> CommentRead:
        svc = self.service
        with svc._lock:
            svc._enter("comments")
            out = {}
            for ref in refs:
                rec = svc.records.get(ref)
                if rec is not None and not rec.deleted:
                    out[ref] = tuple(_remote(c) for c in svc.comments.get(ref, []))
            return CommentRead(out, requests=1)

    def add_comment(self, ref: str, text: str) -> RemoteComment:
        svc = self.service
        with svc._lock:
            fault = svc._enter("add_comment")
            c = add(svc, ref, self._stored(text), self.author)
            if fault is FaultKind.TIMEOUT_AFTER_WRITE:
                raise Transient("timed out after sending", service=svc.name, maybe_applied=True)
            return _remote(c)

    def edit_comment(self, ref: str, comment_ref: str, text: str) -> RemoteComment:
        with self.service._lock:
            self.service._enter("edit_comment")
            return _remote(edit(self.service, ref, comment_ref, self._stored(text)))

    def delete_comment(self, ref: str, comment_ref: str) -> None:
        with self.service._lock:
            self.service._enter("delete_comment")
            rec = self.service.records.get(ref)
            if rec is not None and not rec.deleted:
                delete(self.service, ref, comment_ref)
