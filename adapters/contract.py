"""The one contract every service adapter implements: what an adapter is and returns.

Terminology: an **adapter** is one configured endpoint's view of a service (a Jira JQL scope,
a Todoist project, a Notion data source, a Google calendar). It speaks canonical
:class:`hub.model.Item` outward and the service's wire format (through the official client)
inward. It holds no sync state: the hub gives it a cursor and gets a new one back.

Rules every adapter follows (checked by ``tests/contract``):

- ``changes(cursor)`` returns what changed since ``cursor`` (everything when ``None``). A
  deletion is only ever reported explicitly in ``gone``; absence from a listing means nothing.
  A listing that fails part-way raises; it never returns a partial result as if complete.
- ``create`` writes the origin marker on the remote copy, so ``find_by_origin`` can find it
  after a crash, and uses ``idempotency_key`` where the service supports one.
- ``update`` writes only ``fields`` and, when ``expected_version`` is given and the service
  supports it, fails with :class:`hub.errors.Conflict` if the copy changed meanwhile. With
  ``origin`` it also writes the origin marker on a copy that carries none (an item a first
  sync matched by key, which synchub did not create), in the same request where the service
  allows; ``fields`` may then be empty. The copy it returns carries the marker.
- Converting an item to the remote form and back gives the same item on every field in
  ``capabilities.fields`` (the round-trip property).
- ``represent(field, value)`` is what the service holds after writing ``value``; the hub
  compares copies with it. Adapters inherit the identity from
  :class:`adapters.toolkit.AdapterBase` and override it for their lossy fields only.
- Errors are raised as the classes in :mod:`hub.errors`, mapped from HTTP statuses in one table
  (the shared rows in :func:`adapters.toolkit.status_error`, the service's own in its client).
- One listed item that cannot be converted is reported in ``ChangeSet.unreadable`` and the
  listing goes on; ``get`` of it raises :class:`hub.errors.ValidationRejected` with the same
  reason (P14). The loop is written once, in :mod:`adapters.reading`.
- Building an adapter (``AdapterFactory.build``) and reading ``capabilities`` make no request:
  a service that is down when the hub starts fails that endpoint's first call in a round,
  never the start-up of every flow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from hub.errors import SyncHubError
from hub.model import Item


@dataclass(frozen=True)
class RequestBudget:
    """At most ``requests`` per ``per_seconds`` window (the service's documented limit).

    ``batch_calls``: the service counts every call inside a batch request against the limit
    (Google: a batch of n calls is n queries), so the hub reserves one per call, not one per
    batch request.

    ``per_request``: the adapter paces each request it sends itself, through
    :func:`adapters.pacing.paced`, so one hub call that sends several (a listing's pages, the
    reads a batch of writes depends on, then the batch) reserves each as it goes out instead
    of one up front."""

    requests: int
    per_seconds: float
    batch_calls: bool = False
    per_request: bool = False


@dataclass(frozen=True)
class Capabilities:
    """What an adapter can do; the planner never asks it for more.

    ``fields``: the canonical fields this adapter reads and writes faithfully.
    ``read_only``: never written (P11), whatever the config says.
    ``batch_size``: how many writes one request can carry (1 = no batching).
    """

    fields: frozenset[str]
    read_only: bool = False
    batch_size: int = 1
    request_budget: RequestBudget | None = None
    can_delete: bool = True
    idempotent_create: bool = False  # the service itself de-duplicates by idempotency key
    #: a copy is only created here for items with at least one of these fields set (a calendar
    #: needs a due date or a span); empty = any item.
    create_requires_any: frozenset[str] = frozenset()
    #: how coarse the service's last-modified times are, in seconds (Notion rounds down to
    #: the minute): an edit is only "older" than another by more than this
    timestamp_precision: float = 0.0
    #: how long after a create ``find_by_origin`` may not see it yet, in seconds (Jira finds
    #: markers through its search index, which lags writes): a lost create answer is then
    #: confirmed in a later round instead of being tried again
    marker_lag: float = 0.0
    #: a write answers with the values sent, not the copy as it now is (Todoist's /sync
    #: answers a status per command): after an update, the fields it did not write keep the
    #: values last read, instead of taking the link's values the copy may not hold (a field
    #: in a ``manual`` conflict would look settled)
    echoes_writes: bool = False
    #: a recurring item here is one series from its first occurrence (a calendar event's
    #: DTSTART), not a task at its current occurrence: a completed occurrence never moves it
    series: bool = False
    #: completing a parent here completes its open sub-tasks, and reopening a sub-task
    #: reopens its completed parents (Todoist's ``item_complete`` and ``item_uncomplete``):
    #: the hub holds such a write while it would change a copy that is not meant to change
    #: (:mod:`hub.planner.nesting`)
    nests_completion: bool = False
    #: completing one occurrence of a recurring item here moves it on by itself (Todoist's
    #: checkbox is ``item_close``: the task stays open at its next date), so a recurring
    #: item read as *done* here was completed for good (Todoist's "complete forever"), not
    #: one occurrence: the series ends everywhere instead of rolling on
    rolls_occurrences: bool = False


@dataclass(frozen=True)
class RemoteItem:
    """A copy as read from (or just written to) a service."""

    ref: str  # the service's id for the copy
    item: Item
    version: str | None = None  # etag / revision for optimistic concurrency; None if unsupported
    #: canonical field -> when a *person* last set it on this copy, for services that keep
    #: per-field history (Jira's changelog). synchub's own writes do not count: the value they
    #: carry was decided from another copy, whose time is the one that matters. A field left
    #: out falls back to ``item.updated_at``. Used by the ``newest`` conflict policy.
    field_times: Mapping[str, dt.datetime] = field(default_factory=dict, compare=False)
    #: listed only so that a link whose state was lost can take it back, never as an item new
    #: to synchub: a recently completed Todoist task (a full listing omits completed tasks,
    #: so one completed while the state was lost would be left out of its re-formed link and
    #: its completion never reach the others). The planner never forms a link of such copies
    #: alone, nor matches them by key with new items, so a first sync copies no history.
    rejoin_only: bool = field(default=False, compare=False)
    #: when the copy was made, where the service says (Todoist's ``added_at``, Notion's
    #: ``created_time``, to its ``timestamp_precision``): with ``markers: false`` a create
    #: whose answer was lost is only recognised in an item made after it was journalled, never
    #: in an older namesake (:func:`hub.round.recovery.find_by_key`)
    created_at: dt.datetime | None = field(default=None, compare=False)


class Gone(StrEnum):
    DELETED = "deleted"  # the user deleted (or trashed) it
    OUT_OF_SCOPE = "out_of_scope"  # it still exists but left the endpoint's scope


@dataclass(frozen=True)
class Unreadable:
    """An item a listing returned but the adapter could not turn into a canonical item (a
    zone no tz database knows, a date out of range, a shape the converter does not expect).

    It is reported instead of raised, so one odd item never stops the round or its cursor
    (P14): the hub quarantines it by ``ref``, names it to the user and reads it again later
    with :meth:`Adapter.get` (which raises :class:`hub.errors.ValidationRejected` while it is
    still unreadable)."""

    ref: str
    title: str  # as much of a title as could be read ("" when none)
    reason: str  # one line, for people: what is wrong and, where known, how to fix it


@dataclass(frozen=True)
class ChangeSet:
    """Result of one observation. ``cursor`` is opaque and only stored after the round commits.

    ``unreadable`` items are neither changes nor deletions: absence from ``items`` means
    nothing, as always."""

    items: tuple[RemoteItem, ...] = ()
    gone: Mapping[str, Gone] = field(default_factory=dict)
    cursor: str | None = None
    requests: int = 0  # requests this observation cost (for benchmarks and budgets)
    unreadable: tuple[Unreadable, ...] = ()
    #: copies whose comments changed while the copy itself did not (Todoist lists a note
    #: apart from its task): the hub reads their comments too (:mod:`adapters.commenting`)
    touched: frozenset[str] = frozenset()


class WriteKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class WriteOp:
    """One write, as handed to a batching adapter."""

    kind: WriteKind
    idempotency_key: str
    item: Item | None = None
    ref: str | None = None
    fields: frozenset[str] = frozenset()
    expected_version: str | None = None
    origin: str | None = None
    #: this update records one occurrence of a recurring item done (the item moves on to the
    #: next, given in ``item``): a service that recurs itself closes that occurrence its own
    #: way (Todoist's ``item_close``); every other adapter writes ``fields`` as usual
    occurrence_done: bool = False


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one :class:`WriteOp`: a remote item (create/update), ``None`` (delete) or
    the error it failed with. A batch never raises for one op's failure."""

    op: WriteOp
    remote: RemoteItem | None = None
    error: SyncHubError | None = None
    #: a create that landed only in part (Jira's issue made, its status transition then
    #: refused): ``remote`` is what landed, and the link agrees on that, as on a create found
    #: by its marker after a lost answer, so the rest is written as an update next round
    #: instead of the gap reading as a person's edit there
    partial: bool = False


@runtime_checkable
class Adapter(Protocol):
    """A configured endpoint. See the module docstring for the rules."""

    name: str
    capabilities: Capabilities

    def changes(self, cursor: str | None) -> ChangeSet: ...

    def get(self, ref: str) -> RemoteItem | None: ...

    def create(self, item: Item, *, origin: str, idempotency_key: str) -> RemoteItem: ...

    def update(
        self,
        ref: str,
        item: Item,
        *,
        fields: frozenset[str],
        expected_version: str | None,
        idempotency_key: str,
        origin: str | None = None,
    ) -> RemoteItem: ...

    def delete(self, ref: str, *, expected_version: str | None) -> None: ...

    def find_by_origin(self, origin: str) -> RemoteItem | None: ...

    def represent(self, field: str, value: Any) -> Any:
        """The canonical value the service would hold after writing ``value`` (see
        :class:`Representing`); the value itself for a service that holds every value as
        given (:class:`adapters.toolkit.AdapterBase` says so once for all of them)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Representing(Protocol):
    """``represent(field, value)`` is the canonical value the service would hold after
    writing ``value`` (Todoist stores priority 1 and "none" alike). The planner compares
    copies with it, so a lossy field does not ping-pong between services.

    Every :class:`Adapter` has it (an adapter without a lossy field inherits the identity
    from :class:`adapters.toolkit.AdapterBase`); the name stays for what only needs this."""

    def represent(self, field: str, value: Any) -> Any: ...


@runtime_checkable
class RepresentsInPlace(Protocol):
    """Optional, for a service where what a copy can hold depends on where it is: a Todoist
    sub-task lives in its parent's section, so with sections as statuses it holds only open
    or done. ``represent_in(field, value, copy)`` is what the service holds after writing
    ``value`` to a copy placed as ``copy`` is once written (its ``parent``, canonical; only
    whether it has one counts). The hub compares copies with it instead of
    :meth:`Adapter.represent`, so a value the copy cannot hold there is neither written
    round after round nor read back as a person's edit."""

    def represent_in(self, field: str, value: Any, copy: Item) -> Any: ...


@runtime_checkable
class LearnsCreated(Protocol):
    """Optional on an adapter whose cursor compares listings with the ids it knows (a
    reconcile), for services that never report a delete themselves (Jira, Notion, a purged
    Google event). The hub tells it the copies it created in the round, before storing the
    cursor: a copy a person deletes before any listing returned it would otherwise never be
    known, so never missed, and its delete would never reach the other services (P4)."""

    def remember_created(self, cursor: str | None, refs: Sequence[str]) -> str | None:
        """The cursor to store: ``cursor`` (this round's) knowing ``refs`` too."""
        ...


@runtime_checkable
class Verifying(Protocol):
    """Optional: ``verify()`` checks the endpoint's scope and mapping against the service in
    a request or two (the Jira JQL and project, the Todoist project, the Notion properties,
    the calendar) and says what it found; ``synchub check --probe`` calls it, so a scope or a
    property name that does not exist is found before the first round, not by it. Raises
    the :class:`~hub.errors.SyncHubError` a round would meet."""

    def verify(self) -> str: ...


@runtime_checkable
class BatchingAdapter(Adapter, Protocol):
    """An adapter that can send several writes in one request (Todoist /sync, Google batch)."""

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]: ...
