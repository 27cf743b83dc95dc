"""Writing to Jira in as few requests as Jira Cloud allows.

**Creates** go out 50 a request through ``POST /rest/api/3/issue/bulk`` (``createIssues`` in
Jira Cloud's OpenAPI spec: ``issueUpdates`` of up to 50, each an ``IssueUpdateDetails`` with
``fields``, ``properties`` and ``transition``; a 201 answers the created ones in ``issues``
and the refused ones in ``errors`` by ``failedElementNumber``, a 400 when none was created).
The origin marker is an entity property *in the create itself* (bulk create takes
``properties``), so no issue exists without it: a batch whose answer was lost is found by
its markers in a later round (:meth:`JiraAdapter.find_by_origin`), never made twice. Each
refused element is that write's error; the others are made.

A status other than the workflow's initial one rides in the create as its ``transition``
(the id of the transition out of the initial status to it). The start is learnt once per
issue type, from the first issue of that type created here: its status (one read) and, once
a create wants another status, the transitions out of it (one more); until then, and when a
transition made on create is refused (its nested ``transition`` answer), the new issue is
moved by a transition request of its own.

**What landed** is built from what was sent and the create's answer (id, key): Jira stores
the fields as sent, up to what :meth:`JiraAdapter.represent` already says (a due's time, the
description's one Markdown spelling, an assignee Jira does not know, the priority's name);
the status is the target when its transition was made, else the initial one. No read back.

**Updates** are one ``PUT /issue/{id}`` (fields, and the marker and assignee note as
``properties`` of the same edit), plus a transition for a status: its options
(``GET .../transitions``) and the move (``POST``). No read before: Jira has no conditional
update (no ETag, no If-Match), so ``expected_version`` cannot be checked without a read that
leaves the race open anyway; the hub's merge of the listing is the check. No read after: the
answer is a 204, so the adapter ``echoes_writes`` (what was sent; the rest as last listed).

**Rate limits**: a 429 (``Retry-After``, mapped by :func:`adapters.jira.client.error_for` to
:class:`hub.errors.RateLimited` with its wait; ``X-RateLimit-Reset`` when there is no
``Retry-After``) is raised from :meth:`JiraWriter.write_batch` only while nothing in the batch
was applied, so the hub waits and sends the batch again; later in a batch, the writes not yet
sent fail with it (made next round, nothing duplicated). A lost answer is never raised: every
create of that request is "maybe applied", found by its marker next round.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.contract import RemoteItem, WriteKind, WriteOp, WriteResult
from adapters.jira.client import SERVICE, error_for
from adapters.jira.people import PEOPLE_PROPERTY
from hub.errors import NotFound, RateLimited, SyncHubError, Transient, ValidationRejected
from hub.model import Item, Status, StatusKind

if TYPE_CHECKING:
    from adapters.jira.adapter import JiraAdapter

log = logging.getLogger("synchub.jira")
BULK = 50  # issues a bulk create may hold (Jira answers 400 beyond)
PROPERTY = "synchub"


@dataclass
class Start:
    """An issue type's initial status and the transitions out of it (target -> id)."""

    status: str
    moves: dict[str, str] | None  # None: not read yet (no create here needed another)


@dataclass
class _Pending:
    """One create of a bulk request: the op, its body and the transition it carries."""

    op: WriteOp
    body: dict[str, Any]
    kind: str  # issue type name
    target: str | None  # the status it is to have (None: the initial one is fine)


