"""The optional comment part of the adapter contract: reading and writing an item's comments.

An adapter that can hold comments (Jira, Todoist, Notion) implements :class:`Commenting`; the
hub's comment pass (:mod:`hub.round.comments`) reads the comments of the copies a round
touched, plans with :mod:`hub.planner.comments` (pure) and writes through these four
methods. The adapter only converts: Markdown in and out (the same converters as the
description), one request per call where the service allows. What a copy says (the header
naming the author, the service and the time, and synchub's marker inside it) is written and
parsed by the hub (:mod:`adapters.toolkit.comments`), the same for every service, so an
adapter never needs to know which comments are synchub's.

Rules (checked by ``tests/contract/comments.py``):

- ``comments(refs)`` answers every comment on each copy in ``refs``, oldest first, or raises:
  a list is complete or absent, never partial (a comment missing from a complete list is a
  comment deleted, and the hub deletes its copies). A ref whose item no longer exists is left
  out of the answer (nothing is known about its comments).
- ``add_comment`` / ``edit_comment`` answer the comment as the service now holds it, read from
  the service's own answer (so its text compares equal to the next read of it).
- ``delete_comment`` of a comment already gone succeeds (a retried delete is not an error).
- ``listed_with_item``: whether a comment added, edited or deleted makes the item show in the
  next :meth:`~adapters.contract.Adapter.changes` (Jira bumps ``updated``; Todoist lists the
  task's note in its sync). Where it does not (Notion), the hub also sweeps a few copies'
  comments every round, so a comment made there arrives within a bounded number of rounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class RemoteComment:
    """One comment on one copy, as read from (or just written to) a service."""

    ref: str  # the service's id for the comment
    text: str  # Markdown, as the adapter converts the service's rich text
    author: str = ""  # display name (e-mail or "" where the service gives none)
    created_at: dt.datetime | None = None  # UTC
    updated_at: dt.datetime | None = None  # UTC; None when never edited or not known
    url: str | None = None  # a link straight to the comment, where the service has one


@dataclass(frozen=True)
class CommentRead:
    """What :meth:`Commenting.comments` answers: item ref -> its comments, oldest first."""

    by_ref: Mapping[str, tuple[RemoteComment, ...]] = field(default_factory=dict)
    requests: int = 0


@runtime_checkable
class Commenting(Protocol):
    """Optional on an adapter: the item's comments. See the module docstring for the rules."""

    #: a comment change shows the item in the next ``changes()`` (see the module docstring)
    listed_with_item: bool

    def comments(self, refs: Sequence[str]) -> CommentRead: ...

    def add_comment(self, ref: str, text: str) -> RemoteComment: ...

    def edit_comment(self, ref: str, comment_ref: str, text: str) -> RemoteComment: ...

    def delete_comment(self, ref: str, comment_ref: str) -> None: ...
