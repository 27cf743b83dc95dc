"""What a comment copy says, the same in every service: a header line, then the comment.

A copy synchub writes reads, in Markdown::

    *Ana Lima on [Jira](https://acme.atlassian.net/browse/OPS-3#synchub-c-5f0e...) ·
    2026-12-01 09:30 UTC*

    The original comment's text.

A copy whose marker a service dropped is still told from a person's comment by its header
(:attr:`Parsed.unmarked_copy`): it is never copied again.

The header names who wrote the original, where and when (the issue asks for author and
time), and links to the original. synchub's marker is the link's fragment
(``#synchub-c-<thread>``): a browser ignores it and a person never sees it unless they
read the link, yet it survives every service's rich text (a link's address is kept
as-is by Jira's ADF, Notion's rich text and Todoist's Markdown). It is what keeps our own
copies from being copied back (never echoed) even when the state that remembers them was
lost, and what lets a copy whose create answer was lost be found instead of written twice.
Where there is no address to link to, the marker is a short text ``[synchub c-<thread>]``.

:func:`parse` is the inverse: it finds the marker in the first paragraph only, and never in
a quote (a person quoting a copy, at the top or further down, does not make their comment
ours), and gives the comment's own text without the header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

_FRAGMENT = "#synchub-c-"
_MARKER = re.compile(r"(?:#synchub-c-|\[synchub c-)([0-9a-f]{8,64})")
#: a copy's header read back without its marker (a service that dropped the link): the
#: emphasis as any service spells it, "<who> on <service> · <date> <time> UTC"
_HEADER = re.compile(r"^[*_\s]*\S.* on .+ · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC[*_\s]*$", re.S)


@dataclass(frozen=True)
class Parsed:
    """A comment's text taken apart: ``thread`` is synchub's marker (None: a person's own
    comment), ``body`` the comment without a copy's header."""

    thread: str | None
    body: str
    #: a copy synchub wrote, its marker lost on the way (the header is all there is): never
    #: taken for a person's comment, or each round would copy the copy again
    unmarked_copy: bool = False


def normalise(text: str) -> str:
    """The text as compared: line ends unified, trailing spaces and blank edges dropped
    (services trim them differently; none of it is a person's edit)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def digest(body: str) -> str:
    """A short fingerprint of a comment's own text, to tell an edit from a re-read."""
    return hashlib.sha256(normalise(body).encode()).hexdigest()[:24]


def render(*, thread: str, author: str, service: str, at: dt.datetime | None,
           link: str | None, body: str, limit: int | None = None) -> str:
    """The Markdown of a copy of ``body`` (see the module docstring). With ``limit`` (the
    most characters the service takes) a longer comment is shortened, saying so and where
    the whole of it is; the header, with the marker, is always kept whole."""
    who = _plain(author) or "Someone"
    where = (f"[{_plain(service)}]({link.split('#', 1)[0]}{_FRAGMENT}{thread})" if link
             else f"{_plain(service)} [synchub c-{thread}]")
    when = f" · {at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if at is not None else ""
    head, body = f"*{who} on {where}{when}*\n\n", normalise(body)
    if limit is not None and len(head) + len(body) > limit:
        tail = f"…\n\n*(shortened: the whole comment is in {_plain(service)})*"
        body = body[:max(0, limit - len(head) - len(tail))].rstrip() + tail
    return head + body


def parse(text: str) -> Parsed:
    """The marker and the comment's own text (see the module docstring)."""
    text = normalise(text)
    head, sep, rest = text.partition("\n\n")
    if head.lstrip().startswith(">"):
        # a person's reply quoting a copy (its header and marker included) is theirs: taken
        # for our copy it would never be copied, or be "followed" as an edit of the copy
        return Parsed(None, text)
    found = _MARKER.search(head)
    if found is not None:
        return Parsed(found.group(1), rest if sep else "")
    if sep and _HEADER.match(head):
        return Parsed(None, rest, unmarked_copy=True)
    return Parsed(None, text)


def _plain(text: str) -> str:
    """A name or service label safe inside the header's emphasis and link text."""
    return re.sub(r"[*_\[\]()`\\\n]+", " ", text).strip()
