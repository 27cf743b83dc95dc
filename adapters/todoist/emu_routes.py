"""The Todoist emulator's REST routes (unified API v1, ``/api/v1/...``) as a route table
(:class:`adapters.emulation.Router`), for what todoist-api-python calls besides ``/sync``:
tasks (list with its filters, get, add, update, close, reopen, delete), projects, sections,
labels and comments. The writes go through the same code as the Sync commands
(``item_add``, ``item_update``, ``item_close`` ...), so a task written either way is the same
task, seen by the next incremental sync.

REST takes its own argument names where they differ from the Sync API's (``due_string``,
``due_date``, ``due_datetime``, ``assignee_id``, ``task_id``) and answers objects with REST
names (``is_collapsed``, ``updated_at``). Key names follow the official SDK's v1 models and
its maintainers' example responses (``../shared/fixtures/todoist-sdk-examples``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Response, Router
from adapters.todoist import emu_dates
from adapters.todoist.emu_errors import CommandError, invalid

if TYPE_CHECKING:
    from adapters.todoist.emulator import TodoistEmulator


def _label_view(obj: dict[str, Any]) -> dict[str, Any]:
    """A label as REST answers it: without the emulator's own keys and ``is_deleted``."""
    return {k: v for k, v in obj.items()
            if not k.startswith("_") and k not in ("is_deleted", "updated_at")}


def _rest_due(body: dict[str, Any]) -> dict[str, Any] | None:
    """REST's ``due_string`` / ``due_date`` (``YYYY-MM-DD``) / ``due_datetime`` (RFC 3339),
    one of them, as a Sync due object; a malformed one is Todoist's 400."""
    given = [k for k in ("due_string", "due_date", "due_datetime") if body.get(k) is not None]
    if len(given) > 1:
        raise invalid(given[1], f"only one of {', '.join(given)} can be set")
    due: dict[str, Any] = {"lang": body["due_lang"]} if body.get("due_lang") else {}
    if body.get("due_string") is not None:
        due["string"] = str(body["due_string"])
    elif body.get("due_date") is not None:
        try:
            if len(str(body["due_date"])) != 10:
                raise ValueError("a date, not a date-time")
            due["date"] = emu_dates.wire_date(body["due_date"])
        except ValueError:
            raise invalid("due_date", "a date is YYYY-MM-DD") from None
    elif body.get("due_datetime") is not None:
        try:
            due["date"] = emu_dates.rfc3339(body["due_datetime"])
        except ValueError:
            raise invalid("due_datetime", "an RFC 3339 date-time") from None
    return due if set(due) - {"lang"} else None


def _task_args(body: dict[str, Any]) -> dict[str, Any]:
    """REST task arguments as the Sync commands take them."""
    args = {k: v for k, v in body.items() if k in (
        "content", "description", "project_id", "section_id", "parent_id", "labels",
        "priority")}
    if body.get("assignee_id") is not None:
        args["responsible_uid"] = body["assignee_id"]
    due = _rest_due(body)
    if due:
        args["due"] = due
    if body.get("duration") is not None:
        args["duration"] = {"amount": body["duration"], "unit": body.get("duration_unit")}
    if body.get("deadline_date"):
        args["deadline"] = {"date": body["deadline_date"], "lang": body.get("deadline_lang",
                                                                           "en")}
    return args


