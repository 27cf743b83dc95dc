"""A local Todoist (unified API v1) for tests, the demo and the sandbox.

Stateful and over real HTTP on 127.0.0.1: ``POST /api/v1/sync`` (full and incremental
tokens, ``items``/``projects``/``sections``/``notes``/``collaborators``/``user``, deletions
as ``is_deleted``, commands with uuid de-duplication (the item commands and ``note_add`` /
``note_update`` / ``note_delete``), ``temp_id_mapping``, per-command ``sync_status`` errors;
a refused command changes nothing), the REST routes the SDK calls
(:mod:`adapters.todoist.emu_routes`; pages of ``limit`` 1..200 with an opaque cursor), and 410
for the retired REST v2 and Sync v9 paths. ``item_complete`` completes a task and its
sub-tasks for good; ``item_close`` moves a recurring one to its next occurrence. Error bodies
follow the v1 shape (:mod:`adapters.todoist.emu_errors`): a bad argument is 400
``INVALID_ARGUMENT_VALUE`` naming it; 429 carries ``Retry-After``; bodies over 1 MiB get 413,
as the real service does; Todoist's per-user request limits (:mod:`.emu_quota`) are on
unless switched off (:meth:`TodoistEmulator.set_quota`). Every public helper (the sandbox's
user) takes :attr:`lock`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from adapters.emulation import Emulator, Request, Response
from adapters.todoist import emu_dates, emu_filter
from adapters.todoist.emu_errors import INVALID, CommandError, invalid
from adapters.todoist.emu_quota import FULL_SYNCS, REQUESTS, WINDOW, TodoistQuota, limits_reached
from adapters.todoist.emu_routes import TodoistRoutes

__all__ = ["CommandError", "TodoistEmulator"]

MAX_BODY = 1 << 20
NOTE_MAX = 15000
ITEM_FIELDS = ("content", "description", "due", "deadline", "duration", "priority", "labels",
               "section_id", "parent_id", "responsible_uid", "project_id")


def _parse_time(text: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


class TodoistEmulator(Emulator):
    service = "todoist"

    def __init__(self, token: str = "test-token", *, partial_sync_limit: int = REQUESTS,
                 window_seconds: float = WINDOW) -> None:
        super().__init__()
        self.token = token
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self.last_seq = 0
        self.projects: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, dict[str, Any]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.routes = TodoistRoutes(self)
        self.users = {"u1": {"id": "u1", "email": "owner@example.com", "full_name": "Owner",
                             "name": "Owner"}}
        self.executed: dict[str, tuple[Any, dict[str, str]]] = {}  # uuid -> (status, temps)
        #: Todoist's per-user limits (:mod:`.emu_quota`): on unless :meth:`set_quota` (None)
        self.quota: TodoistQuota | None = TodoistQuota(partial_sync_limit,
                                                       per_seconds=window_seconds)
        self.inbox = self.add_project("Inbox", inbox=True)

    def set_quota(self, requests: int | None = REQUESTS, full_syncs: int = FULL_SYNCS,
                  per_seconds: float = WINDOW) -> None:
        """Todoist's limits: ``requests`` a user per ``per_seconds`` (every request), of them
        ``full_syncs`` full syncs; ``None`` switches them off (unit tests)."""
        with self.lock:
            self.quota = None if requests is None else TodoistQuota(
                requests, full_syncs, per_seconds)

    @property
    def partial_sync_limit(self) -> int:
        return self.quota.requests if self.quota is not None else 0

    @partial_sync_limit.setter
    def partial_sync_limit(self, value: int) -> None:
        """The requests a window allows (the full-sync limit stays as it was)."""
        with self.lock:
            full = self.quota.full_syncs if self.quota is not None else FULL_SYNCS
            per = self.quota.per_seconds if self.quota is not None else WINDOW
            self.quota = TodoistQuota(value, full, per)

    # -- direct state access (the "user in the Todoist app") ---------------------------------
    # Every public helper here takes ``self.lock`` (an RLock, which the HTTP handlers hold
    # too), so the sandbox's "user" never edits state while a request is being answered.

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    def _stamp(self) -> str:
        """Now on the emulator's clock, as Todoist writes times."""
        return self.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _touch(self, obj: dict[str, Any]) -> None:
        self.last_seq = next(self._seq)
        obj["_seq"] = self.last_seq
        obj["updated_at"] = self._stamp()

    def add_project(self, name: str, *, inbox: bool = False, shared: bool = False) -> str:
        with self.lock:
            pid = self._id("p")
            self.projects[pid] = {
                "id": pid, "name": name, "description": "", "child_order": len(self.projects),
                "color": "charcoal", "is_collapsed": False, "is_shared": shared,
                "is_favorite": False,
                "is_archived": False, "is_deleted": False, "can_assign_tasks": shared,
                "view_style": "list", "created_at": self._stamp(), "inbox_project": inbox,
                "parent_id": None, "workspace_id": None, "folder_id": None}
            self._touch(self.projects[pid])
            return pid

    def add_section(self, project_id: str, name: str) -> str:
        with self.lock:
            sid = self._id("s")
            self.sections[sid] = {"id": sid, "name": name, "project_id": project_id,
                                  "section_order": len(self.sections), "is_collapsed": False,
                                  "is_deleted": False}
            self._touch(self.sections[sid])
            return sid

    def add_user(self, email: str, name: str = "") -> str:
        with self.lock:
            uid = self._id("u")
            self.users[uid] = {"id": uid, "email": email, "full_name": name or email,
                               "name": name or email}
            return uid

    def add_item(self, project_id: str, content: str, **fields: Any) -> str:
        with self.lock:
            return self._item_add({"project_id": project_id, "content": content, **fields})

    def edit_item(self, item_id: str, **fields: Any) -> None:
        with self.lock:
            self._item_update({"id": item_id, **fields})

    def move_item(self, item_id: str, **where: Any) -> None:
        """The app's drag: ``item_move`` to a ``parent_id``, ``section_id`` or
        ``project_id``."""
        with self.lock:
            self._item_move({"id": item_id, **where})

    def complete_item(self, item_id: str) -> None:
        with self.lock:
            self._item_close({"id": item_id})

    def complete_forever(self, item_id: str) -> None:
        """The app's "Complete forever" on a recurring task (``item_complete``): done, for
        good, its recurring due kept as it was."""
        with self.lock:
            self._item_complete({"id": item_id})

    def delete_item(self, item_id: str) -> None:
        with self.lock:
            self._item_delete({"id": item_id})

    def delete_project(self, project_id: str) -> None:
        """Todoist's project delete: the project, its sub-projects, their sections and
        their tasks are all deleted (each reported ``is_deleted`` by the next sync)."""
        with self.lock:
            doomed = {project_id}
            while more := {p["id"] for p in self.projects.values()
                           if p.get("parent_id") in doomed} - doomed:
                doomed |= more
            for pid in doomed:
                self._soft_delete(self.projects[pid])
            for sid, section in self.sections.items():
                if section["project_id"] in doomed:
                    self.delete_section(sid)
            self._delete_items(lambda i: i["project_id"] in doomed)

    def delete_section(self, section_id: str) -> None:
        """A section and all its tasks (Todoist deletes them with it)."""
        with self.lock:
            self._soft_delete(self.sections[section_id])
            self._delete_items(lambda i: i.get("section_id") == section_id)

    def add_label(self, name: str, **fields: Any) -> str:
        """A personal label; a name already taken (ignoring case) is Todoist's 400."""
        with self.lock:
            if not name.strip():
                raise invalid("name", "a label needs a name")
            if any(x["name"].casefold() == name.strip().casefold()
                   for x in self.labels.values() if not x["is_deleted"]):
                raise invalid("name", f"a label named {name.strip()!r} exists")
            lid = self._id("l")
            self.labels[lid] = {"id": lid, "name": name.strip(),
                                "color": fields.get("color", "charcoal"),
                                "order": len(self.labels) + 1,
                                "is_favorite": bool(fields.get("is_favorite", False)),
                                "is_deleted": False}
            self._touch(self.labels[lid])
            return lid

    def delete_label(self, label_id: str) -> None:
        """Todoist removes a deleted label from every task that had it."""
        with self.lock:
            label = self.labels[label_id]
            self._soft_delete(label)
            for item in self.items.values():
                if label["name"] in item["labels"]:
                    item["labels"] = [x for x in item["labels"] if x != label["name"]]
                    self._touch(item)

    def add_note(self, item_id: str, content: str, uid: str = "u1") -> str:
        """A person comments on a task in the app (``uid``: who, one of :attr:`users`)."""
        with self.lock:
            return self._note_add({"item_id": item_id, "content": content}, uid)

    def edit_note(self, note_id: str, content: str) -> None:
        with self.lock:
            self._note_update({"id": note_id, "content": content})

    def delete_note(self, note_id: str) -> None:
        with self.lock:
            self._note_delete({"id": note_id})

    def _soft_delete(self, obj: dict[str, Any]) -> None:
        if not obj.get("is_deleted"):
            obj["is_deleted"] = True
            self._touch(obj)

    def _delete_items(self, doomed: Callable[[dict[str, Any]], bool]) -> None:
        for item in list(self.items.values()):
            if doomed(item) and not item["is_deleted"]:
                self._item_delete({"id": item["id"]})

    # -- commands ---------------------------------------------------------------------------

    def _item(self, item_id: Any) -> dict[str, Any]:
        item = self.items.get(str(item_id))
        if item is None or item["is_deleted"]:
            raise CommandError(404, "ITEM_NOT_FOUND", "Item not found")
        return item

    def _item_add(self, a: dict[str, Any]) -> str:
        if not str(a.get("content") or "").strip():
            raise invalid("content", "a task needs a content")
        pid = str(a.get("project_id") or self.inbox)
        if pid not in self.projects or self.projects[pid]["is_deleted"]:
            raise CommandError(404, "PROJECT_NOT_FOUND", "Project not found")
        item = {
            "id": "", "user_id": "u1", "project_id": pid, "content": a["content"],
            "description": a.get("description") or "", "due": None, "deadline": None,
            "priority": 1, "parent_id": None, "child_order": len(self.items),
            "section_id": None, "labels": [], "responsible_uid": None,
            "assigned_by_uid": None, "added_by_uid": "u1", "checked": False,
            "is_deleted": False, "is_collapsed": False, "added_at": self._stamp(),
            "completed_at": None, "duration": None, "day_order": -1}
        self._apply(item, a)  # all checked before the task exists: a refusal leaves nothing
        if item["parent_id"] is not None:
            # A sub-task lives where its parent does (Todoist shows it under the parent, in
            # the parent's section): its own project or section argument is not its place.
            up = self.items[str(item["parent_id"])]
            item.update(project_id=up["project_id"], section_id=up["section_id"])
        item["id"] = iid = self._id("t")
        self.items[iid] = item
        return iid

    def _apply(self, item: dict[str, Any], a: dict[str, Any]) -> None:
        """The arguments' fields on the task, each checked first: a refused command changes
        nothing (Todoist applies a command whole or not at all)."""
        changes = {key: self._value(key, a[key]) for key in ITEM_FIELDS
                   if key in a and not (key == "content" and not a[key])}
        if "responsible_uid" in changes:  # unset by null or "", assigned by the token's user
            changes["responsible_uid"] = changes["responsible_uid"] or None
            changes["assigned_by_uid"] = "u1" if changes["responsible_uid"] else None
        item.update(changes)
        self._touch(item)

    def _value(self, key: str, value: Any) -> Any:
        if key == "due":
            return self._due(value)
        if key == "deadline":
            return self._deadline(value)
        if key == "duration":
            return self._duration(value)
        if key == "priority" and value not in (1, 2, 3, 4):
            raise invalid("priority", "1, 2, 3 or 4")
        if key == "description":
            return "" if value is None else value
        if key == "labels":
            value = [] if value is None else value
            if not isinstance(value, list) or not all(isinstance(x, str) and x.strip()
                                                      for x in value):
                raise invalid("labels", "a list of label names")
            return list(value)
        if key == "section_id" and value is not None and (
                str(value) not in self.sections or self.sections[str(value)]["is_deleted"]):
            raise CommandError(404, "SECTION_NOT_FOUND", "Section not found")
        if key == "parent_id" and value is not None and str(value) not in self.items:
            raise CommandError(404, "ITEM_NOT_FOUND", "Parent item not found")
        return value

    def _due(self, value: Any) -> dict[str, Any] | None:
        """A due object as Todoist keeps it: ``date`` in a wire form (checked), or computed
        from ``string`` on the emulator's clock; a date it cannot read is Todoist's 400."""
        if value is None:
            return None
        if not isinstance(value, dict) or not (value.get("date") or value.get("string")):
            raise invalid("due", "a due object needs a date or a string")
        string = value.get("string")
        try:
            if value.get("date"):
                date = emu_dates.wire_date(value["date"])
            else:
                date = emu_dates.due_from_string(str(string), self.now().date())
        except ValueError as exc:
            raise invalid("due", str(exc)) from None
        string = str(string or date)
        return {"date": date, "timezone": value.get("timezone"), "string": string,
                "lang": value.get("lang", "en"),
                "is_recurring": string.lower().startswith("every ")}

    @staticmethod
    def _deadline(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("date"), str):
            raise invalid("deadline", "a deadline object needs a date")
        try:
            dt.date.fromisoformat(value["date"])
        except ValueError:
            raise invalid("deadline", "the deadline's date is YYYY-MM-DD") from None
        return {"lang": "en"} | value  # Todoist answers the language it parsed in

    @staticmethod
    def _duration(value: Any) -> dict[str, Any] | None:
        """``{"amount": N, "unit": "minute" | "day"}``, N a positive whole number."""
        if value is None:
            return None
        if not isinstance(value, dict) or value.get("unit") not in ("minute", "day") or \
                not isinstance(value.get("amount"), int) or isinstance(value["amount"], bool) \
                or value["amount"] < 1:
            raise invalid("duration", "a duration is a positive amount of minutes or days")
        return {"amount": value["amount"], "unit": value["unit"]}

    def _item_update(self, a: dict[str, Any]) -> None:
        self._apply(self._item(a.get("id")), {k: v for k, v in a.items() if k != "id"})

    def _item_close(self, a: dict[str, Any]) -> None:
        """``item_close`` (REST's close, the app's checkbox): "regular tasks are completed
        and moved to the archive, recurring tasks are scheduled to their next occurrence"."""
        item = self._item(a.get("id"))
        due = item.get("due")
        if due and due.get("is_recurring"):
            due["date"] = self._next_date(due)
            self._touch(item)
        else:
            self._item_complete({"id": item["id"]})

    def _item_complete(self, a: dict[str, Any]) -> None:
        """``item_complete``: "completes a task and its sub-tasks and moves them to the
        archive", a recurring one too (for good); ``date_completed`` (RFC 3339) or now."""
        item = self._item(a.get("id"))
        when = self._stamp()
        if a.get("date_completed") is not None:
            try:
                at = emu_dates.rfc3339(a["date_completed"])
            except ValueError:
                raise invalid("date_completed", "an RFC 3339 date-time in UTC") from None
            when = at.removesuffix("Z") + ".000000Z"
        for task in (item, *self._descendants(item["id"])):
            if not task["checked"]:
                task.update(checked=True, completed_at=when)
                self._touch(task)

    def _descendants(self, item_id: str) -> list[dict[str, Any]]:
        out, parents = [], {item_id}
        while kids := [i for i in self.items.values() if i["parent_id"] in parents
                       and not i["is_deleted"] and i["id"] not in parents]:
            out += kids
            parents |= {k["id"] for k in kids}
        return out

    @staticmethod
    def _next_date(due: dict[str, Any]) -> str:
        """The due date of the next occurrence (a string the emulator cannot read moves on
        by a day)."""
        on = emu_dates.day(due["date"])
        try:
            nxt = emu_dates.next_occurrence(str(due.get("string") or ""), on)
        except ValueError:
            nxt = on + dt.timedelta(days=1)
        return nxt.isoformat() + due["date"][10:]

    def _item_uncomplete(self, a: dict[str, Any]) -> None:
        """``item_uncomplete``: the task is restored, and "any ancestor items ... will also
        be reinstated"."""
        item = self._item(a.get("id"))
        chain = [item]
        while (up := self.items.get(str(chain[-1]["parent_id"]))) and up not in chain:
            chain.append(up)
        for task in chain:
            if task is item or task["checked"]:
                task.update(checked=False, completed_at=None)
                self._touch(task)

    def _item_delete(self, a: dict[str, Any]) -> None:
        item = self._item(a.get("id"))
        item["is_deleted"] = True
        self._touch(item)
        for child in self.items.values():
            if child["parent_id"] == item["id"] and not child["is_deleted"]:
                self._item_delete({"id": child["id"]})

    def _item_move(self, a: dict[str, Any]) -> None:
        """``item_move``: "only one of parent_id, section_id or project_id must be set"; the
        task (with its sub-tasks) goes to the root of a project or section, or under a
        parent, taking the destination's project (and section)."""
        item = self._item(a.get("id"))
        given = [k for k in ("parent_id", "section_id", "project_id") if k in a]
        if len(given) != 1:
            raise invalid(given[1] if given else "parent_id",
                          "one of parent_id, section_id or project_id")
        place = self._destination(given[0], a[given[0]], item)
        item.update(place)
        self._touch(item)
        for task in self._descendants(item["id"]):
            task.update(project_id=item["project_id"], section_id=item["section_id"])
            self._touch(task)

    def _destination(self, key: str, value: Any, item: dict[str, Any]) -> dict[str, Any]:
        if key == "project_id":
            if str(value) not in self.projects or self.projects[str(value)]["is_deleted"]:
                raise CommandError(404, "PROJECT_NOT_FOUND", "Project not found")
            return {"project_id": str(value), "parent_id": None, "section_id": None}
        if key == "section_id":
            if value is None:
                return {"parent_id": None, "section_id": None}
            section = self.sections.get(str(value))
            if section is None or section["is_deleted"]:
                raise CommandError(404, "SECTION_NOT_FOUND", "Section not found")
            return {"project_id": section["project_id"], "parent_id": None,
                    "section_id": section["id"]}
        if value is None:
            return {"parent_id": None}
        parent = self._item(value)
        if parent["id"] == item["id"] or parent in self._descendants(item["id"]):
            raise invalid("parent_id", "a task cannot be moved under itself")
        return {"parent_id": parent["id"], "project_id": parent["project_id"],
                "section_id": parent["section_id"]}

    def _note_add(self, a: dict[str, Any], uid: str = "u1") -> str:
        """``note_add`` (REST ``POST /comments``): a comment on a task, posted by the token's
        user (or, for the sandbox's "user", by ``uid``)."""
        item = self._item(a.get("item_id"))
        content = self._note_content(a.get("content", ""))
        nid = self._id("n")
        self.notes[nid] = {"id": nid, "item_id": item["id"], "content": content,
                           "posted_uid": uid, "posted_at": self._stamp(), "is_deleted": False,
                           "file_attachment": None}
        self._touch(self.notes[nid])
        return nid

    def _note(self, note_id: Any) -> dict[str, Any]:
        note = self.notes.get(str(note_id))
        if note is None or note["is_deleted"]:
            raise CommandError(404, "NOTE_NOT_FOUND", "Note not found")
        return note

    def _note_update(self, a: dict[str, Any]) -> None:
        """``note_update`` (REST ``POST /comments/{id}``): the content; v1 comments keep no
        edit time (``posted_at`` stays), the next incremental sync lists the note."""
        note = self._note(a.get("id"))
        if "content" in a:
            note["content"] = self._note_content(a["content"])
        self._touch(note)

    @staticmethod
    def _note_content(content: Any) -> str:
        """A comment's text: at most 15,000 characters (the SDK's ``MaxLen(15000)``)."""
        if not isinstance(content, str):
            raise invalid("content", "a comment's content is text")
        if len(content) > NOTE_MAX:
            raise invalid("content", f"a comment holds at most {NOTE_MAX} characters")
        return content

    def _note_delete(self, a: dict[str, Any]) -> None:
        """``note_delete`` (REST ``DELETE /comments/{id}``): kept as ``is_deleted`` for the
        next incremental sync; a note already deleted is not found."""
        self._soft_delete(self._note(a.get("id")))

    def _run(self, cmd: dict[str, Any], known: dict[str, str], temps: dict[str, str]) -> Any:
        """Run one command; ``known`` resolves earlier temp ids, ``temps`` records new ones."""
        kind, args = cmd.get("type"), dict(cmd.get("args") or {})
        for key in ("id", "item_id", "parent_id"):  # temp ids of earlier commands
            if isinstance(args.get(key), str) and args[key] in known:
                args[key] = known[args[key]]
        handlers = {"item_update": self._item_update, "item_close": self._item_close,
                    "item_complete": self._item_complete,
                    "item_uncomplete": self._item_uncomplete,
                    "item_delete": self._item_delete, "item_move": self._item_move,
                    "note_update": self._note_update, "note_delete": self._note_delete}
        if kind == "item_add":
            new_id = self._item_add(args)
        elif kind == "note_add":
            new_id = self._note_add(args)
        elif kind in handlers:
            handlers[kind](args)
            return "ok"
        else:
            raise CommandError(400, "INVALID_COMMAND", f"Unknown command {kind}")
        if cmd.get("temp_id"):
            temps[cmd["temp_id"]] = new_id
        return "ok"

    # -- HTTP -------------------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None = None) -> Response:
        tag = {400: INVALID, 401: "AUTH_INVALID_TOKEN", 404: "NOT_FOUND", 410: "DEPRECATED",
               429: "LIMITS_REACHED", 413: "MAX_BODY_SIZE_EXCEEDED"}.get(status, "SERVER_ERROR")
        number = {400: 20, 429: 35}.get(status, status)  # 35: Todoist's LIMITS_REACHED
        return Response.json({"error": message, "error_code": number,
                              "error_tag": tag, "http_code": status, "error_extra": {}},
                             status)

    @staticmethod
    def refusal(exc: CommandError) -> Response:
        """A command's refusal as a REST answer (its body, its ``http_code``)."""
        return Response.json(exc.body, exc.http_code)

    def op_name(self, req: Request) -> tuple[str, bool]:
        if req.path.endswith("/sync"):
            form = parse_qs(req.body.decode("utf-8", "replace"))
            return ("write" if form.get("commands") else "sync"), bool(form.get("commands"))
        return req.path, req.method not in ("GET", "HEAD")

    def handle(self, req: Request) -> Response:
        if req.path.startswith(("/rest/v2", "/sync/v9", "/sync/v8")):
            return self.error_body(410, "This API has been deprecated: use /api/v1")
        if len(req.body) > MAX_BODY:
            return self.error_body(413, "Request body too large")
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return self.error_body(401, "Invalid token")
        if self.quota is not None and (wait := self.quota.admit(_full_sync(req))) > 0:
            body, headers = limits_reached(wait)
            return Response.json(body, 429, headers)
        path = req.path.removeprefix("/api/v1")
        try:
            if path == "/sync" and req.method == "POST":
                return self._sync(req)
            return self._rest(req, path)
        except CommandError as exc:  # a bad argument anywhere: Todoist's 400 for it
            return self.refusal(exc)

    def _sync(self, req: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        commands = _json_arg(form, "commands", "[]", list)
        if len(commands) > 100:
            return self.error_body(400, "Too many commands: at most 100 per request")
        if not all(isinstance(c, dict) for c in commands):
            raise invalid("commands", "a JSON list of command objects")
        token = form.get("sync_token")
        if token is not None and not re.fullmatch(r"\*|s\d+", token):
            raise invalid("sync_token", "* or a sync_token this server answered")
        types = _json_arg(form, "resource_types", '["all"]', list)
        status: dict[str, Any] = {}
        temps: dict[str, str] = {}
        for cmd in commands:
            uuid = str(cmd.get("uuid"))
            if uuid in self.executed:  # a retried command is answered, never applied twice
                status[uuid], known = self.executed[uuid]
                temps.update(known)
                continue
            mine: dict[str, str] = {}
            try:
                status[uuid] = self._run(cmd, temps, mine)
            except CommandError as exc:
                status[uuid] = exc.body
            temps.update(mine)
            self.executed[uuid] = (status[uuid], mine)
        out: dict[str, Any] = {}
        if commands:
            out["sync_status"] = status
            out["temp_id_mapping"] = temps
        if token:
            out.update(self._read(token, types))
        return Response.json(out)

    def _read(self, token: str, types: list[str]) -> dict[str, Any]:
        full = token == "*"
        since = 0 if full else int(token.removeprefix("s"))
        everything = "all" in types

        def pick(objects: dict[str, dict[str, Any]], name: str, hide_checked: bool = False,
                 hidden: tuple[str, ...] = ()) -> list[dict[str, Any]]:
            if not everything and name not in types:
                return []
            out = []
            for o in objects.values():
                if o["_seq"] <= since:
                    continue
                if full and (o.get("is_deleted") or (hide_checked and o.get("checked"))):
                    continue  # a full sync lists what exists (completed items are history)
                out.append({k: v for k, v in o.items()
                            if not k.startswith("_") and k not in hidden})
            return out

        result = {"sync_token": f"s{self.last_seq}", "full_sync": full,
                  "items": pick(self.items, "items", hide_checked=True),
                  "projects": pick(self.projects, "projects"),
                  # the emulator's own change stamp: v1 sections and comments carry none
                  "sections": pick(self.sections, "sections", hidden=("updated_at",)),
                  "notes": pick(self.notes, "notes", hidden=("updated_at",))}
        if everything or "collaborators" in types:
            result["collaborators"] = list(self.users.values())
        if everything or "user" in types:  # the token's user (a small part of Todoist's)
            owner = self.users["u1"]
            result["user"] = {"id": owner["id"], "email": owner["email"],
                              "full_name": owner["full_name"]}
        return result

    def _rest(self, req: Request, path: str) -> Response:
        """The REST routes (:mod:`adapters.todoist.emu_routes`); Todoist answers 404 for a
        path it does not have, and for one it has under another method too."""
        found = self.routes.router.find(req.method, path)
        if isinstance(found, bool):
            return self.error_body(404, "Not found")
        handler, params = found
        answer: Response = handler(req, params)
        return answer

    # -- REST shapes (API v1 keeps most Sync names; the SDK's models read both) ---------------

    def task_json(self, i: dict[str, Any]) -> dict[str, Any]:
        notes = sum(1 for n in self.notes.values() if n["item_id"] == i["id"]
                    and not n["is_deleted"])
        return self._task(i) | {"note_count": notes,
                                "updated_at": i.get("updated_at") or i["added_at"]}

    @staticmethod
    def section_json(s: dict[str, Any]) -> dict[str, Any]:
        return _rest_view(s, "is_deleted", "updated_at")

    @staticmethod
    def comment_json(n: dict[str, Any]) -> dict[str, Any]:
        return _rest_view(n, "is_deleted", "updated_at")

    def filter_test(self, query: str) -> Callable[[dict[str, Any]], bool]:
        """The filter query as a test over tasks (:mod:`adapters.todoist.emu_filter`);
        raises FilterError for what Todoist refuses."""
        world = emu_filter.World(self.projects, self.sections, self.now(), self.users, "u1")
        return emu_filter.parse(query, world)

    def _completed(self, req: Request) -> Response:
        """Tasks completed between ``since`` and ``until`` (both required, at most 3 months
        apart, as Todoist allows), newest first, paged by cursor under ``items``."""
        try:
            since = _parse_time(req.q("since") or "")
            until = _parse_time(req.q("until") or "")
        except ValueError:
            return self.error_body(400, "Invalid argument value: since/until")
        if until - since > dt.timedelta(days=92) or until < since:
            return self.error_body(400, "The date range must be at most 3 months")
        pid = req.q("project_id")
        rows = sorted((self._task(i) for i in self.items.values()
                       if i["checked"] and not i["is_deleted"] and i.get("completed_at")
                       and since <= _parse_time(i["completed_at"]) <= until
                       and (pid is None or i["project_id"] == pid)),
                      key=lambda t: t["completed_at"], reverse=True)
        page = json.loads(self._page(req, rows).body)
        return Response.json({"items": page["results"], "next_cursor": page["next_cursor"]})

    def _page(self, req: Request, rows: list[dict[str, Any]]) -> Response:
        """One page of ``rows``: ``limit`` 1..200 (default 50; Todoist's 400 otherwise, as a
        zero limit would page forever), ``cursor`` one this emulator handed out (else 400)."""
        text = req.q("limit") or "50"
        if not text.isdigit() or not 1 <= int(text) <= 200:
            raise invalid("limit", "an integer from 1 to 200")
        limit = int(text)
        start = _cursor_offset(req.q("cursor"))
        chunk = rows[start:start + limit]
        nxt = _cursor(start + limit) if start + limit < len(rows) else None
        return Response.json({"results": chunk, "next_cursor": nxt})

    @staticmethod
    def _project(p: dict[str, Any]) -> dict[str, Any]:
        return _rest_view(p, "is_deleted")

    @staticmethod
    def _task(i: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in i.items() if not k.startswith("_")}


def _full_sync(req: Request) -> bool:
    """Whether a request is a full sync (``sync_token=*``), which Todoist limits apart."""
    if not (req.method == "POST" and req.path.endswith("/sync")):
        return False
    form = parse_qs(req.body.decode("utf-8", "replace"))
    return form.get("sync_token") == ["*"]


def _json_arg(form: dict[str, str], name: str, default: str, kind: type) -> Any:
    """A Sync argument that is JSON of the given kind; anything else is Todoist's 400."""
    try:
        value = json.loads(form.get(name) or default)
    except ValueError:
        raise invalid(name, "not JSON") from None
    if not isinstance(value, kind):
        raise invalid(name, f"a JSON {kind.__name__}")
    return value


def _cursor(offset: int) -> str:
    """An opaque-looking cursor (clients pass it back as they got it)."""
    return f"c{offset:x}"


def _cursor_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not re.fullmatch(r"c[0-9a-f]+", cursor):
        raise invalid("cursor", "pass next_cursor as it was given")
    return int(cursor[1:], 16)


def _rest_view(obj: dict[str, Any], *sync_only: str) -> dict[str, Any]:
    """A Sync resource as the REST routes answer it: without the emulator's own keys and the
    Sync-only ones the REST object lacks (as in the official SDK's v1 examples); REST lists
    only live objects, so ``is_deleted`` would always be false there."""
    return {k: v for k, v in obj.items() if not k.startswith("_") and k not in sync_only}
