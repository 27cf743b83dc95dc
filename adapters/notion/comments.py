"""Comments on a page (:class:`adapters.commenting.Commenting`): the discussions at the top
of a page, read and written through the comment endpoints with the adapter's client (so its
pacer and error table, as every other request).

Text: a Notion comment is rich text only, no blocks. Markdown is written paragraph by
paragraph with the converters the adapter uses for text (:mod:`adapters.notion.richtext`),
the paragraphs joined by an element holding ``"\\n\\n"``; a line break inside a paragraph is a
``"\\n"`` in the text, as Notion's app stores one. Reading splits the text again at every
blank line, so the paragraphs survive, and what a write answers reads the same as the next
read of it. A link keeps its address exactly (the marker of a copy synchub writes is in one,
:mod:`adapters.toolkit.comments`); mentions and equations read as their text (a page mention
linked to the page). Notion takes at most 100 elements per rich text: a comment styled in more
pieces than that keeps its first paragraph (a copy's header, with the marker) as written and
the rest as plain text.

Reading (:meth:`NotionComments.comments`): one request for the page (a page that is gone or
in the trash is left out: a trashed page keeps its comments, and nothing Notion documents says
their listing refuses them (the emulator lists them, as it lists a trashed page's blocks), so
the page is what tells), then ``GET /v1/comments?block_id=`` a hundred at a time, oldest first, as
Notion answers. That lists the page's open discussions: a discussion a person resolved is
not listed (the API cannot read it), nor comments on blocks inside the page. The author is
the comment's ``display_name`` where it names an integration or a custom name, else the user
who wrote it, read once per process (``GET /v1/users/{id}``), else ``"Notion user"``.

Writing: ``add_comment`` starts a new discussion on the page; ``edit_comment`` and
``delete_comment`` (``PATCH`` / ``DELETE /v1/comments/{id}``) work on the integration's own
comments only (Notion answers 404 for any other), and deleting the first comment of a
discussion deletes the replies in it too.

``listed_with_item = False``: nothing Notion documents or recorded shows a comment changing
the page's ``last_edited_time`` (comments have webhook events of their own,
``comment.created`` and so on, apart from ``page.content_updated``), so ``changes()`` is not
counted on to list a page for one; the emulator leaves the page as it was.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from adapters.commenting import CommentRead, RemoteComment
from adapters.notion import richtext
from adapters.notion.client import ADVICE, SERVICE, NotionClient, listed
from adapters.toolkit.comments import normalise
from hub.errors import AuthError, NotFound, SyncHubError, ValidationRejected

ELEMENTS = 100  # Notion's most rich text elements in one value
SOMEONE = "Notion user"  # the author when Notion names none we can read
BLANK = re.compile(r"\n{2,}")
CAPABILITY = " (turn on the integration's comment capabilities: read and insert comments)"

#: user id -> name, per process (None: Notion would not say; asked again by no one)
_NAMES: dict[str, str | None] = {}
_NAMES_LOCK = threading.Lock()


def _text(content: str, part: dict[str, Any] | None = None) -> dict[str, Any]:
    """A text element of ``content`` with the style and link of ``part`` (as Notion answers)."""
    part = part or {}
    link = ((part.get("text") or {}).get("link") or {}).get("url") or part.get("href")
    out: dict[str, Any] = {"type": "text", "text": {
        "content": content, "link": {"url": link} if link else None}, "plain_text": content}
    if part.get("annotations"):
        out["annotations"] = part["annotations"]
    return out


def _plain(part: dict[str, Any]) -> str:
    """An element's text: Notion's ``plain_text`` (a mention's name), else the text written."""
    text = part.get("plain_text")
    return str(text) if text is not None else str((part.get("text") or {}).get("content", ""))


def to_rich(text: str) -> list[dict[str, Any]]:
    """A comment's Markdown as the rich text to write (see the module docstring)."""
    paragraphs = [p for p in BLANK.split(normalise(text)) if p.strip()]
    written = [richtext.md_to_rich(p) for p in paragraphs]
    parts: list[dict[str, Any]] = []
    for i, rich in enumerate(written):
        if i:
            parts.append({"type": "text", "text": {"content": "\n\n"}})
        parts += rich
    if len(parts) <= ELEMENTS or not written:
        return parts
    # Too many styled pieces: the first paragraph as written, the rest as its plain text.
    rest = "\n\n".join("".join(_plain(e) for e in r) for r in written[1:])
    plain = [{"type": "text", "text": {"content": c}} for c in richtext.chunks("\n\n" + rest)]
    parts = written[0] + plain
    if len(parts) > ELEMENTS:
        raise ValidationRejected(f"a comment of {len(text)} characters is longer than Notion "
                                 "holds in one comment", service=SERVICE)
    return parts


def from_rich(parts: list[dict[str, Any]] | None) -> str:
    """A comment's rich text as Markdown, paragraph by paragraph (see the module docstring)."""
    paragraphs: list[list[dict[str, Any]]] = [[]]
    for part in parts or []:
        plain = _plain(part)
        if not BLANK.search(plain):
            paragraphs[-1].append(part)
            continue
        for i, piece in enumerate(BLANK.split(plain)):
            if i:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append(_text(piece, part))
    shown = ((richtext.rich_to_md(p) or "").strip("\n") for p in paragraphs)
    return "\n\n".join(md for md in shown if md.strip())


def _time(stamp: str | None) -> dt.datetime | None:
    if not stamp:
        return None
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(dt.UTC)


def page_link(page_id: str) -> str:
    """A link to the page by its id alone (the page's ``url`` when it was read)."""
    return f"https://www.notion.so/{page_id.replace('-', '')}"


class NotionComments:
    """The comment part of :class:`adapters.notion.adapter.NotionAdapter` (a mixin: it needs
    the adapter's ``client``)."""

    client: NotionClient
    #: a comment does not change the page's ``last_edited_time`` (see the module docstring)
    listed_with_item = False
    #: a discussion a person resolved is no longer listed, and nothing tells it from one
    #: deleted: an original missing here deletes none of its copies elsewhere
    absent_is_delete = False

    @functools.cached_property
    def _page_urls(self) -> dict[str, str]:
        """page id -> its ``url`` as last read (a comment's link)."""
        return {}

    def _comment_call(self, fn: Callable[[], Any], *, write: bool = False) -> Any:
        """One request through the client; its 403 says which capability is missing."""
        try:
            return self.client.call(fn, write=write)
        except AuthError as exc:
            if "HTTP 403" not in exc.message:
                raise
            raise AuthError(exc.message.replace(ADVICE[403], "") + CAPABILITY,
                            service=SERVICE) from None

    def comments(self, refs: Sequence[str]) -> CommentRead:
        """Every comment on each page, oldest first; a page gone or trashed is left out."""
        before = self.client.requests
        found: dict[str, tuple[RemoteComment, ...]] = {}
        for ref in dict.fromkeys(refs):
            listed = self._listing(ref)
            if listed is not None:
                found[ref] = tuple(self._comment(c, ref) for c in listed)
        return CommentRead(by_ref=found, requests=self.client.requests - before)

    def _listing(self, ref: str) -> list[dict[str, Any]] | None:
        """The page's comments as Notion answers them, or None for a page gone or trashed."""
        try:
            page = self._comment_call(lambda: self.client.sdk.pages.retrieve(page_id=ref))
        except NotFound:
            return None
        if page.get("in_trash") or page.get("archived"):
            return None
        if page.get("url"):
            self._page_urls[ref] = str(page["url"])
        try:
            return listed(self._comment_call, self.client.sdk.comments.list, block_id=ref)
        except NotFound:
            return None  # gone while read

    def add_comment(self, ref: str, text: str) -> RemoteComment:
        """A new discussion on the page, read from Notion's answer."""
        rich = to_rich(text)
        try:
            made = self._comment_call(lambda: self.client.sdk.comments.create(
                parent={"page_id": ref}, rich_text=rich), write=True)
        except ValidationRejected as exc:
            if "archived" in exc.message:  # Notion's answer for a page in the trash
                raise NotFound(f"page {ref} is in the trash", service=SERVICE) from None
            raise
        return self._comment(made, ref)

    def edit_comment(self, ref: str, comment_ref: str, text: str) -> RemoteComment:
        """The comment's text replaced; only the integration's own (another's is NotFound,
        as a comment deleted is)."""
        rich = to_rich(text)
        try:
            edited = self._comment_call(lambda: self.client.sdk.comments.update(
                comment_id=comment_ref, rich_text=rich), write=True)
        except NotFound:
            raise NotFound(f"comment {comment_ref} on page {ref} is gone (or was not made by "
                           "this integration: Notion edits only those)",
                           service=SERVICE) from None
        return self._comment(edited, ref)

    def delete_comment(self, ref: str, comment_ref: str) -> None:
        """The comment deleted; one already gone, or on a page in the trash, is done. The
        first comment of a discussion takes its replies with it, so one that people replied
        to is refused (ValidationRejected: the hub keeps it and says so) rather than take
        their words: the page's comments are read first to know (one request more, for a
        delete only)."""
        listed = self._listing(ref)
        mine = next((c for c in listed or [] if c.get("id") == comment_ref), None)
        if mine is not None and any(
                c.get("discussion_id") == mine.get("discussion_id") and c.get("id") != comment_ref
                for c in listed or []):
            raise ValidationRejected(f"comment {comment_ref} on page {ref} has replies; "
                                     "deleting it would delete them too, so it is kept",
                                     service=SERVICE)
        try:
            self._comment_call(lambda: self.client.sdk.comments.delete(comment_id=comment_ref),
                               write=True)
        except NotFound:
            return
        except ValidationRejected as exc:
            if "archived" not in exc.message:
                raise

    def _comment(self, c: dict[str, Any], ref: str) -> RemoteComment:
        created, edited = _time(c.get("created_time")), _time(c.get("last_edited_time"))
        return RemoteComment(
            ref=str(c["id"]), text=from_rich(c.get("rich_text")), author=self._author(c),
            created_at=created, updated_at=edited if edited != created else None,
            url=self._page_urls.get(ref) or page_link(ref))

    def _author(self, c: dict[str, Any]) -> str:
        """Who wrote it, as Notion shows it (see the module docstring)."""
        shown = c.get("display_name") or {}
        name = str(shown.get("resolved_name") or "")
        if name and shown.get("type") in ("integration", "custom"):
            return name
        uid = str((c.get("created_by") or {}).get("id") or "")
        return (self._user_name(uid) if uid else None) or name or SOMEONE

    def _user_name(self, uid: str) -> str | None:
        with _NAMES_LOCK:
            if uid in _NAMES:
                return _NAMES[uid]
        try:
            user = self.client.call(lambda: self.client.sdk.users.retrieve(user_id=uid))
        except (NotFound, AuthError):  # no such user, or no "read user information"
            user = {}
        except SyncHubError:
            return None  # not known now: asked again next time
        name = str(user.get("name") or "") or None
        with _NAMES_LOCK:
            _NAMES[uid] = name
        return name
