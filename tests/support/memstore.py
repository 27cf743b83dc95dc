"""A dict-backed :class:`hub.store.base.Store` for fast planner/engine tests.

Transactions are all-or-nothing (changes are staged and applied on exit), so crash tests can
raise inside one and see nothing of it committed. ``crash_after_commits`` makes the N-th
following commit raise *after* applying, to simulate a process dying right after a commit.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from hub.store import locks
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
    RunRecord,
    WriteRecord,
)


class Crash(Exception):
    """Simulated process death."""


class MemStore:
    url = "memory://"

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], LinkState] = {}
        self.cursors: dict[tuple[str, str], str | None] = {}
        self.intents: dict[str, Intent] = {}
        self.conflict_rows: dict[int, ConflictRecord] = {}
        self.run_rows: dict[int, RunRecord] = {}
        self._ids = itertools.count(1)
        self.quarantine: dict[tuple[str, str, str, str], QuarantineRecord] = {}
        self.notices: dict[str, int] = {}
        self.threads: dict[tuple[str, str], CommentThread] = {}
        self.comment_dirty: set[tuple[str, str]] = set()
        self.health_rows: dict[tuple[str, str], HealthRecord] = {}
        self.incident_rows: dict[str, Incident] = {}
        self.notified_at: dict[str, dt.datetime] = {}
        self.discovery: dict[str, tuple[str, dt.datetime]] = {}  # key -> (value, fetched at)
        self.writes: dict[tuple[int, str], WriteRecord] = {}
        self.settled: set[tuple[str, str]] = set()  # (flow, link id) found settled
        self.settled_fp: dict[str, str] = {}
        self.crash_at: int | None = None  # crash when the commit counter reaches this
        self.commits = 0

    def migrate(self) -> None:
        return None

    def bind_config(self, fingerprint: str, *, force: bool = False) -> None:
        return None

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        tx = _Tx(self)
        yield tx
        if self.crash_at is not None and self.commits + 1 >= self.crash_at:
            self.crash_at = None
            raise Crash("simulated crash before commit")
        for op in tx.ops:
            op()
        self.commits += 1

    def load_links(self, flow: str) -> dict[str, LinkState]:
        return {lid: link for (f, lid), link in self.links.items() if f == flow}

    def get_link(self, flow: str, link_id: str) -> LinkState | None:
        return self.links.get((flow, link_id))

    def links_by_id(self, flow: str, link_ids: Collection[str]) -> dict[str, LinkState]:
        return {lid: self.links[(flow, lid)] for lid in link_ids if (flow, lid) in self.links}

    def link_ids_by_ref(self, flow: str, refs: Collection[tuple[str, str]]) -> set[str]:
        wanted = set(refs)
        return {lid for (f, lid), link in self.links.items() if f == flow
                and any((ep, c.ref) in wanted for ep, c in link.copies.items())}

    def unsettled_link_ids(self, flow: str) -> set[str]:
        return {lid for (f, lid) in self.links if f == flow and (f, lid) not in self.settled}

    def child_link_ids(self, flow: str, parents: Collection[str]) -> set[str]:
        wanted = set(parents)
        return {lid for (f, lid), link in self.links.items() if f == flow
                and any(c.snapshot.parent in wanted for c in link.copies.values())}

    def link_ids_after(self, flow: str, endpoint: str, after: str, limit: int) -> list[str]:
        return sorted(lid for (f, lid), link in self.links.items()
                      if f == flow and endpoint in link.copies and lid > after)[:limit]

    def count_links(self, flow: str) -> int:
        return sum(1 for f, _ in self.links if f == flow)

    def settled_under(self, flow: str) -> str | None:
        return self.settled_fp.get(flow)

    def find_link_by_ref(self, flow: str, endpoint: str, ref: str) -> str | None:
        for (f, lid), link in self.links.items():
            c = link.copies.get(endpoint)
            if f == flow and c is not None and c.ref == ref:
                return lid
        return None

    def get_cursor(self, flow: str, endpoint: str) -> str | None:
        return self.cursors.get((flow, endpoint))

    def pending_intents(self, flow: str) -> list[Intent]:
        return [i for i in self.intents.values()
                if i.flow == flow and i.state is IntentState.PENDING]

    def conflicts(self, flow: str | None = None, *, open_only: bool = True
                  ) -> list[ConflictRecord]:
        return [c for c in self.conflict_rows.values()
                if (flow is None or c.flow == flow) and (not open_only or not c.resolved_with)]

    def start_run(self, flow: str, *, undoes: int | None = None) -> int:
        rid = next(self._ids)
        self.run_rows[rid] = RunRecord(id=rid, flow=flow, started_at=dt.datetime.now(dt.UTC),
                                       undoes=undoes)
        return rid

    def run(self, run_id: int) -> RunRecord | None:
        return self.run_rows.get(run_id)

    def run_writes(self, run_id: int) -> list[WriteRecord]:
        return [w for (rid, _), w in self.writes.items() if rid == run_id]

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, int],
                   error: str | None = None) -> None:
        self.run_rows[run_id] = replace(self.run_rows[run_id], status=status,
                                        counts=dict(counts), error=error,
                                        finished_at=dt.datetime.now(dt.UTC))

    def runs(self, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
        rows = [r for r in self.run_rows.values() if flow is None or r.flow == flow]
        return sorted(rows, key=lambda r: -r.id)[:limit]

    def quarantined(self, flow: str | None = None) -> list[QuarantineRecord]:
        return [q for q in self.quarantine.values() if flow is None or q.flow == flow]

    def health(self, flow: str | None = None) -> list[HealthRecord]:
        return [h for k, h in sorted(self.health_rows.items()) if flow is None or k[0] == flow]

    def incidents(self) -> list[Incident]:
        return sorted(self.incident_rows.values(), key=lambda i: (i.opened_at, i.key))

    def notified(self) -> dict[str, dt.datetime]:
        return dict(self.notified_at)

    def discovered(self, key: str) -> tuple[str, dt.datetime] | None:
        return self.discovery.get(key)

    def put_discovered(self, key: str, value: str) -> None:
        self.discovery[key] = (value, dt.datetime.now(dt.UTC))

    def drop_discovered(self, prefix: str = "") -> int:
        gone = [k for k in self.discovery if k.startswith(prefix)]
        for k in gone:
            del self.discovery[k]
        return len(gone)

    def prune(self, *, runs_before: dt.datetime, journal_before: dt.datetime
              ) -> dict[str, int]:
        newest = {r.flow: r.id for r in sorted(self.run_rows.values(), key=lambda r: r.id)}
        old = [rid for rid, r in self.run_rows.items() if r.finished_at is not None
               and r.started_at < runs_before and newest[r.flow] != rid]
        for rid in old:
            del self.run_rows[rid]
        settled = [k for k, i in self.intents.items() if i.state is not IntentState.PENDING
                   and i.created_at is not None and i.created_at < journal_before]
        for k in settled:
            del self.intents[k]
        writes = [k for k in self.writes if k[0] not in self.run_rows]
        for k in writes:
            del self.writes[k]
        return {"runs": len(old), "journal": len(settled), "writes": len(writes)}

    def writer(self, flow: str, holder: str, *, wait: float,
               should_stop: Any = None, on_wait: Any = None) -> Any:
        return locks.in_process(f"memstore:{id(self)}", flow, wait=wait,
                                should_stop=should_stop, on_wait=on_wait)

    def writer_holder(self, flow: str) -> str | None:
        return None

    def comment_threads(self, flow: str, link_ids: Collection[str]
                        ) -> dict[str, list[CommentThread]]:
        wanted = set(link_ids)
        out: dict[str, list[CommentThread]] = {}
        for (f, _), t in sorted(self.threads.items()):
            if f == flow and t.link_id in wanted:
                out.setdefault(t.link_id, []).append(t)
        return out

    def pending_comment_links(self, flow: str) -> set[str]:
        return ({t.link_id for (f, _), t in self.threads.items() if f == flow and t.pending}
                | {lid for f, lid in self.comment_dirty if f == flow})

    def add_notice(self, flow: str) -> None:
        self.notices[flow] = self.notices.get(flow, 0) + 1

    def notice_mark(self, flow: str) -> int:
        return self.notices.get(flow, 0)

    def try_lease(self, flow: str, holder: str, ttl_seconds: float) -> bool:
        return True

    def release_lease(self, flow: str, holder: str) -> None:
        return None

    def renew_leases(self, flows: Collection[str], holder: str, ttl_seconds: float
                     ) -> set[str]:
        return set(flows)  # one process: every lease is its own

    def lease_holders(self) -> dict[str, str]:
        return {}

    def heartbeat(self, holder: str, ttl_seconds: float) -> None:
        return None

    def leave(self, holder: str) -> None:
        return None

    def replicas_alive(self) -> list[str]:
        return []

    def notice_marks(self) -> dict[str, int]:
        return dict(self.notices)

    def close(self) -> None:
        return None


class _Tx:
    def __init__(self, store: MemStore) -> None:
        self.s = store
        self.ops: list[Any] = []

    def save_link(self, link: LinkState) -> None:
        link = copy.copy(link)

        def op() -> None:
            self.s.links[(link.flow, link.link_id)] = link
            self.s.settled.discard((link.flow, link.link_id))
        self.ops.append(op)

    def mark_settled(self, flow: str, link_ids: Collection[str], fingerprint: str, *,
                     fresh: bool) -> None:
        ids = list(link_ids)

        def op() -> None:
            if fresh:
                self.s.settled = {k for k in self.s.settled if k[0] != flow}
            self.s.settled.update((flow, lid) for lid in ids if (flow, lid) in self.s.links)
            self.s.settled_fp[flow] = fingerprint
        self.ops.append(op)

    def drop_link(self, flow: str, link_id: str) -> None:
        def op() -> None:
            self.s.links.pop((flow, link_id), None)
            self.s.settled.discard((flow, link_id))
            for key in [k for k, t in self.s.threads.items()
                        if k[0] == flow and t.link_id == link_id]:
                del self.s.threads[key]
        self.ops.append(op)

    def set_cursor(self, flow: str, endpoint: str, cursor: str | None) -> None:
        self.ops.append(lambda: self.s.cursors.__setitem__((flow, endpoint), cursor))

    def add_intent(self, intent: Intent) -> None:
        self.ops.append(lambda: self.s.intents.setdefault(intent.key, intent))

    def finish_intent(self, key: str, state: IntentState = IntentState.DONE,
                      ref: str | None = None) -> None:
        def op() -> None:
            if key in self.s.intents:
                self.s.intents[key] = replace(self.s.intents[key], state=state)
            for wk, w in self.s.writes.items():
                if w.key == key and w.state is IntentState.PENDING:
                    self.s.writes[wk] = replace(w, state=state, ref=ref or w.ref)
        self.ops.append(op)

    def add_write(self, record: WriteRecord) -> None:
        self.ops.append(lambda: self.s.writes.setdefault((record.run_id, record.key), record))

    def upsert_conflict(self, c: ConflictRecord) -> int:
        for cid, old in self.s.conflict_rows.items():
            if (old.flow, old.link_id, old.field) == (c.flow, c.link_id, c.field) \
                    and not old.resolved_with:
                updated = replace(old, values=c.values)
                self.ops.append(lambda cid=cid, u=updated: self.s.conflict_rows.__setitem__(
                    cid, u))
                return cid
        cid = next(self.s._ids)
        self.ops.append(lambda: self.s.conflict_rows.__setitem__(cid, replace(c, id=cid)))
        return cid

    def resolve_conflict(self, conflict_id: int, endpoint: str) -> None:
        self.ops.append(lambda: self.s.conflict_rows.__setitem__(conflict_id, replace(
            self.s.conflict_rows[conflict_id], resolved_with=endpoint,
            resolved_at=dt.datetime.now(dt.UTC))))

    def put_quarantine(self, q: QuarantineRecord) -> None:
        key = (q.flow, q.endpoint, q.ref, q.kind.value)
        self.ops.append(lambda: self.s.quarantine.__setitem__(key, q))

    def clear_quarantine(self, flow: str, endpoint: str, ref: str,
                         kind: QuarantineKind | None = None) -> None:
        def op() -> None:
            for key in list(self.s.quarantine):
                if key[:3] == (flow, endpoint, ref) and (kind is None or key[3] == kind.value):
                    del self.s.quarantine[key]
        self.ops.append(op)

    def save_thread(self, thread: CommentThread) -> None:
        self.ops.append(lambda: self.s.threads.__setitem__((thread.flow, thread.thread),
                                                           thread))

    def drop_thread(self, flow: str, thread: str) -> None:
        self.ops.append(lambda: self.s.threads.pop((flow, thread), None))

    def comments_dirty(self, flow: str, link_ids: Collection[str], dirty: bool) -> None:
        keys = {(flow, lid) for lid in link_ids}
        if dirty:
            self.ops.append(lambda: self.s.comment_dirty.update(keys))
        else:
            self.ops.append(lambda: self.s.comment_dirty.difference_update(keys))

    def put_health(self, h: HealthRecord) -> None:
        self.ops.append(lambda: self.s.health_rows.__setitem__((h.flow, h.endpoint), h))

    def put_incident(self, i: Incident) -> None:
        self.ops.append(lambda: self.s.incident_rows.__setitem__(i.key, i))

    def drop_incident(self, key: str) -> None:
        self.ops.append(lambda: self.s.incident_rows.pop(key, None))

    def set_notified(self, target: str, at: dt.datetime) -> None:
        self.ops.append(lambda: self.s.notified_at.__setitem__(target, at))
