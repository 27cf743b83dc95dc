"""An in-memory service and its adapter: the reference implementation of the contract.

:class:`MemoryService` plays the remote service (records, versions, a change log, idempotency
keys, faults); :class:`MemoryAdapter` is an endpoint's view of it. Several adapters may share one
service (to model two flows on one Todoist account). Used by the planner/executor tests, the
state-machine test, the benchmark and the demo.

Fault names match :mod:`adapters.faults`; operations are ``changes``, ``get``, ``create``,
``update``, ``delete`` and ``find_by_origin``.

Unreadable items (P14): :meth:`MemoryService.poison` makes a record read as a real service's
odd item would (a zone no database knows, a date out of range): listings report it in
``ChangeSet.unreadable`` with the given reason, and ``get``/``find_by_origin`` of it (and the
answer of a write to it, which still lands) raise :class:`hub.errors.ValidationRejected`
with that reason. :meth:`MemoryService.unpoison` is the user fixing it. Both count as a
user's edit: the record comes in the next incremental listing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from adapters.base import (
    Capabilities,
    ChangeSet,
    EndpointContext,
    Gone,
    RemoteItem,
)
from adapters.faults import FaultKind, FaultPlan
from adapters.memory import comments
from adapters.memory.comments import MemComment, MemoryComments
from adapters.reading import convert_each, convert_one
from adapters.toolkit import AdapterBase
from hub.errors import Conflict, NotFound, RateLimited, Transient, ValidationRejected
from hub.model import SYNC_FIELDS, Item

if TYPE_CHECKING:
    from adapters.memory.sandbox import MemorySandbox

ALL_FIELDS = frozenset(SYNC_FIELDS)

_WRITES = {"create", "update", "delete"}


@dataclass
class _Record:
    item: Item
    version: int
    seq: int
    deleted: bool = False
    #: when a person last set each field (user_create / user_edit with ``updated_at``);
    #: synchub's writes leave it alone, as Jira's changelog is read without synchub's entries
    field_times: dict[str, dt.datetime] = field(default_factory=dict)


@dataclass
class MemoryService:
    """The "remote" side. Thread-safe so the daemon tests can poke it while a round runs."""

    name: str = "memory"
    records: dict[str, _Record] = field(default_factory=dict)
    faults: FaultPlan = field(default_factory=FaultPlan)
    requests: Counter[str] = field(default_factory=Counter)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _idem: dict[str, str] = field(default_factory=dict)
    _last_seq: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    #: when each request arrived and which fault it met: lets tests check Retry-After and
    #: request budgets (P12) against an injectable clock
    clock: Callable[[], float] = time.monotonic
    log: list[tuple[float, str, FaultKind | None, float]] = field(default_factory=list)
    #: ref -> why it cannot be read (see :meth:`poison`)
    poisoned: dict[str, str] = field(default_factory=dict)
    #: like Jira's 255-character summary: a longer title is refused for good (400), so tests
    #: can drive a write the service will never take (None: any length)
    max_title: int | None = None
    #: item ref -> its comments (adapters.memory.comments); ``comments_listed``: a person's
    #: comment shows the item in the next listing (Jira); off: it does not (Notion)
    comments: dict[str, list[MemComment]] = field(default_factory=dict)
    comments_listed: bool = True
    #: see adapters.memory.comments: a length limit, the service's own Markdown spelling,
    #: whether a comment not listed is deleted (False: hidden, as a resolved discussion)
    comment_limit: int | None = None
    comment_spelling: Callable[[str], str] | None = None
    comments_absent_is_delete: bool = True
    hidden: list[MemComment] = field(default_factory=list)

    def _check(self, item: Item, fields: frozenset[str] | None = None) -> None:
        if self.max_title is not None and (fields is None or "title" in fields) \
                and len(item.title) > self.max_title:
            raise ValidationRejected(f"title longer than {self.max_title} characters",
                                     service=self.name)

    # -- out-of-band edits, as a user in the service's own UI would make them -----------------

    def user_create(self, item: Item) -> str:
        with self._lock:
            ref = f"{self.name}-{next(self._ids)}"
            at = item.updated_at
            self.records[ref] = _Record(item=item, version=1, seq=self._next(), field_times={
                f: at for f in SYNC_FIELDS} if at is not None else {})
            return ref

    def user_edit(self, ref: str, **changes: object) -> None:
        with self._lock:
            rec = self.records[ref]
            before = rec.item
            rec.item = rec.item.evolve(**changes)
            if rec.item.updated_at is not None:
                rec.field_times.update({f: rec.item.updated_at for f in SYNC_FIELDS
                                        if getattr(rec.item, f) != getattr(before, f)})
            rec.version += 1
            rec.seq = self._next()

    def user_comment(self, ref: str, text: str, author: str = "Ana Lima") -> str:
        """A person comments on ``ref``; returns the comment's id."""
        return comments.add(self, ref, text, author).ref

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None:
        comments.edit(self, ref, comment_ref, text)

    def user_delete_comment(self, ref: str, comment_ref: str) -> None:
        comments.delete(self, ref, comment_ref)

    def user_resolve_comment(self, ref: str, comment_ref: str) -> None:
        comments.hide(self, ref, comment_ref)

    def user_delete(self, ref: str) -> None:
        with self._lock:
            rec = self.records[ref]
            rec.deleted = True
            rec.version += 1
            rec.seq = self._next()

    def poison(self, ref: str, reason: str = "a value cannot be read") -> None:
        """From now on ``ref`` reads as unreadable with ``reason`` (one line), as if the user
        had given it a value no converter accepts; a change, so the next listing has it."""
        with self._lock:
            rec = self.records[ref]
            self.poisoned[ref] = reason
            rec.version += 1
            rec.seq = self._next()

    def unpoison(self, ref: str) -> None:
        """The user fixed ``ref``: it reads normally again and comes in the next listing."""
        with self._lock:
            rec = self.records[ref]
            self.poisoned.pop(ref, None)
            rec.version += 1
            rec.seq = self._next()

    def live(self) -> dict[str, Item]:
        with self._lock:
            return {r: rec.item for r, rec in self.records.items() if not rec.deleted}

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def write_count(self) -> int:
        return sum(v for k, v in self.requests.items() if k in _WRITES)

    # -- internals ----------------------------------------------------------------------------

    def _next(self) -> int:
        self._last_seq = next(self._seq)
        return self._last_seq

    def _enter(self, op: str) -> FaultKind | None:
        """Count the request and apply a fault that happens *before* the operation."""
        self.requests[op] += 1
        fault = self.faults.take(op, op in _WRITES)
        self.log.append((self.clock(), op, fault.kind if fault else None,
                         fault.retry_after if fault else 0.0))
        if fault is None:
            return None
        if fault.kind is FaultKind.RATE_LIMIT:
            raise RateLimited("429 Too Many Requests", retry_after=fault.retry_after,
                              service=self.name)
        if fault.kind in (FaultKind.SERVER_ERROR, FaultKind.OUTAGE):
            raise Transient(f"{fault.status} Service Unavailable", service=self.name)
        return fault.kind