class JiraWriter:
    def __init__(self, adapter: JiraAdapter) -> None:
        self.a = adapter
        self.levels: dict[str, int] = {}  # issue id -> its hierarchy level (parents)
        self.starts: dict[str, Start] = {}  # issue type name -> its workflow's start
        self._applied = False  # whether the batch being sent has applied a write yet

    # -- the batch --------------------------------------------------------------------------

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        self.a.planning  # noqa: B018 (the fields this endpoint writes: read on first use)
        self._applied = False
        results: dict[int, WriteResult] = {}
        creates = [(i, op) for i, op in enumerate(ops) if op.kind is WriteKind.CREATE]
        for start in range(0, len(creates), BULK):
            chunk = creates[start:start + BULK]
            done = self._guarded([op for _, op in chunk], self._create_chunk)
            results.update((i, r) for (i, _), r in zip(chunk, done, strict=True))
        for i, op in enumerate(ops):
            if op.kind is not WriteKind.CREATE:
                results[i] = self._guarded([op], lambda one: [self._single(one[0])])[0]
        return [results[i] for i in range(len(ops))]

    def _guarded(self, ops: list[WriteOp],
                 send: Callable[[list[WriteOp]], list[WriteResult]]) -> list[WriteResult]:
        """``send(ops)``; its failure is each op's error, but a 429 or a 5xx (nothing
        applied) before anything in the batch was applied is raised, for the hub to wait it
        out and send the batch again. A failure that may have been applied (an answer lost)
        is never raised: the hub would send it again, and Jira has no idempotency key."""
        try:
            return send(ops)
        except (RateLimited, Transient) as exc:
            if not self._applied and not (isinstance(exc, Transient) and exc.maybe_applied):
                raise
            return [WriteResult(op, error=exc) for op in ops]
        except SyncHubError as exc:
            return [WriteResult(op, error=exc) for op in ops]

    def _wrote(self) -> None:
        self._applied = True

    # -- creates ----------------------------------------------------------------------------

    def _create_chunk(self, ops: list[WriteOp]) -> list[WriteResult]:
        out: dict[int, WriteResult] = {}
        pending: list[tuple[int, _Pending]] = []
        for n, op in enumerate(ops):
            try:
                pending.append((n, self._prepare(op)))
            except RateLimited:
                raise
            except SyncHubError as exc:  # e.g. a sprint that does not exist: this op only
                out[n] = WriteResult(op, error=exc)
        if pending:
            out.update(self._send(pending))
        return [out[n] for n in range(len(ops))]

    def _prepare(self, op: WriteOp) -> _Pending:
        a = self.a
        assert op.item is not None and op.origin is not None
        fields = a._fields(op.item, a.capabilities.fields)
        kind = self._issue_type(op.item.parent)
        fields["project"] = {"key": a.ctx.options.get("project")}
        fields["issuetype"] = {"name": kind}
        props = [{"key": PROPERTY, "value": {"origin": op.origin}}]
        note = a.people.note((fields.get("assignee") or {}).get("accountId"))
        if note is not None:
            props.append({"key": PEOPLE_PROPERTY, "value": note})
        body: dict[str, Any] = {"fields": fields, "properties": props}
        target = a._target(op.item.status) if "status" in a.capabilities.fields else None
        start = self.starts.get(kind)
        if target is not None and start is not None:
            if target == start.status:
                target = None
            elif start.moves is not None and target in start.moves:
                body["transition"] = {"id": start.moves[target]}
        return _Pending(op, body, kind, target)

    def _send(self, pending: list[tuple[int, _Pending]], *, again: bool = True
              ) -> dict[int, WriteResult]:
        answer = self.a.client.bulk_create([p.body for _, p in pending])
        self._wrote()
        refused = {int(e.get("failedElementNumber", -1)): e for e in answer.get("errors") or []}
        created = iter(answer.get("issues") or [])
        out: dict[int, WriteResult] = {}
        untracked: list[tuple[int, _Pending]] = []
        for place, (n, p) in enumerate(pending):
            if place in refused:
                err = _element_error(refused[place])
                if again and self._retry_untracked(err):
                    untracked.append((n, p))
                else:
                    out[n] = WriteResult(p.op, error=err)
                continue
            out[n] = self._landed_create(p, next(created))
        if untracked:  # time tracking is off: the same creates once more, without estimates
            out.update(self._send([(n, self._prepare(p.op)) for n, p in untracked],
                                  again=False))
        return out

    def _retry_untracked(self, err: SyncHubError) -> bool:
        """Whether a refused create is to be sent again without its estimate: Jira refused
        time tracking (duration leaves this endpoint's fields, said once)."""
        from adapters.jira.adapter import _untracked

        if not isinstance(err, ValidationRejected) or not _untracked(err):
            return False
        if "duration" in self.a.capabilities.fields:
            self.a._without_estimates(err)
        return True

    def _landed_create(self, p: _Pending, created: dict[str, Any]) -> WriteResult:
        """The issue as made: the target status when the create's transition was made (or
        one made now). When the move fails after the issue exists, it is a partial create in
        its start status (the link agrees on that; the status is written next round), or,
        where the start is not known, "maybe applied": found by its marker next round.
        Never made twice."""
        ref, op = str(created["id"]), p.op
        assert op.item is not None
        standard = str(self.a.ctx.options.get("issue_type", "Task"))
        self.levels[ref] = 0 if p.kind == standard else -1
        nested = created.get("transition")
        made = nested is not None and int(nested.get("status", 400)) < 300
        try:
            if nested is not None and not made:
                self.starts.pop(p.kind, None)  # the workflow changed: learn it again
            if p.target is not None and not made:
                self._move_new(ref, p.kind, p.target)
        except SyncHubError as exc:
            start = self._start_status(p.kind)
            if start is None:  # what landed is not known: the executor finds it by marker
                return WriteResult(op, error=Transient(
                    f"issue {ref} created, but then: {exc}", service=SERVICE,
                    maybe_applied=True))
            log.info("jira: issue %s created in %s, not moved: %s", ref, start.raw, exc)
            return WriteResult(op, self.landed(ref, str(created["key"]), op.item, op.origin,
                                               status=start), partial=True)
        status = None if "status" in self.a.capabilities.fields else self._start_status(p.kind)
        return WriteResult(op, self.landed(ref, str(created["key"]), op.item, op.origin,
                                           status=status))

    def _move_new(self, ref: str, kind: str, target: str) -> None:
        """Move a new issue (in its type's initial status) to ``target``. The start is
        learnt once a type: the status (one read), and the transitions out of it (one more)
        only once a target differs; then each move is one transition request."""
        client = self.a.client
        start = self.starts.get(kind)
        if start is None:
            raw = client.raw("GET", f"issue/{ref}?fields=status")
            start = self.starts[kind] = Start(str(raw["fields"]["status"]["name"]), None)
        if target == start.status:
            return
        if start.moves is None:
            options = client.call(lambda: client.jira.transitions(ref))
            start.moves = {str(t["to"]["name"]): str(t["id"]) for t in options}
        if target not in start.moves:
            names = ", ".join(sorted(start.moves)) or "none"
            raise ValidationRejected(
                f"the workflow has no transition from {start.status!r} to {target!r} for "
                f"issue {ref}; reachable: {names}. Map the status to a reachable one.",
                service=SERVICE)
        tid = start.moves[target]
        client.call(lambda: client.jira.transition_issue(ref, tid), write=True)

    def _start_status(self, kind: str) -> Status | None:
        start = self.starts.get(kind)
        if start is None:
            return None
        canonical = self.a.status_map.to_canonical.get(start.status)
        return Status(kind=StatusKind(canonical) if canonical else StatusKind.OPEN,
                      raw=start.status)

    def _issue_type(self, parent: str | None) -> str:
        """The type of a new issue. Jira's hierarchy decides: under an epic (level 1) a
        standard issue (``options.issue_type``); under a standard issue a sub-task
        (``options.subtask_issue_type``, "Sub-task" in company-managed projects). A parent's
        level is read once (none for one created here)."""
        options = self.a.ctx.options
        standard = str(options.get("issue_type", "Task"))
        if parent is None:
            return standard
        if parent not in self.levels:
            kind = self.a.client.raw("GET", f"issue/{parent}?fields=issuetype")[
                "fields"]["issuetype"]
            self.levels[parent] = -1 if kind.get("subtask") else \
                int(kind.get("hierarchyLevel", 0))
        if self.levels[parent] <= 0:
            return str(options.get("subtask_issue_type", "Sub-task"))
        return standard

    # -- updates and deletes ----------------------------------------------------------------

    def _single(self, op: WriteOp) -> WriteResult:
        assert op.ref is not None
        if op.kind is WriteKind.DELETE:
            with contextlib.suppress(NotFound):  # already gone: done
                self.a.client.raw("DELETE", f"issue/{op.ref}", write=True)
            self._wrote()
            return WriteResult(op)
        return WriteResult(op, self._update(op))

    def _update(self, op: WriteOp) -> RemoteItem:
        a, ref, item = self.a, str(op.ref), op.item
        assert item is not None
        wanted = op.fields & a.capabilities.fields
        edits = a._fields(item, frozenset(wanted - {"status"}), ref)
        props = [{"key": PROPERTY, "value": {"origin": op.origin}}] if op.origin else []
        note = a.people.note((edits.get("assignee") or {}).get("accountId"))
        if note is not None:
            props.append({"key": PEOPLE_PROPERTY, "value": note})
        if edits:
            self._edit(ref, edits, props)
        else:  # no field to edit: each property by itself
            for prop in props:
                a.client.raw("PUT", f"issue/{ref}/properties/{prop['key']}", prop["value"],
                             write=True)
                self._wrote()
        if "status" in wanted:
            a._transition(ref, item.status)
            self._wrote()
        return self.landed(ref, None, item, op.origin)

    def _edit(self, ref: str, edits: dict[str, Any], props: list[dict[str, Any]]) -> None:
        """One edit: the fields and, as its ``properties``, the marker and the note."""
        body: dict[str, Any] = {"fields": edits}
        if props:
            body["properties"] = props
        try:
            self.a.client.raw("PUT", f"issue/{ref}", body, write=True)
        except ValidationRejected as exc:
            self.a._without_estimates(exc)
            edits.pop("timetracking", None)
            if not edits and not props:
                return
            self.a.client.raw("PUT", f"issue/{ref}", body, write=True)
        self._wrote()

    # -- what landed ------------------------------------------------------------------------

    def landed(self, ref: str, key: str | None, item: Item, origin: str | None, *,
               status: Status | None = None) -> RemoteItem:
        """The copy as Jira now holds it, from what was sent: each synced field as
        :meth:`JiraAdapter.represent` says Jira keeps it (``status``: as given instead,
        when the copy is in another status than the one sent). No version: Jira's is
        ``updated``, which no write answers with."""
        a = self.a
        values = {f: a.represent(f, item.value(f)) for f in a.capabilities.fields}
        if status is not None:
            values["status"] = status
        url = f"{a.client.url}/browse/{key}" if key else item.url
        return RemoteItem(ref=ref, item=Item().evolve(**values, url=url, origin=origin,
                                                      updated_at=a.client.server_time))


def _element_error(error: dict[str, Any]) -> SyncHubError:
    """One refused element of a bulk create, as the error a single create would raise."""
    detail = error.get("elementErrors") or {}
    status = int(error.get("status") or detail.get("status") or 400)
    return error_for(status, json.dumps(detail))