class TodoistRoutes:
    def __init__(self, emu: TodoistEmulator) -> None:
        self.emu = emu
        self.router = Router()
        r = self.router.add
        r("GET", "/tasks", self.tasks)
        r("POST", "/tasks", self.add_task)
        r("GET", "/tasks/filter", self.filter_tasks)
        r("GET", "/tasks/completed/by_completion_date", self.completed)
        r("GET", "/tasks/{id}", self.get_task)
        r("POST", "/tasks/{id}", self.update_task)
        r("DELETE", "/tasks/{id}", self.delete_task)
        r("POST", "/tasks/{id}/close", self.close_task)
        r("POST", "/tasks/{id}/reopen", self.reopen_task)
        r("GET", "/projects", self.projects)
        r("POST", "/projects", self.add_project)
        r("GET", "/projects/{id}/collaborators", self.collaborators)
        r("GET", "/projects/{id}", self.get_project)
        r("POST", "/projects/{id}", self.update_project)
        r("DELETE", "/projects/{id}", self.delete_project)
        r("GET", "/sections", self.sections)
        r("POST", "/sections", self.add_section)
        r("GET", "/sections/{id}", self.get_section)
        r("DELETE", "/sections/{id}", self.delete_section)
        r("GET", "/labels", self.labels)
        r("POST", "/labels", self.add_label)
        r("DELETE", "/labels/{id}", self.delete_label)
        r("GET", "/comments", self.comments)
        r("POST", "/comments", self.add_comment)
        r("GET", "/comments/{id}", self.get_comment)
        r("POST", "/comments/{id}", self.update_comment)
        r("DELETE", "/comments/{id}", self.delete_comment)

    def _json(self, req: Request) -> dict[str, Any]:
        """The request's JSON object; a body that is not one is Todoist's 400."""
        try:
            data = req.json() if req.body else {}
        except ValueError:
            raise invalid("body", "the body is not JSON") from None
        if not isinstance(data, dict):
            raise invalid("body", "the body is a JSON object")
        return data

    def _one(self, table: dict[str, dict[str, Any]], key: str, what: str
             ) -> dict[str, Any] | Response:
        found = table.get(key)
        if found is None or found.get("is_deleted"):
            return self.emu.error_body(404, f"{what} not found")
        return found

    def _soft_delete(self, table: dict[str, dict[str, Any]], key: str, what: str
                     ) -> Response:
        """Todoist keeps a deleted object as ``is_deleted`` (the next sync reports it)."""
        found = self._one(table, key, what)
        if isinstance(found, Response):
            return found
        with self.emu.lock:
            found["is_deleted"] = True
            self.emu._touch(found)
        return Response(204)

    # -- tasks --------------------------------------------------------------------------------

    def tasks(self, req: Request, p: dict[str, str]) -> Response:
        emu = self.emu
        wanted = {k: req.q(k) for k in ("project_id", "section_id", "parent_id")}
        label, ids = req.q("label"), {i for i in (req.q("ids") or "").split(",") if i}
        rows = [emu.task_json(i) for i in emu.items.values()
                if not i["is_deleted"] and not i["checked"]
                and all(v is None or str(i.get(k)) == v for k, v in wanted.items())
                and (label is None or label in i["labels"]) and (not ids or i["id"] in ids)]
        return emu._page(req, rows)

    def filter_tasks(self, req: Request, p: dict[str, str]) -> Response:
        from adapters.todoist.emu_filter import FilterError

        emu = self.emu
        try:
            test = emu.filter_test(req.q("query") or "")
        except FilterError as exc:
            return emu.error_body(400, str(exc))
        return emu._page(req, [emu.task_json(i) for i in emu.items.values()
                               if not i["is_deleted"] and not i["checked"] and test(i)])

    def completed(self, req: Request, p: dict[str, str]) -> Response:
        return self.emu._completed(req)

    def get_task(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.items, p["id"], "Task")
        return found if isinstance(found, Response) else Response.json(self.emu.task_json(found))

    def add_task(self, req: Request, p: dict[str, str]) -> Response:
        return self._write(lambda: self.emu._item_add(_task_args(self._json(req))))

    def update_task(self, req: Request, p: dict[str, str]) -> Response:
        def run() -> str:
            self.emu._item_update({"id": p["id"], **_task_args(self._json(req))})
            return p["id"]
        return self._write(run)

    def close_task(self, req: Request, p: dict[str, str]) -> Response:
        return self._write(lambda: self.emu._item_close({"id": p["id"]}), body=False)

    def reopen_task(self, req: Request, p: dict[str, str]) -> Response:
        return self._write(lambda: self.emu._item_uncomplete({"id": p["id"]}), body=False)

    def delete_task(self, req: Request, p: dict[str, str]) -> Response:
        return self._write(lambda: self.emu._item_delete({"id": p["id"]}), body=False)

    def _write(self, run: Any, *, body: bool = True, comment: bool = False) -> Response:
        """A task (or comment) write through the Sync command code; its error as REST
        answers it."""
        with self.emu.lock:
            try:
                result = str(run())
            except CommandError as exc:
                return self.emu.refusal(exc)
            if not body:
                return Response(204)
            return Response.json(self.emu.comment_json(self.emu.notes[result]) if comment
                                 else self.emu.task_json(self.emu.items[result]))

    # -- projects, sections, labels -------------------------------------------------------------

    def projects(self, req: Request, p: dict[str, str]) -> Response:
        emu = self.emu
        return emu._page(req, [emu._project(x) for x in emu.projects.values()
                               if not x["is_deleted"]])

    def get_project(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.projects, p["id"], "Project")
        return found if isinstance(found, Response) else Response.json(
            self.emu._project(found))

    def add_project(self, req: Request, p: dict[str, str]) -> Response:
        body = self._json(req)
        if not str(body.get("name") or "").strip():
            return self.emu.error_body(400, "Argument name is missing")
        pid = self.emu.add_project(str(body["name"]))
        project = self.emu.projects[pid]
        project.update({k: body[k] for k in ("color", "is_favorite", "view_style",
                                              "description", "parent_id") if k in body})
        return Response.json(self.emu._project(project))

    def update_project(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.projects, p["id"], "Project")
        if isinstance(found, Response):
            return found
        body = self._json(req)
        if "name" in body and not str(body["name"] or "").strip():
            raise invalid("name", "a project needs a name")
        with self.emu.lock:
            found.update({k: body[k] for k in ("name", "color", "is_favorite", "view_style",
                                                "description") if k in body})
            self.emu._touch(found)
        return Response.json(self.emu._project(found))

    def delete_project(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.projects, p["id"], "Project")
        if isinstance(found, Response):
            return found
        self.emu.delete_project(p["id"])
        return Response(204)

    def collaborators(self, req: Request, p: dict[str, str]) -> Response:
        return self.emu._page(req, [{"id": u["id"], "email": u["email"], "name": u["name"]}
                                    for u in self.emu.users.values()])

    def sections(self, req: Request, p: dict[str, str]) -> Response:
        pid = req.q("project_id")
        return self.emu._page(req, [self.emu.section_json(s)
                                    for s in self.emu.sections.values()
                                    if not s["is_deleted"]
                                    and (pid is None or s["project_id"] == pid)])

    def get_section(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.sections, p["id"], "Section")
        return found if isinstance(found, Response) else Response.json(
            self.emu.section_json(found))

    def add_section(self, req: Request, p: dict[str, str]) -> Response:
        body = self._json(req)
        if str(body.get("project_id")) not in self.emu.projects:
            return self.emu.error_body(404, "Project not found")
        if not str(body.get("name") or "").strip():
            return self.emu.error_body(400, "Argument name is missing")
        sid = self.emu.add_section(str(body["project_id"]), str(body["name"]))
        return Response.json(self.emu.section_json(self.emu.sections[sid]))

    def delete_section(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.sections, p["id"], "Section")
        if isinstance(found, Response):
            return found
        self.emu.delete_section(p["id"])
        return Response(204)

    def labels(self, req: Request, p: dict[str, str]) -> Response:
        return self.emu._page(req, [_label_view(x) for x in self.emu.labels.values()
                                    if not x["is_deleted"]])

    def add_label(self, req: Request, p: dict[str, str]) -> Response:
        body = self._json(req)
        if not isinstance(body.get("name"), str):
            raise invalid("name", "a label needs a name")
        lid = self.emu.add_label(body["name"], **{k: body[k] for k in (
            "color", "is_favorite") if k in body})
        return Response.json(_label_view(self.emu.labels[lid]))

    def delete_label(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.labels, p["id"], "Label")
        if isinstance(found, Response):
            return found
        self.emu.delete_label(p["id"])
        return Response(204)

    # -- comments -------------------------------------------------------------------------------

    def comments(self, req: Request, p: dict[str, str]) -> Response:
        task = req.q("task_id")
        if task is None and req.q("project_id") is None:
            return self.emu.error_body(400, "Either task_id or project_id is required")
        return self.emu._page(req, [self.emu.comment_json(n)
                                    for n in self.emu.notes.values() if not n["is_deleted"]
                                    and (task is None or n["item_id"] == task)])

    def get_comment(self, req: Request, p: dict[str, str]) -> Response:
        found = self._one(self.emu.notes, p["id"], "Comment")
        return found if isinstance(found, Response) else Response.json(
            self.emu.comment_json(found))

    def add_comment(self, req: Request, p: dict[str, str]) -> Response:
        body = self._json(req)
        return self._write(lambda: self.emu._note_add(
            {"item_id": body.get("task_id"), "content": body.get("content", "")}), comment=True)

    def update_comment(self, req: Request, p: dict[str, str]) -> Response:
        """Only the content can be updated (the SDK's ``update_comment``)."""
        body = self._json(req)

        def run() -> str:
            self.emu._note_update({"id": p["id"], "content": body.get("content", "")})
            return p["id"]
        return self._write(run, comment=True)

    def delete_comment(self, req: Request, p: dict[str, str]) -> Response:
        return self._soft_delete(self.emu.notes, p["id"], "Comment")
