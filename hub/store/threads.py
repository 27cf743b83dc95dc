"""Comment threads in the SQL store, shared by both engines (:class:`CommentThread`).

One row a thread, its copies as a small JSON object: a thread is always read and written
whole, for one link at a time, so a second table would only add a join. Threads are read by
link (the round reads the comments of the links it touched) and by ``pending`` (writes
still to land), both through indexes, never all at once.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any, Protocol

from hub.store import codec
from hub.store.base import CommentCopy, CommentThread

_COLUMNS = ("thread, link_id, source, author, created_at, link, body, copies, deleting, "
            "pending")
#: links per query: well under SQLite's and PostgreSQL's parameter limits
_CHUNK = 500


class _Plumbing(Protocol):
    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


def save(s: _Plumbing, t: CommentThread) -> None:
    copies = json.dumps({ep: {"ref": c.ref, "digest": c.digest, "sent": c.sent}
                         for ep, c in sorted(t.copies.items())}, separators=(",", ":"))
    s._exec(f"INSERT INTO comment_threads (flow, {_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (flow, thread) DO UPDATE SET "
            "link_id = excluded.link_id, source = excluded.source, "
            "author = excluded.author, created_at = excluded.created_at, "
            "link = excluded.link, body = excluded.body, copies = excluded.copies, "
            "deleting = excluded.deleting, pending = excluded.pending",
            (t.flow, t.thread, t.link_id, t.source, t.author, codec.ts(t.created_at), t.link,
             t.body, copies, int(t.deleting), int(t.pending)))


def drop(s: _Plumbing, flow: str, thread: str) -> None:
    s._exec("DELETE FROM comment_threads WHERE flow = ? AND thread = ?", (flow, thread))


def drop_link(s: _Plumbing, flow: str, link_id: str) -> None:
    s._exec("DELETE FROM comment_threads WHERE flow = ? AND link_id = ?", (flow, link_id))
    s._exec("DELETE FROM comment_dirty WHERE flow = ? AND link_id = ?", (flow, link_id))


def by_link(s: _Plumbing, flow: str, link_ids: Collection[str]
            ) -> dict[str, list[CommentThread]]:
    wanted = sorted(set(link_ids))
    out: dict[str, list[CommentThread]] = {}
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i:i + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in s._query(f"SELECT {_COLUMNS} FROM comment_threads WHERE flow = ? AND "
                            f"link_id IN ({marks}) ORDER BY created_at, thread",
                            (flow, *chunk)):
            t = _load(flow, row)
            out.setdefault(t.link_id, []).append(t)
    return out


def pending_links(s: _Plumbing, flow: str) -> set[str]:
    """Links with a thread whose writes have not all landed, or whose comments could not be
    read when they changed."""
    pending = {str(r[0]) for r in s._query(
        "SELECT DISTINCT link_id FROM comment_threads WHERE flow = ? AND pending = 1", (flow,))}
    return pending | {str(r[0]) for r in s._query(
        "SELECT link_id FROM comment_dirty WHERE flow = ?", (flow,))}


def set_dirty(s: _Plumbing, flow: str, link_ids: Collection[str], dirty: bool) -> None:
    for lid in sorted(set(link_ids)):
        if dirty:
            s._exec("INSERT INTO comment_dirty (flow, link_id) VALUES (?, ?) "
                    "ON CONFLICT (flow, link_id) DO NOTHING", (flow, lid))
        else:
            s._exec("DELETE FROM comment_dirty WHERE flow = ? AND link_id = ?", (flow, lid))


def _load(flow: str, row: tuple[Any, ...]) -> CommentThread:
    thread, link_id, source, author, created, link, body, copies, deleting, pending = row
    raw: dict[str, dict[str, Any]] = json.loads(copies)
    return CommentThread(
        flow=flow, thread=thread, link_id=link_id, source=source, author=author,
        created_at=codec.ts_load(created), link=link, body=body,
        copies={ep: CommentCopy(ref=c.get("ref"), digest=c.get("digest", ""),
                                sent=c.get("sent", "")) for ep, c in raw.items()},
        deleting=bool(deleting), pending=bool(pending))
