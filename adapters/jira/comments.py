"""An issue's comments (:class:`adapters.commenting.Commenting`) on Jira Cloud, API v3.

Bodies are Atlassian documents, converted with the description's own converters
(:mod:`adapters.jira.adf`): written from Markdown, read back to Markdown, so a copy's header
link (and the ``#synchub-c-...`` marker in its address) is an ADF link mark kept as-is.

Reading costs one request an issue in the common case: ``GET /issue/{id}?fields=comment``
answers the issue's key (for the comments' links) and its comment field. Jira caps that
field (the newest comments, ``total`` counting all); when it holds fewer than ``total`` the
issue's comments are read again in full from ``GET /issue/{id}/comment`` (oldest first,
``orderBy=created``), paged by ``startAt``/``maxResults``/``total`` (Jira Cloud hands out up
to 100 a page). Search is not used for comments: its index lags behind writes (up to a
minute), and a list that misses a fresh comment would read as that comment deleted.

A comment restricted to a group or a role (``visibility``) is left out: a copy in another
service would show it to everyone there (and a restriction added later reads as the
comment gone, so its copies are taken back). Jira Service Management's internal notes
(``jsdPublic: false``) have no such restriction and are read like the rest.

Adding, editing and deleting a comment moves the issue's ``updated`` in Jira Cloud, so the
issue shows in the next incremental listing (``listed_with_item``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from adapters.commenting import CommentRead, RemoteComment
from adapters.jira import adf
from adapters.jira.client import JiraClient
from hub.errors import NotFound, Transient

#: comments asked for a page of ``GET /issue/{id}/comment`` (Jira Cloud's cap)
PAGE = 100
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(dt.UTC)


def _order(raw: dict[str, Any]) -> tuple[dt.datetime, int, str]:
    """Oldest first; comments of the same millisecond by id (Jira's ids grow)."""
    cid = str(raw["id"])
    return _time(raw.get("created")) or _NEVER, len(cid), cid


def _body(text: str) -> dict[str, Any]:
    """A comment's Markdown as the document Jira takes ({} for no text: Jira's 400)."""
    return adf.from_markdown(text) or {}


class JiraComments:
    """The comment part of :class:`~adapters.jira.adapter.JiraAdapter`: a mixin on the
    adapter's ``client``."""

    client: JiraClient
    #: Jira Cloud moves the issue's ``updated`` on every comment add, edit and delete
    listed_with_item = True
    #: Jira Cloud's default limit on a text field (jira.text.field.character.limit); the
    #: hub shortens a longer copy instead of having it refused
    max_comment_chars = 32767
    #: issue id -> key, as last read: a comment's link names the key, and Jira's comment
    #: answers carry only the issue's id
    _comment_keys: dict[str, str]

    @property
    def _keys(self) -> dict[str, str]:
        if not hasattr(self, "_comment_keys"):
            self._comment_keys = {}
        return self._comment_keys

    def _comment(self, raw: dict[str, Any], key: str | None) -> RemoteComment:
        who = raw.get("author") or {}
        created, updated = _time(raw.get("created")), _time(raw.get("updated"))
        return RemoteComment(
            ref=str(raw["id"]), text=adf.to_markdown(raw.get("body")) or "",
            author=who.get("displayName") or who.get("emailAddress") or "",
            created_at=created, updated_at=updated if updated != created else None,
            url=f"{self.client.url}/browse/{key}?focusedCommentId={raw['id']}" if key
            else None)

    def _all_comments(self, ref: str) -> list[dict[str, Any]]:
        """Every comment of the issue, oldest first, from the paged comment endpoint."""
        out: list[dict[str, Any]] = []
        total: int | None = None
        while True:
            page = self.client.raw("GET", f"issue/{ref}/comment?orderBy=created"
                                          f"&startAt={len(out)}&maxResults={PAGE}")
            got = page.get("comments") or []
            now = int(page.get("total") or 0)
            if total is not None and now != total:
                # a comment added or deleted between pages shifts the offsets: a list read
                # so could miss one, and a missing comment reads as deleted (its copies go)
                raise Transient(f"the comments of {ref} changed while read; read again",
                                service="jira")
            total = now
            out.extend(got)
            if len(out) >= total:
                return out
            if not got:  # fewer than Jira counts: never answered as if complete
                raise Transient(f"Jira listed {len(out)} of {total} comments of {ref}",
                                service="jira")

    def _read(self, ref: str) -> tuple[RemoteComment, ...] | None:
        """One issue's comments, or None when the issue does not exist (any more)."""
        try:
            raw = self.client.raw("GET", f"issue/{ref}?fields=comment")
            field = (raw.get("fields") or {}).get("comment") or {}
            rows = field.get("comments") or []
            if len(rows) < int(field.get("total") or 0):  # the field is capped: page
                rows = self._all_comments(ref)
        except NotFound:
            self._keys.pop(ref, None)
            return None
        key = raw.get("key")
        if key:
            self._keys[ref] = str(key)
        return tuple(self._comment(c, key) for c in sorted(rows, key=_order)
                     if not c.get("visibility"))

    def comments(self, refs: Sequence[str]) -> CommentRead:
        before = self.client.requests
        out: dict[str, tuple[RemoteComment, ...]] = {}
        for ref in dict.fromkeys(refs):
            found = self._read(ref)
            if found is not None:
                out[ref] = found
        return CommentRead(by_ref=out, requests=self.client.requests - before)

    def _key(self, ref: str) -> str:
        """The issue's key for a comment's link: as last read, else asked for (one request,
        made before a write so that its failure can never follow a comment written)."""
        if ref not in self._keys:
            self._keys[ref] = str(self.client.raw("GET", f"issue/{ref}?fields=key")["key"])
        return self._keys[ref]

    def add_comment(self, ref: str, text: str) -> RemoteComment:
        key = self._key(ref)
        raw = self.client.raw("POST", f"issue/{ref}/comment", {"body": _body(text)},
                              write=True)
        return self._comment(raw, key)

    def edit_comment(self, ref: str, comment_ref: str, text: str) -> RemoteComment:
        key = self._key(ref)
        raw = self.client.raw("PUT", f"issue/{ref}/comment/{comment_ref}",
                              {"body": _body(text)}, write=True)
        return self._comment(raw, key)

    def delete_comment(self, ref: str, comment_ref: str) -> None:
        try:
            self.client.raw("DELETE", f"issue/{ref}/comment/{comment_ref}", write=True)
        except NotFound:  # gone already, or with its issue: what a delete wants
            return
