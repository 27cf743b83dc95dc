"""The Todoist endpoint: a project (optionally one section or label) as a set of copies.

Reading is incremental through ``/sync`` with the stored ``sync_token``: a quiet round is one
request. Writes are ``/sync`` commands, up to 100 per request (and under Todoist's 1 MiB body),
each command's uuid derived from the idempotency key, so a retried batch is never applied
twice. A create is one ``item_add`` whose description ends with the origin marker
(:mod:`.marker`: the title stays the user's, and a create can never land without its
marker); tasks made by earlier versions, whose marker is a comment, are still read.
Todoist's request limits are kept by the client (:mod:`.client`, :mod:`.quota`).

Completing: Todoist's own close semantics, for each of the two things a completion can be.
One occurrence of a recurring task done elsewhere (``WriteOp.occurrence_done``, planned by
:mod:`hub.planner.recurring` under the flow's ``recurring.on_complete``) is ``item_close``
(which "does exactly what official clients do": a recurring task is "scheduled to its next
occurrence" and stays open), followed by the hub's next due date, so Todoist's activity shows
the occurrence completed and every copy agrees on the next one. A status done for good (a
task that does not recur, or whose occurrences are used up) is ``item_complete`` ("completes
a task and its sub-tasks and moves them to the archive"): after ``item_close`` such a task
would read back open with a later date, which the next round would carry back and reopen
the copy that was completed. A recurring task completed in the Todoist app moves on as the
app does, and synchub reads the new date. The commands and the Todoist API v1 text for each:
tests/adapters/todoist/test_sync_commands.py.

Sections as statuses, and sub-tasks (which hold none): :mod:`.board`.

Optimistic concurrency: Todoist has no etags. ``update`` with an expected version reads the
task first and compares ``updated_at`` (one extra request; a change in the moment between the
read and the write is not detected). Batched writes skip that check; the planner has just
read the copies it writes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote_plus

from adapters.base import (
    Capabilities,
    ChangeSet,
    EndpointContext,
    Gone,
    RemoteItem,
    Unreadable,
    WriteKind,
    WriteOp,
    WriteResult,
)
from adapters.context import DiscoveryKey, recall
from adapters.reading import convert_each, convert_one
from adapters.todoist import convert, marker, planning
from adapters.todoist.board import SectionBoard
from adapters.todoist.client import SERVICE, TodoistClient, error_for
from adapters.todoist.comments import TodoistComments
from adapters.toolkit import AdapterBase, BatchWrites
from hub.errors import (
    ConfigError,
    Conflict,
    NotFound,
    SyncHubError,
    Transient,
    ValidationRejected,
)
from hub.model import Item, StatusKind

FIELDS = frozenset({"title", "description", "status", "due", "deadline", "duration", "priority",
                    "labels", "assignee", "recurrence", "parent"})
#: how far back a full listing looks for completed tasks (Todoist allows three months a query)
COMPLETED_WINDOW = dt.timedelta(days=30)
MARKER_RE = marker.NOTE_RE
BATCH = 100
#: the form-encoded body a write request may fill (Todoist refuses one over 1 MiB: 413)
BODY_ROOM = (1 << 20) - 4096
NS = uuid.UUID("5e0c8b5e-8f1d-4a6e-9d43-1c2b8f2a7d10")


def command_uuid(key: str, part: str = "") -> str:
    return str(uuid.uuid5(NS, f"{key}:{part}"))


class TodoistAdapter(TodoistComments, SectionBoard, BatchWrites, AdapterBase):
    marker_re = MARKER_RE  # the comments (adapters.todoist.comments) never list a marker

    def __init__(self, client: TodoistClient, ctx: EndpointContext, *, project: str,
                 section: str | None = None, label: str | None = None,
                 filter: str | None = None, read_only: bool = False) -> None:
        self.client = client
        self.name = ctx.name
        self.ctx = ctx
        self.project_spec = project
        self.section_spec = section
        self.label = label
        self.filter = filter
        self.filtered: set[str] | None = None  # ids the filter selected in this round
        self.status_map = ctx.value_maps.get("status")
        if self.status_map is not None and section:
            raise ConfigError(f"{ctx.name}: a status map names sections of the project, so it "
                              f"cannot be combined with a scope restricted to section "
                              f"{section!r}")
        self.sections_checked = False  # the status map's sections exist (once per process)
        #: sprint and points as labels, where the mapping rules say so (adapters.todoist.planning);
        #: one the endpoint does not sync (``only``) claims no label: those are labels then
        labelled = planning.LabelFields.from_targets(ctx.options.get("targets") or {}, ctx.name)
        fields = FIELDS | labelled.fields()
        fields = fields if ctx.fields is None else fields & ctx.fields
        self.planning = planning.LabelFields({k: v for k, v in labelled.prefixes.items()
                                              if k in fields})
        self.capabilities = Capabilities(
            fields=frozenset(fields), read_only=read_only, batch_size=BATCH,
            request_budget=None,  # the client paces every request (adapters.todoist.quota)
            idempotent_create=True, echoes_writes=True, nests_completion=True,
            rolls_occurrences=True)
        self.project_id: str | None = None
        self._project_cached = False  # the id came from the discovery cache
        self.sections: dict[str, str] = {}  # id -> name
        self.section_projects: dict[str, str] = {}  # id -> project id
        self.users: dict[str, str] = {}  # id -> email
        self.origins: dict[str, str] = {}  # task id -> origin marker
        self.in_description: set[str] = set()  # tasks whose marker is their description's
        #: task id -> its description as last read, for a task read without any marker (a
        #: marker written to it keeps that text: :meth:`_mark`)
        self.unmarked_text: dict[str, str] = {}
        #: find_by_origin's view of every task (a full sync once, then incremental ones)
        self.lookup_token: str | None = None
        self.lookup_items: dict[str, dict[str, Any]] = {}
        self.labels_read: dict[str, list[str]] = {}  # task id -> its labels, as last read
        self.parent_of: dict[str, str | None] = {}  # task id -> parent task id, as last read
        #: every comment has been read in this process (a full sync), so a task missing from
        #: ``origins`` carries no marker: an incremental sync lists only changed comments
        self.markers_known = False

    # -- helpers ------------------------------------------------------------------------------

    def represent(self, field: str, value: Any) -> Any:
        if field == "assignee" and value is not None and self.users \
                and value not in self.users.values():
            return None  # only the project's collaborators can be assigned
        if field == "labels" and self.planning.prefixes:
            return self.planning.visible(value)  # a sprint-like label is the sprint here
        return convert.represent(field, value, self.status_map)

    def _ensure_users(self) -> None:
        """Collaborators (id -> e-mail) through the SDK, once; /sync keeps them current."""
        if not self.users:
            self.users.update(self.client.collaborators(self._resolve_project()))

    def verify(self) -> str:
        """The project (and section) named by the scope exist: one listing of projects, one
        of the project's sections when a section is named."""
        project = self._resolve_project()
        found = f"project {self.project_spec!r} (id {project})"
        if self.section_spec:
            names = {str(s["id"]): str(s["name"]) for s in self.client.sync(
                "*", ["sections"]).get("sections", []) if str(s.get("project_id")) == project}
            if self.section_spec not in names and self.section_spec not in names.values():
                raise NotFound(f"no section {self.section_spec!r} in Todoist project "
                               f"{self.project_spec!r}; it has: "
                               f"{', '.join(sorted(names.values())) or 'none'}", service=SERVICE)
            found += f", section {self.section_spec!r}"
        if self.status_map is not None:
            self._check_status_sections_read("")
            found += f", status sections {', '.join(sorted(self.status_map.to_canonical))}"
        return found

    def _resolve_project(self) -> str:
        """The scope's project id: from the discovery cache when it has it (an id never
        changes; the listing's sync says when the project is renamed, archived or deleted:
        :meth:`_project_moved`), else one listing of the projects."""
        if self.project_id is None:
            found, self._project_cached = recall(self.ctx.cache, self._project_key(),
                                                 self._find_project)
            self.project_id = str(found)
        return self.project_id

    def _project_key(self) -> DiscoveryKey:
        return DiscoveryKey("todoist.project", self.client.base_url, self.client.account,
                            self.project_spec)

    def _find_project(self) -> str:
        for p in self.client.projects():
            if self.project_spec in (p.id, p.name):
                return str(p.id)
        raise NotFound(f"no Todoist project named {self.project_spec!r}", service=SERVICE)

    def _project_moved(self, data: dict[str, Any], full: bool) -> bool:
        """Whether the cached project id no longer names the scope's project (the sync's
        projects: the changed ones, or with a full sync every one): then it is forgotten and
        looked up again, as a run without the cache would (a missing project: NotFound)."""
        if not self._project_cached:
            return False
        mine = [p for p in data.get("projects", []) if str(p.get("id")) == self.project_id]
        if full and not mine:
            moved = True
        else:
            moved = any(p.get("is_deleted") or p.get("is_archived")
                        or self.project_spec not in (str(p.get("id")), p.get("name"))
                        for p in mine)
        if moved and self.ctx.cache is not None:
            self.ctx.cache.forget(self._project_key())
        if moved:
            self.project_id, self._project_cached = None, False
        return moved

    def _absorb(self, data: dict[str, Any]) -> None:
        for s in data.get("sections", []):
            if s.get("is_deleted"):
                self.sections.pop(s["id"], None)
                continue
            self.sections[s["id"]] = s["name"]
            self.section_projects[s["id"]] = str(s.get("project_id"))
        for u in data.get("collaborators", []):
            self.users[u["id"]] = str(u["email"]).lower()
        for n in data.get("notes", []):
            m = MARKER_RE.match(n.get("content") or "")
            if m and not n.get("is_deleted") and n["item_id"] not in self.in_description:
                self.origins[n["item_id"]] = m.group(1)
        for task in data.get("items", []):
            self._read_marker(task)

    def _read_marker(self, task: dict[str, Any]) -> str:
        """The task's description without its marker line, noting the marker (see
        :mod:`.marker`): a line deleted in the app drops a marker that was there."""
        tid = str(task["id"])
        text, origin = marker.split(task.get("description"))
        if origin is not None:
            self.origins[tid] = origin
            self.in_description.add(tid)
            self.unmarked_text.pop(tid, None)
        elif tid in self.in_description:
            self.in_description.discard(tid)
            self.origins.pop(tid, None)
        if tid not in self.origins:
            self.unmarked_text[tid] = text
        return text

    def _in_scope(self, task: dict[str, Any]) -> bool:
        if task.get("project_id") != self.project_id:
            return False
        if self.section_spec and self.sections.get(str(task.get("section_id"))) != \
                self.section_spec and task.get("section_id") != self.section_spec:
            return False
        if self.filtered is not None and task["id"] not in self.filtered:
            return False
        return not (self.label and self.label not in (task.get("labels") or []))

    def _convert(self, task: dict[str, Any]) -> RemoteItem:
        self.parent_of[task["id"]] = task.get("parent_id")
        task = task | {"description": self._read_marker(task)}
        item = convert.to_item(task, sections=self.sections, users=self.users,
                               status_map=self.status_map, origin=self.origins.get(task["id"]),
                               user_tz=self.ctx.timezone)
        if self.planning.prefixes:
            labels = list(task.get("labels") or [])
            self.labels_read[str(task["id"])] = labels
            ordinary, values = self.planning.split(labels)
            item = item.evolve(labels=ordinary, **values)
        return RemoteItem(ref=task["id"], item=item, version=task.get("updated_at"),
                          created_at=convert.read_time(task.get("added_at")))

    def _remote(self, task: dict[str, Any]) -> RemoteItem:
        """One task as read; a task no converter accepts is ValidationRejected (get)."""
        return convert_one(task, self._convert, service=SERVICE, what=f"task {task['id']}")

    def _remotes(self, tasks: list[dict[str, Any]]
                 ) -> tuple[list[RemoteItem], list[Unreadable]]:
        """Listed tasks one by one: an odd one is reported, the others go on (P14)."""
        return convert_each(tasks, self._convert, ref=lambda t: t["id"],
                            title=lambda t: t.get("content") or "", service=self.name)

    # -- reading ------------------------------------------------------------------------------

    def changes(self, cursor: str | None) -> ChangeSet:
        before = self.client.requests
        self._resolve_project()
        state = json.loads(cursor) if cursor else {}
        token = state.get("t", "*")
        # with a cached project id, the sync also says whether that project changed
        types = ["items", "notes", "sections", "collaborators"] + (
            ["projects"] if self._project_cached else [])
        data = self.client.sync(token, types)
        cached_id = self.project_id
        if self._project_moved(data, full=token == "*") and \
                self._resolve_project() != cached_id:  # another project by that name
            return self.changes(None)  # listed whole, as for a new scope
        self._absorb(data)
        if token == "*" or not self.sections_checked:
            self._check_status_sections_read(token)
        if token == "*":
            self.markers_known = True
        elif any(t["id"] not in self.origins for t in data.get("items", [])):
            self._know_markers()
        if self.filter:
            # A filter ("today", "p1") can select or drop a task that did not change, so its
            # membership is listed every round (the price of a filter scope) and compared.
            self.filtered = self.client.filter_ids(self.filter)
        listed: list[dict[str, Any]] = []
        gone: dict[str, Gone] = {}
        seen: set[str] = set()
        for task in data.get("items", []):
            seen.add(task["id"])
            if task.get("is_deleted"):
                if token != "*":
                    gone[task["id"]] = Gone.DELETED
            elif self._in_scope(task):
                listed.append(task)
            elif token != "*":
                gone[task["id"]] = Gone.OUT_OF_SCOPE
        if self.filtered is not None and token != "*":
            previous = set(state.get("f", []))
            for tid in sorted(self.filtered - previous - seen):  # entered without changing
                task = self.client.task(tid)
                if task is not None and self._in_scope(task):
                    listed.append(task)
            for tid in sorted(previous - self.filtered - seen):  # left without changing
                gone[tid] = Gone.OUT_OF_SCOPE
        items, unreadable = self._remotes(listed)
        if token == "*":
            done, odd = self._recently_completed(listed_ids=seen)
            items += done
            unreadable += odd
        new_state: dict[str, object] = {"t": data["sync_token"]}
        if self.filtered is not None:
            new_state["f"] = sorted(self.filtered)
        return ChangeSet(items=tuple(items), gone=gone, cursor=json.dumps(new_state),
                         requests=self.client.requests - before, unreadable=tuple(unreadable),
                         touched=self._note_changes(data, full=token == "*"))

    def _recently_completed(self, listed_ids: set[str]
                            ) -> tuple[list[RemoteItem], list[Unreadable]]:
        """Tasks completed in the last :data:`COMPLETED_WINDOW`, for a full listing (one
        request a page of 200): a full sync lists no completed task, and after a lost state
        file a task completed meanwhile must rejoin its link, or its completion never reaches
        the others. They are ``rejoin_only``: never copied as new items on a first sync."""
        until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # our clock may lag theirs
        tasks = [t for t in self.client.completed(self._resolve_project(),
                                                  until - COMPLETED_WINDOW, until)
                 if self._in_scope(t) and t["id"] not in listed_ids]  # completed since
        items, unreadable = self._remotes(tasks)
        return [replace(r, rejoin_only=True) for r in items], unreadable

    def _know_markers(self) -> None:
        """Read every comment once per process (one request): a task we created, listed by
        an incremental sync in a later process (a reopened task, after a lost state file),
        would otherwise read as unmarked, i.e. as an item new to synchub."""
        if not self.markers_known:
            self._absorb(self.client.sync("*", ["notes"]))
            self.markers_known = True

    def get(self, ref: str) -> RemoteItem | None:
        task = self.client.task(ref)
        if task is None or task.get("is_deleted"):
            return None
        if task["id"] not in self.origins:
            self._know_markers()
        if task.get("responsible_uid"):
            self._ensure_users()
        return self._remote(task)

    def find_by_origin(self, origin: str) -> RemoteItem | None:
        """One sync: a full one the first time, then incremental ones from it, so the
        lookups after a lost batch of 100 creates cost one full sync (Todoist allows 100
        a quarter-hour), not 100."""
        self._resolve_project()
        data = self.client.sync(self.lookup_token or "*",
                                ["items", "notes", "sections", "collaborators"])
        if data.get("full_sync", self.lookup_token is None):
            self.lookup_items = {}
        self._absorb(data)
        self.markers_known = True
        for task in data.get("items", []):
            if task.get("is_deleted"):
                self.lookup_items.pop(task["id"], None)
            else:
                self.lookup_items[task["id"]] = task
        self.lookup_token = data.get("sync_token")
        for tid, task in self.lookup_items.items():
            if self.origins.get(tid) == origin:
                return self._remote(task)
        return None

    # -- writing ------------------------------------------------------------------------------

    def _commands(self, op: WriteOp) -> list[dict[str, Any]]:
        if op.item is not None and op.item.assignee:
            self._ensure_users()
        emails = {v: k for k, v in self.users.items()}
        if op.kind is WriteKind.DELETE:
            return [{"type": "item_delete", "uuid": command_uuid(op.idempotency_key),
                     "args": {"id": op.ref}}]
        assert op.item is not None
        item = op.item
        fields = self.capabilities.fields if op.kind is WriteKind.CREATE else op.fields
        args = convert.to_args(item, fields, emails=emails)
        if fields & self.planning.fields() or ("labels" in fields and self.planning.prefixes):
            args["labels"] = self._labels(item, op.ref)
        cmds: list[dict[str, Any]] = []
        if op.kind is WriteKind.CREATE:
            temp = f"tmp-{op.idempotency_key[:24]}"
            args["project_id"] = self._resolve_project()
            if item.parent and "parent" in fields:
                args["parent_id"] = item.parent  # it lives in its parent's section
            elif section := self._section_for(item):
                args["section_id"] = section
            if self.ctx.markers and op.origin:  # ``markers: false``: found by its key instead
                args["description"] = marker.join(args.get("description"), op.origin)
            cmds.append({"type": "item_add", "uuid": command_uuid(op.idempotency_key),
                         "temp_id": temp, "args": args})
            target = temp
        else:
            target = op.ref or ""
            note = self._mark(op, args)
            if op.occurrence_done:
                # One occurrence of a recurring task done elsewhere: Todoist's own close
                # (the app's checkbox) moves it on and records the completion in its
                # activity; the due that follows is the hub's, computed from the rule.
                cmds.append({"type": "item_close", "uuid": command_uuid(op.idempotency_key,
                                                                         "oc"),
                             "args": {"id": target}})
            if args:
                cmds.append({"type": "item_update", "uuid": command_uuid(op.idempotency_key),
                             "args": {"id": target, **args}})
            if "parent" in fields:
                cmds.append({"type": "item_move", "uuid": command_uuid(op.idempotency_key, "mv"),
                             "args": {"id": target, **self._place(item)}})
            if note is not None:
                cmds.append(note)
        if "status" in fields and not op.occurrence_done:
            kind = self.represent("status", item.status).kind
            done = kind is StatusKind.DONE
            if done or op.kind is not WriteKind.CREATE:
                # item_complete, not item_close: a status done here is done for good (one
                # occurrence done is ``occurrence_done`` above). item_close would move a
                # recurring task to its next occurrence, open again: we would read back
                # "open", not the "done" we wrote, and carry that back to the copy that was
                # completed (see the module docstring).
                cmds.append({"type": "item_complete" if done else "item_uncomplete",
                             "uuid": command_uuid(op.idempotency_key, "st"),
                             "args": {"id": target}})
            where = self._section_move(item) if op.kind is not WriteKind.CREATE \
                and "parent" not in fields else None
            if where is not None and not self._is_subtask(target):
                # (a sub-task's section is its parent's: moving it to one would make it a
                # root task there; a parent move above places the task already)
                cmds.append({"type": "item_move", "uuid": command_uuid(op.idempotency_key, "sc"),
                             "args": {"id": target, **where}})
        return cmds

    def _mark(self, op: WriteOp, args: dict[str, Any]) -> dict[str, Any] | None:
        """An update's description with the task's marker line kept, or a marker given to
        a task a first sync matched (``op.origin``): in the description written, else in
        the one last read. Only a task whose description was never read gets a comment
        (one command more, as before issue 17). Returns that ``note_add``, if any."""
        ref = op.ref or ""
        if ref in self.in_description and "description" in args:
            args["description"] = marker.join(args["description"], self.origins[ref])
        if op.origin is None or ref in self.origins or not self.ctx.markers:
            return None
        if "description" in args or ref in self.unmarked_text:
            text = args["description"] if "description" in args else self.unmarked_text[ref]
            args["description"] = marker.join(text, op.origin)
            return None
        return {"type": "note_add", "uuid": command_uuid(op.idempotency_key, "origin"),
                "temp_id": f"tmp-{op.idempotency_key[:24]}-n",
                "args": {"item_id": ref, "content": f"{marker.PREFIX}{op.origin}"}}

    def _labels(self, item: Item, ref: str | None) -> list[str]:
        """Every label of a task whose labels hold a sprint or points: the ordinary ones
        (the item's when labels sync here, else the task's own, read if not known) and the
        fields' (:mod:`adapters.todoist.planning`)."""
        if "labels" in self.capabilities.fields:
            ordinary: list[str] = list(item.labels)
        else:
            if ref is not None and ref not in self.labels_read:
                task = self.client.task(ref)
                self.labels_read[ref] = list((task or {}).get("labels") or [])
            ordinary = self.planning.split(self.labels_read.get(ref or "", []))[0]
        return self.planning.join(ordinary, item.sprint, item.points)

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Up to 100 commands per request; a failed command fails only its own op."""
        results: list[WriteResult] = []
        chunk: list[tuple[WriteOp, list[dict[str, Any]]]] = []
        size = 0
        if self.ctx.markers and any(op.origin and op.kind is WriteKind.UPDATE
                                    and op.ref not in self.origins for op in ops):
            self._know_markers()  # never a second marker on a task that carries one
        body = 0  # the form-encoded size of the chunk's commands
        for op in ops:
            cmds = self._commands(op)
            weight = len(quote_plus(json.dumps(cmds))) + len(quote_plus(", "))
            if chunk and (size + len(cmds) > BATCH or body + weight > BODY_ROOM):
                results += self._send(chunk)
                chunk, size, body = [], 0, 0
            chunk.append((op, cmds))
            size += len(cmds)
            body += weight
        if chunk:
            results += self._send(chunk)
        return results

    def _send(self, chunk: list[tuple[WriteOp, list[dict[str, Any]]]]) -> list[WriteResult]:
        commands = [c for _, cmds in chunk for c in cmds]
        data = self.client.sync(None, commands=commands) if commands else {}
        status, temps = data.get("sync_status", {}), data.get("temp_id_mapping", {})
        out = []
        for op, cmds in chunk:
            error: SyncHubError | None = None
            for c in cmds:
                st = status.get(c["uuid"], "ok")
                if st != "ok":
                    if op.kind is WriteKind.DELETE and st.get("http_code") == 404:
                        continue  # already gone: a delete is done
                    error = error_for(int(st.get("http_code", 400)), st,
                                      what=f"{c['type']} {op.ref or ''}".strip())
                    break
            if error is None and op.kind is WriteKind.CREATE \
                    and cmds[0].get("temp_id") not in temps:
                # applied (or answered from Todoist's log of uuids) without saying which
                # task it made: the executor finds it by its marker
                error = Transient("item_add answered without its task id", service=SERVICE,
                                  maybe_applied=True)
            if error is not None:
                out.append(WriteResult(op, error=error))
            elif op.kind is WriteKind.DELETE:
                out.append(WriteResult(op))
            else:
                assert op.item is not None
                ref = temps.get(cmds[0].get("temp_id", ""), op.ref) if op.kind is \
                    WriteKind.CREATE else op.ref
                sub = self._subtask_after(op, str(ref))
                if self._writes_parent(op):
                    self.parent_of[str(ref)] = op.item.parent or None
                if not self.ctx.markers:
                    item = self._as_stored(op.item, self.origins.get(str(ref)), sub)
                    out.append(WriteResult(op, RemoteItem(ref=str(ref), item=item,
                                                          version=None)))
                    continue
                if op.kind is WriteKind.CREATE or (op.origin and str(ref) not in self.origins):
                    self.origins[str(ref)] = op.origin or ""
                    self.unmarked_text.pop(str(ref), None)
                    if not any(c["type"] == "note_add" for c in cmds):
                        self.in_description.add(str(ref))
                item = self._as_stored(op.item, op.origin if op.kind is WriteKind.CREATE
                                       else self.origins.get(str(ref)), sub)
                out.append(WriteResult(op, RemoteItem(ref=str(ref), item=item, version=None)))
        return out

    def _as_stored(self, item: Item, origin: str | None, subtask: bool) -> Item:
        """What Todoist now holds, without another request: our values as it represents
        them (a sub-task's status without its section). The version is unknown until the
        next listing (None skips the stale check)."""
        return item.evolve(**{f: convert.represent_in(f, getattr(item, f), self.status_map,
                                                      subtask=subtask)
                              if f == "status" else self.represent(f, getattr(item, f))
                              for f in FIELDS}, origin=origin)

    def update_op(self, ref: str, item: Item, *, fields: frozenset[str],
                  expected_version: str | None, idempotency_key: str,
                  origin: str | None) -> WriteOp:
        """Todoist has no etags: a stale ``expected_version`` is found by reading the task
        first (see the module docstring); the command itself then carries no version."""
        if expected_version is not None:
            current = self.client.task(ref)
            if current is None or current.get("is_deleted"):
                raise NotFound(f"task {ref} does not exist", service=SERVICE)
            if current.get("updated_at") != expected_version:
                raise Conflict(f"task {ref} changed since it was read", service=SERVICE)
        wanted = fields & self.capabilities.fields
        if not wanted and origin is None:
            raise ValidationRejected("nothing to write", service=SERVICE)
        return WriteOp(WriteKind.UPDATE, idempotency_key, item=item, ref=ref,
                       fields=frozenset(wanted), origin=origin)

    def delete_op(self, ref: str, *, expected_version: str | None) -> WriteOp:
        """A fresh command uuid per delete (Todoist answers a repeated uuid from its log)."""
        return WriteOp(WriteKind.DELETE, str(uuid.uuid4()), ref=ref)

    def close(self) -> None:
        self.client.close()
