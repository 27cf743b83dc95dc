"""What one transaction of the SQL store writes (:class:`hub.store.base.Transaction`): links
and their copies, cursors, journal intents and the history of runs' writes, conflicts,
quarantine records, comment threads.

The statements run on the store's connection inside :meth:`hub.store.sql.SqlStore.transaction`,
which commits them together (and bumps the generation of every flow whose links changed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from typing import TYPE_CHECKING

from hub.store import codec, health, history, records, threads, workset
from hub.store.base import (
    CommentThread,
    ConflictRecord,
    HealthRecord,
    Incident,
    Intent,
    IntentState,
    LinkState,
    QuarantineKind,
    QuarantineRecord,
    WriteRecord,
)

if TYPE_CHECKING:
    from hub.store.sql import SqlStore


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlTransaction:
    """The writes of one :meth:`SqlStore.transaction`."""

    def __init__(self, store: SqlStore) -> None:
        self.s = store

    def save_link(self, link: LinkState) -> None:
        s = self.s
        # settled = 0: a link saved is planned again until a round finds it settled
        s._exec("INSERT INTO links (flow, link_id, base, provenance, detached, deleting, "
                "settled) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (flow, link_id) DO UPDATE "
                "SET base = excluded.base, provenance = excluded.provenance, "
                "detached = excluded.detached, deleting = excluded.deleting, settled = 0",
                (link.flow, link.link_id, codec.item_json(link.base),
                 codec.provenance_json(dict(link.provenance)),
                 json.dumps(sorted(link.detached)), int(link.deleting)))
        s._exec("DELETE FROM copies WHERE flow = ? AND link_id = ?", (link.flow, link.link_id))
        rows = []
        for ep, c in link.copies.items():
            cb, snap = codec.copy_row(link.base, c)
            rows.append((link.flow, link.link_id, ep, c.ref, c.version, cb, snap,
                         c.snapshot.parent))
        if rows:
            s.conn.cursor().executemany(s.dialect.sql(
                "INSERT INTO copies (flow, link_id, endpoint, ref, version, base, snapshot, "
                "parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), rows)

    def drop_link(self, flow: str, link_id: str) -> None:
        self.s._exec("DELETE FROM copies WHERE flow = ? AND link_id = ?", (flow, link_id))
        self.s._exec("DELETE FROM links WHERE flow = ? AND link_id = ?", (flow, link_id))
        threads.drop_link(self.s, flow, link_id)

    def mark_settled(self, flow: str, link_ids: Collection[str], fingerprint: str, *,
                     fresh: bool) -> None:
        if fresh:
            workset.unsettle_all(self.s, flow)
        workset.mark_settled(self.s, flow, link_ids)
        self.s._upsert_meta(workset.fingerprint_key(flow), fingerprint)

    def set_cursor(self, flow: str, endpoint: str, cursor: str | None) -> None:
        self.s._exec("INSERT INTO cursors (flow, endpoint, cursor) VALUES (?, ?, ?) "
                     "ON CONFLICT (flow, endpoint) DO UPDATE SET cursor = excluded.cursor",
                     (flow, endpoint, cursor))

    def add_intent(self, intent: Intent) -> None:
        self.s._exec("INSERT INTO journal (key, flow, link_id, endpoint, kind, payload, state, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE "
                     "SET state = excluded.state",
                     (intent.key, intent.flow, intent.link_id, intent.endpoint, intent.kind,
                      json.dumps(dict(intent.payload)), intent.state.value,
                      codec.ts(intent.created_at or _now())))

    def finish_intent(self, key: str, state: IntentState = IntentState.DONE,
                      ref: str | None = None) -> None:
        self.s._exec("UPDATE journal SET state = ? WHERE key = ?", (state.value, key))
        history.settle(self.s, key, state, ref)

    def add_write(self, record: WriteRecord) -> None:
        history.add(self.s, record)

    def upsert_conflict(self, c: ConflictRecord) -> int:
        rows = self.s._query("SELECT id FROM conflicts WHERE flow = ? AND link_id = ? AND "
                             "field = ? AND resolved_with IS NULL", (c.flow, c.link_id, c.field))
        vals = json.dumps(dict(c.values), sort_keys=True)
        if rows:
            self.s._exec("UPDATE conflicts SET vals = ? WHERE id = ?", (vals, rows[0][0]))
            return int(rows[0][0])
        cur = self.s._exec("INSERT INTO conflicts (flow, link_id, field, vals, created_at) "
                           "VALUES (?, ?, ?, ?, ?) RETURNING id",
                           (c.flow, c.link_id, c.field, vals, codec.ts(c.created_at or _now())))
        return int(cur.fetchone()[0])

    def resolve_conflict(self, conflict_id: int, endpoint: str) -> None:
        self.s._exec("UPDATE conflicts SET resolved_with = ?, resolved_at = ? WHERE id = ?",
                     (endpoint, codec.ts(_now()), conflict_id))

    def put_quarantine(self, q: QuarantineRecord) -> None:
        records.put_quarantine(self.s, q)

    def clear_quarantine(self, flow: str, endpoint: str, ref: str,
                         kind: QuarantineKind | None = None) -> None:
        records.clear_quarantine(self.s, flow, endpoint, ref, kind)

    def save_thread(self, thread: CommentThread) -> None:
        threads.save(self.s, thread)

    def drop_thread(self, flow: str, thread: str) -> None:
        threads.drop(self.s, flow, thread)

    def comments_dirty(self, flow: str, link_ids: Collection[str], dirty: bool) -> None:
        threads.set_dirty(self.s, flow, link_ids, dirty)

    def put_health(self, h: HealthRecord) -> None:
        health.put_health(self.s, h)

    def put_incident(self, i: Incident) -> None:
        health.put_incident(self.s, i)

    def drop_incident(self, key: str) -> None:
        health.drop_incident(self.s, key)

    def set_notified(self, target: str, at: dt.datetime) -> None:
        health.set_notified(self.s, target, at)
