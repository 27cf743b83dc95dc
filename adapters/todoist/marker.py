"""The origin marker of a Todoist task: a last line of its description.

A create is then one ``item_add`` command (issue 17): the marker rides in the task itself,
so a create can never land without it, and ``find_by_origin`` finds a create whose answer
was lost. The line reads ``synchub-origin: <link id>``, after a blank line below the
person's own text (alone when there is none); the adapter strips it on every read, so the
description synced to the other services is the person's text only, and puts it back on
every description it writes. A person editing the description in the app edits the text
above it; one who deletes the line drops the marker, and the link still holds by the
task's id (the state keeps the marker it knew: :func:`hub.planner.plan.with_marker`).

Tasks made by earlier versions carry the same text as a comment (``note_add``): still read
(:data:`NOTE_RE`), never written again.
"""

from __future__ import annotations

import re

PREFIX = "synchub-origin: "
#: a comment that is a marker (tasks created before the marker moved into the description)
NOTE_RE = re.compile(r"^synchub-origin: (\S+)")
#: the marker as a description's last line (spaces a person's editor adds at its end allowed)
_TRAILER = re.compile(r"(?:\A|\n)[ \t]*synchub-origin: (\S+)[ \t]*\n*\Z")


def split(description: str | None) -> tuple[str, str | None]:
    """A description as read: (the person's text, the marker or None)."""
    text = description or ""
    found = _TRAILER.search(text)
    if found is None:
        return text, None
    head = text[:found.start()]
    if found.group(0).startswith("\n") and head.endswith("\n"):
        head = head[:-1]  # the blank line :func:`join` put between them
    return head, found.group(1)


def join(text: str | None, origin: str) -> str:
    """The description to write: the person's ``text``, then the marker line."""
    return f"{text}\n\n{PREFIX}{origin}" if text else f"{PREFIX}{origin}"