class MemoryScope(BaseModel):
    """Scope of a memory endpoint: everything, or only items carrying ``label``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    label: str | None = None
    read_only: bool = False


class MemoryConnection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    service: str = "memory"  # name of the shared in-process service


class MemoryAdapter(MemoryComments, AdapterBase):
    """An endpoint on a :class:`MemoryService`. Implements :class:`adapters.base.Adapter`;
    holds every value as given, so ``represent`` (and ``close``) are :class:`AdapterBase`'s."""

    def __init__(
        self,
        service: MemoryService,
        *,
        name: str | None = None,
        fields: Iterable[str] = ALL_FIELDS,
        label: str | None = None,
        read_only: bool = False,
        field_times: bool = False,
    ) -> None:
        self.service = service
        self.name = name or service.name
        self.label = label
        #: report per-field edit times (as Jira's changelog does) or only item times (as
        #: Todoist, Notion and Google do): tests of the ``newest`` policy use both
        self.field_times = field_times
        self.capabilities = Capabilities(
            fields=frozenset(fields), read_only=read_only, idempotent_create=True
        )

    def _in_scope(self, item: Item) -> bool:
        return self.label is None or self.label in item.labels

    def _read(self, ref: str, rec: _Record) -> RemoteItem:
        if ref in self.service.poisoned:
            raise ValueError(self.service.poisoned[ref])
        times = {f: t for f, t in rec.field_times.items() if f in self.capabilities.fields}
        return RemoteItem(ref=ref, item=self._view(rec.item), version=str(rec.version),
                          field_times=times if self.field_times else {})

    def _remote(self, ref: str, rec: _Record) -> RemoteItem:
        """The copy as read, or ValidationRejected when it is poisoned (as get() of a real
        service's unreadable item)."""
        return convert_one((ref, rec), lambda pair: self._read(*pair), service=self.name)

    def _view(self, item: Item) -> Item:
        """What this endpoint can see: unsupported fields read as empty."""
        if self.capabilities.fields >= ALL_FIELDS:
            return item  # items are immutable: sharing is safe and saves a copy per read
        blank = Item()
        return item.evolve(
            **{f: getattr(blank, f) for f in SYNC_FIELDS if f not in self.capabilities.fields}
        )

    def changes(self, cursor: str | None) -> ChangeSet:
        svc = self.service
        with svc._lock:
            svc._enter("changes")
            since = int(cursor) if cursor else 0
            visible = svc._last_seq - svc.faults.lag()
            listed: list[tuple[str, _Record]] = []
            gone: dict[str, Gone] = {}
            for ref, rec in svc.records.items():
                if not since < rec.seq <= visible:
                    continue
                if rec.deleted:
                    if since:  # a first listing has nothing to forget
                        gone[ref] = Gone.DELETED
                elif self._in_scope(rec.item):
                    listed.append((ref, rec))
                elif since:
                    gone[ref] = Gone.OUT_OF_SCOPE
            items, unreadable = convert_each(
                listed, lambda pair: self._read(*pair), ref=lambda pair: pair[0],
                title=lambda pair: pair[1].item.title, service=self.name)
            new_cursor = str(max(visible, since))
            return ChangeSet(items=tuple(items), gone=gone, cursor=new_cursor, requests=1,
                             unreadable=tuple(unreadable))

    def get(self, ref: str) -> RemoteItem | None:
        svc = self.service
        with svc._lock:
            svc._enter("get")
            rec = svc.records.get(ref)
            if rec is None or rec.deleted:
                return None
            return self._remote(ref, rec)

    def create(self, item: Item, *, origin: str, idempotency_key: str) -> RemoteItem:
        svc = self.service
        with svc._lock:
            fault = svc._enter("create")
            svc._check(item)
            if idempotency_key in svc._idem:  # the service de-duplicates retried creates
                ref = svc._idem[idempotency_key]
                return self._remote(ref, svc.records[ref])
            ref = f"{svc.name}-{next(svc._ids)}"
            stored = self._view(item).evolve(origin=origin)
            svc.records[ref] = _Record(item=stored, version=1, seq=svc._next())
            svc._idem[idempotency_key] = ref
            if fault is FaultKind.TIMEOUT_AFTER_WRITE:
                raise Transient("timed out after sending", service=self.name, maybe_applied=True)
            return self._remote(ref, svc.records[ref])

    def update(
        self,
        ref: str,
        item: Item,
        *,
        fields: frozenset[str],
        expected_version: str | None,
        idempotency_key: str,
        origin: str | None = None,
    ) -> RemoteItem:
        svc = self.service
        with svc._lock:
            fault = svc._enter("update")
            rec = svc.records.get(ref)
            if rec is None or rec.deleted:
                raise NotFound(f"{ref} does not exist", service=self.name)
            if svc._idem.get(idempotency_key) == ref:
                return self._remote(ref, rec)
            if expected_version is not None and expected_version != str(rec.version):
                raise Conflict(f"{ref} changed (version {rec.version})", service=self.name)
            svc._check(item, fields)
            wanted = fields & self.capabilities.fields
            rec.item = rec.item.evolve(**{f: getattr(item, f) for f in wanted})
            if origin is not None and not rec.item.origin:
                rec.item = rec.item.evolve(origin=origin)
            rec.version += 1
            rec.seq = svc._next()
            svc._idem[idempotency_key] = ref
            if fault is FaultKind.TIMEOUT_AFTER_WRITE:
                raise Transient("timed out after sending", service=self.name, maybe_applied=True)
            return self._remote(ref, rec)

    def delete(self, ref: str, *, expected_version: str | None) -> None:
        svc = self.service
        with svc._lock:
            fault = svc._enter("delete")
            rec = svc.records.get(ref)
            if rec is None or rec.deleted:
                return  # deleting what is gone is done, not an error (idempotent retries)
            if expected_version is not None and expected_version != str(rec.version):
                raise Conflict(f"{ref} changed (version {rec.version})", service=self.name)
            rec.deleted = True
            rec.version += 1
            rec.seq = svc._next()
            if fault is FaultKind.TIMEOUT_AFTER_WRITE:
                raise Transient("timed out after sending", service=self.name, maybe_applied=True)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        svc = self.service
        with svc._lock:
            svc._enter("find_by_origin")
            for ref, rec in svc.records.items():
                if not rec.deleted and rec.item.origin == origin:
                    return self._remote(ref, rec)
            return None


#: In-process services by name, so a config can point several endpoints at one service.
SERVICES: dict[str, MemoryService] = {}


def get_service(name: str) -> MemoryService:
    return SERVICES.setdefault(name, MemoryService(name=name))


class MemoryAdapterFactory:
    """Entry point ``memory``: endpoints on named in-process services (tests, demo, bench)."""

    type_name: ClassVar[str] = "memory"
    connection_model: ClassVar[type[BaseModel]] = MemoryConnection
    scope_model: ClassVar[type[BaseModel]] = MemoryScope

    def build(self, connection: BaseModel, scope: BaseModel, ctx: EndpointContext
              ) -> MemoryAdapter:
        assert isinstance(connection, MemoryConnection) and isinstance(scope, MemoryScope)
        fields = ctx.fields if ctx.fields is not None else ALL_FIELDS
        return MemoryAdapter(get_service(connection.service), name=ctx.name, fields=fields,
                             label=scope.label, read_only=scope.read_only)

    def probe(self, connection: BaseModel) -> str:
        assert isinstance(connection, MemoryConnection)
        return f"in-memory service {connection.service!r}"

    def sandbox(self, port: int = 0) -> MemorySandbox:
        """A fresh named service and a user of it (:class:`adapters.base.SandboxFactory`)."""
        from adapters.memory.sandbox import MemorySandbox  # it imports this module

        return MemorySandbox(port=port)
