"""A local Jira Cloud (REST API v3) for the ``jira`` client, the tests and the demo.

Serves what the client and adapter call: ``serverInfo`` (``deploymentType: Cloud``),
``myself``, ``field``, ``search/jql`` (``nextPageToken``/``isLast``; the removed ``/search``
answers 410), issue create/get/edit/delete with ``self`` links to this server, transitions over
a configurable workflow, issue entity properties (and JQL on them), user search, priorities,
projects, issue types (with Jira's hierarchy: epic, standard, sub-task) and sprints. JQL is
parsed by a grammar and answered over the emulator's issues (:mod:`adapters.jira.emu_jql`):
``AND``/``OR``/``NOT``, parentheses, ``IN``, ``~``, ``IS EMPTY``, ``currentUser()`` (the API
account), ``sprint in openSprints()``, dates in the emulated user's zone (America/New_York by
default) or relative (``-14d``), ``issue.property[key].field`` (only for properties an app
indexed, see :attr:`JiraEmulator.indexed_properties`), ``ORDER BY``. It rejects what real Jira
rejects: unbounded JQL, a status set by editing, a create without a required field, a parent
outside the hierarchy, a description that is not ADF, deleting an issue with sub-tasks, all
with Jira's ``{"errorMessages": [...], "errors": {...}}`` body. ``search/jql`` returns ids
only unless ``fields`` are asked for, up to 100 issues a page (5,000 for ids only). Edits after
creation are recorded in a changelog (:mod:`adapters.jira.emu_changelog`), by the API user or,
for :meth:`JiraEmulator.edit` and :meth:`JiraEmulator.move`, by a person in the UI.

A write is all or nothing, as in Jira: every field of a create, edit or transition is checked
before any is stored (:mod:`adapters.jira.emu_edit`); a body that is not JSON or not of the
operation's shape, and a query number that is not one, are Jira's 400
(:mod:`adapters.jira.emu_input`). API v2 answers descriptions and comment bodies as strings
(:mod:`adapters.jira.emu_text`). The helpers that play the person in Jira's UI (``create``,
``add_user``, ``edit``, ...) take the emulator's lock, as the request handlers do.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from adapters.emulation import Emulator, Request, Response
from adapters.jira import emu_discovery, emu_edit, emu_fields, emu_input, emu_planning, emu_text
from adapters.jira.emu_changelog import ISSUE_HISTORIES, PERSON, Changelogs
from adapters.jira.emu_jql import JiraError, JqlSearch
from adapters.jira.emu_jql_eval import SPRINT_FIELD
from adapters.jira.emu_quota import BurstLimit
from adapters.jira.emu_routes import JiraRoutes

WORKFLOW = {  # status -> {transition name: target status}
    "To Do": {"Start": "In Progress", "Done": "Done"},
    "In Progress": {"Stop": "To Do", "Review": "In Review", "Done": "Done"},
    "In Review": {"Back": "In Progress", "Done": "Done"},
    "Done": {"Reopen": "To Do"},
}
PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"]
#: Jira Cloud's issue-type hierarchy: an epic (1) holds standard issues (0), which hold
#: sub-tasks (-1). A parent must be exactly one level up, as in company-managed projects.
ISSUE_TYPES = {
    "Epic": {"id": "10000", "name": "Epic", "subtask": False, "hierarchyLevel": 1},
    "Story": {"id": "10003", "name": "Story", "subtask": False, "hierarchyLevel": 0},
    "Task": {"id": "10001", "name": "Task", "subtask": False, "hierarchyLevel": 0},
    "Bug": {"id": "10004", "name": "Bug", "subtask": False, "hierarchyLevel": 0},
    "Sub-task": {"id": "10002", "name": "Sub-task", "subtask": True, "hierarchyLevel": -1},
}


def _jira_time(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


class JiraEmulator(Emulator, JqlSearch):
    service = "jira"
    priorities = PRIORITIES  # what JQL's priority and issuetype values are checked against
    issue_types = ISSUE_TYPES

    def __init__(self, email: str = "bot@example.com", token: str = "jira-token",
                 workflow: dict[str, dict[str, str]] | None = None,
                 user_zone: str = "America/New_York") -> None:
        super().__init__()
        #: JQL date-times are read in the API user's profile zone, as in real Jira
        self.user_zone = user_zone
        self.email, self.token = email, token
        self.workflow = workflow or WORKFLOW
        self.projects: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.issues: dict[str, dict[str, Any]] = {}  # id -> issue (raw)
        self.properties: dict[str, dict[str, Any]] = {}  # id -> {key: value}
        #: entity properties JQL can search: real Jira indexes only those an installed app
        #: declares (a Connect/Forge module); a plain API-token integration has none
        self.indexed_properties: set[str] = set()
        #: accounts whose profile hides their e-mail (Atlassian's default for many sites):
        #: the address is left out of every answer, but user search still matches it
        self.hidden_emails: set[str] = set()
        #: the site's time tracking (Settings > Issues > Time tracking): off, an edit of
        #: ``timetracking`` is refused as a field not on the screen
        self.time_tracking = True
        #: the board's sprints (id -> {id, name, state}); issues hold theirs in Jira Cloud's
        #: Sprint field, ``customfield_10020`` (JQL ``sprint``, ``cf[10020]``)
        self.sprints: dict[str, dict[str, Any]] = {}
        #: the site's Sprint and story points custom fields (:mod:`adapters.jira.emu_planning`):
        #: Jira Software Cloud's by default, none on a site without Jira Software
        self.planning_fields: list[dict[str, Any]] = list(emu_planning.CLOUD)
        #: agile boards (GET /rest/agile/1.0/board), each on one project
        self.boards: list[dict[str, Any]] = []
        self._ids = itertools.count(10001)
        self.me = self.add_user(email, "synchub bot")
        self.changelogs = Changelogs()
        self.comments: dict[str, list[dict[str, Any]]] = {}  # issue id -> its comments
        #: issue id -> watchers, worklogs, remote links (adapters.jira.emu_extras)
        self.extras: dict[str, dict[str, Any]] = {}
        self.links: list[dict[str, Any]] = []  # issue links, each in both issues' fields
        self._comment_ids = itertools.count(10000)
        self.routes = JiraRoutes(self)
        #: Jira Cloud's burst rate limit (:mod:`adapters.jira.emu_quota`); None: off, as in
        #: unit tests (the sandbox and the benches switch it on)
        self.rate_limit: BurstLimit | None = None

    # -- direct state access (the "user in Jira's UI") ----------------------------------------

    def add_user(self, email: str, name: str = "") -> str:
        with self.lock:
            aid = f"5b10a2844c20165700ede{len(self.users):03d}"
            self.users[aid] = {"accountId": aid, "emailAddress": email,
                               "displayName": name or email, "active": True,
                               "accountType": "atlassian", "timeZone": self.user_zone}
            return aid

    def add_project(self, key: str, name: str = "") -> None:
        with self.lock:
            self.projects[key] = {"id": str(10000 + len(self.projects)), "key": key,
                                  "name": name or key, "counter": itertools.count(1)}

    def add_board(self, name: str, project: str, kind: str = "scrum") -> int:
        """A board on a project (``scrum`` or ``kanban``), as the agile API lists it."""
        with self.lock:
            bid = 1 + len(self.boards)
            p = self.projects[project]
            self.boards.append({
                "id": bid, "self": f"{self.base_url}/rest/agile/1.0/board/{bid}",
                "name": name, "type": kind, "location": {
                    "projectId": int(p["id"]), "projectKey": p["key"],
                    "projectName": p["name"], "projectTypeKey": "software",
                    "displayName": f"{p['name']} ({p['key']})"}})
            return bid

    def add_sprint(self, name: str, state: str = "active", board: int | None = None,
                   goal: str = "") -> int:
        """A sprint (``active``, ``closed`` or ``future``) on a scrum board (by default the
        first one, if any); returns its id. A started sprint has its two weeks' dates."""
        with self.lock:
            if board is None:
                board = next((b["id"] for b in self.boards if b["type"] == "scrum"), None)
            sid = 1 + len(self.sprints)
            sprint: dict[str, Any] = {"id": sid, "name": name, "state": state,
                                      "board": board, "goal": goal}
            if state != "future":
                start = self.now().replace(microsecond=0)
                sprint |= {"startDate": start, "endDate": start + dt.timedelta(days=14)}
            if state == "closed":
                sprint["completeDate"] = sprint["endDate"]
            self.sprints[str(sid)] = sprint
            return sid

    def sprint_field(self, sprint: dict[str, Any]) -> dict[str, Any]:
        """A sprint as an issue's Sprint field holds it (Jira Cloud's ``customfield_10020``
        entries: ``boardId``, not the agile API's ``originBoardId``)."""
        out = {k: sprint[k] for k in ("id", "name", "state", "goal")}
        if sprint.get("board") is not None:
            out["boardId"] = sprint["board"]
        for k in ("startDate", "endDate", "completeDate"):
            if sprint.get(k):
                out[k] = sprint[k].strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return out

    def set_sprint(self, key: str, *sprint_ids: int) -> None:
        """Put an issue in sprints (none: out of every sprint), as a person on the board."""
        with self.lock:
            issue = self._by_key(key)
            self._apply(issue, {SPRINT_FIELD: [self.sprint_field(self.sprints[str(s)])
                                               for s in sprint_ids] or None}, PERSON)

    def close_sprint(self, sid: int, move_to: int | None = None) -> None:
        """Complete a sprint on its board (:func:`emu_planning.close_sprint`)."""
        with self.lock:
            emu_planning.close_sprint(self, sid, move_to)

    def _by_key(self, key_or_id: str) -> dict[str, Any]:
        for issue in self.issues.values():
            if key_or_id in (issue["id"], issue["key"]):
                return issue
        raise JiraError(404, ["Issue does not exist or you do not have permission to see it."])

    def create(self, fields: dict[str, Any], properties: list[dict[str, Any]] | None = None,
               *, v2: bool = False, update: dict[str, Any] | None = None) -> dict[str, Any]:
        """An issue, as a person creates it in the UI or ``POST /issue`` does: every field is
        checked before anything is kept (a refused create uses up no key)."""
        with self.lock:
            fields = emu_edit.merged({}, fields, update)
            missing = {k: f"{k} is required." for k in ("project", "issuetype", "summary")
                       if not fields.get(k)}
            if missing:
                raise JiraError(400, [], missing)
            project, kind = self._create_target(fields)
            if kind["subtask"] and not fields.get("parent"):
                raise JiraError(400, [], {"parent": "Sub-tasks must have a parent."})
            rest = {k: v for k, v in fields.items() if k not in ("project", "issuetype")}
            values = emu_edit.prepare(emu_edit.Context(self, kind["hierarchyLevel"], v2=v2),
                                      rest)
            props = emu_input.properties(properties)
            iid = str(next(self._ids))
            now = _jira_time(self.now())
            issue = {"id": iid, "key": f"{project['key']}-{next(project['counter'])}",
                     "fields": {
                "summary": "", "description": None, "labels": [], "duedate": None,
                "priority": {"name": "Medium", "id": "3"}, "assignee": None, "parent": None,
                "reporter": dict(self.users[self.me]), "resolution": None,
                "status": emu_discovery.status_json(self, next(iter(self.workflow))),
                "issuetype": dict(kind),
                "project": {"key": project["key"], "id": project["id"],
                            "name": project["name"]},
                "created": now, "updated": now} | dict.fromkeys(emu_planning.ids(self))}
            self._apply(issue, values)
            self.issues[iid] = issue
            self.properties[iid] = props
            return issue

    def _create_target(self, fields: dict[str, Any]
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The project and issue type a create names (by key or id, as Jira takes them)."""
        wanted, kind_wanted = fields["project"], fields["issuetype"]
        project = next((p for p in self.projects.values() if isinstance(wanted, dict) and (
            wanted.get("key") == p["key"] or str(wanted.get("id")) == p["id"])), None)
        errors = {}
        if project is None:
            errors["project"] = "valid project is required"
        kind = next((t for t in ISSUE_TYPES.values() if isinstance(kind_wanted, dict) and (
            kind_wanted.get("name") == t["name"] or str(kind_wanted.get("id")) == t["id"])),
            None)
        if kind is None:
            errors["issuetype"] = "Specify an issue type"
        if project is None or kind is None:
            raise JiraError(400, [], errors)
        return project, kind

    def _apply(self, issue: dict[str, Any], values: dict[str, Any],
               author: dict[str, Any] | None = None) -> None:
        """Store checked values (:func:`emu_edit.prepare`); with an ``author`` (an edit,
        not a create) log what changed."""
        changes = [(name, issue["fields"].get(name), value) for name, value in values.items()]
        issue["fields"].update(values)
        issue["fields"]["updated"] = _jira_time(self.now())
        if author is not None:
            self.changelogs.record(issue["id"], author, issue["fields"]["updated"], changes,
                                   emu_planning.names(self))

    def _edit(self, issue: dict[str, Any], fields: dict[str, Any],
              author: dict[str, Any] | None = None, *, v2: bool = False) -> None:
        """Check all of ``fields``, then apply them (nothing when one is refused)."""
        ctx = emu_edit.Context(self, issue["fields"]["issuetype"]["hierarchyLevel"],
                               issue["id"], v2=v2)
        self._apply(issue, emu_edit.prepare(ctx, fields), author)

    def edit(self, key: str, **fields: Any) -> None:
        """An edit by a person in Jira's UI (logged under that person, not the API user)."""
        with self.lock:
            self._edit(self._by_key(key), fields, PERSON)

    def move(self, key: str, status: str, author: dict[str, Any] | None = None,
             fields: dict[str, Any] | None = None) -> None:
        """A transition to ``status``: into a done status the resolution is set (Done unless
        ``fields`` name another), out of one it is cleared; ``fields`` are checked ones
        (:func:`emu_edit.prepare`), stored in the same history as the status."""
        with self.lock:
            issue = self._by_key(key)
            values = dict(fields or {})
            values["status"] = emu_discovery.status_json(self, status)
            done = emu_discovery.category(self.workflow, status) == "done"
            if not done:
                values |= {"resolution": None, "resolutiondate": None}
            else:
                values["resolution"] = (values.get("resolution")
                                        or emu_edit.resolution_json(self, "10000"))
                values["resolutiondate"] = (issue["fields"].get("resolutiondate")
                                            or _jira_time(self.now()))
            self._apply(issue, values, author or PERSON)

    def delete(self, key: str, *, subtasks: bool = False) -> None:
        with self.lock:
            issue = self._by_key(key)
            children = [i for i in self.issues.values()
                        if (i["fields"].get("parent") or {}).get("id") == issue["id"]]
            if children and not subtasks:
                raise JiraError(400, [f"The issue '{issue['key']}' has subtasks. Use the "
                                      "deleteSubtasks=true parameter to delete them."])
            for gone in [issue, *children]:
                del self.issues[gone["id"]]

    # -- HTTP -----------------------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None = None) -> Response:
        headers = {}
        if status == 429:  # Jira Cloud's rate-limit headers (Retry-After is added by the base)
            reset = self.now() + dt.timedelta(minutes=1)
            headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
                       "RateLimit-Reason": "jira-burst-based"}
        return Response.json({"errorMessages": [message], "errors": {}}, status, headers)

    def op_name(self, req: Request) -> tuple[str, bool]:
        if req.path.endswith("/search/jql"):
            return "search", False
        if req.path.endswith(("/issue", "/issue/bulk")) and req.method == "POST":
            return "create", True
        if re.search(r"/issue/[^/]+$", req.path) and req.method in ("PUT", "DELETE"):
            return ("update" if req.method == "PUT" else "delete"), True
        if req.path.endswith("/transitions") and req.method == "POST":
            return "update", True
        if re.search(r"/issue/[^/]+/comment(/[^/]+)?$", req.path):
            return "comment", req.method != "GET"
        return req.path, req.method not in ("GET", "HEAD")

    def handle(self, req: Request) -> Response:
        import base64

        auth = req.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if auth != expected:
            return Response.json({"errorMessages": ["Client must be authenticated to access "
                                                    "this resource."], "errors": {}}, 401)
        limit: dict[str, str] = {}
        if self.rate_limit is not None:
            wait, left = self.rate_limit.take(req.method, req.path)
            limit = self.rate_limit.headers(wait, left, self.now())
            if wait > 0:  # Jira's body for a burst 429 is its usual error shape
                return Response.json({"errorMessages": ["Rate limit exceeded."], "errors": {}},
                                     429, limit)
        resp = self._answer(req)
        resp.headers.update(limit)
        return resp

    def _answer(self, req: Request) -> Response:
        if re.fullmatch(r"/rest/api/[23]/search", req.path):
            return Response.json({"errorMessages": [
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql"
                " API. A full migration guideline is available at https://developer.atlassian"
                ".com/changelog/#CHANGE-2046"], "errors": {}}, 410)
        try:
            status, body = self._route(req)
        except JiraError as exc:
            return Response.json({"errorMessages": exc.messages, "errors": exc.errors},
                                 exc.status)
        if body is None:  # 204, and property writes: no body at all
            return Response(status)
        return Response.json(body, status)

    def _transition_id(self, status: str, name: str) -> str:
        """Stable, unique ids: the transition's place in the whole workflow (as Jira numbers
        them), not a hash that two transitions could share."""
        every = [(s, n) for s, moves in self.workflow.items() for n in moves]
        return str(11 + every.index((status, name)) * 10)

    def _user_json(self, user: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in user.items()
                 if k != "emailAddress" or user["accountId"] not in self.hidden_emails}
        return {"self": f"{self.base_url}/rest/api/3/user?accountId={user['accountId']}",
                **shown}

    def _issue_json(self, issue: dict[str, Any], fields: list[str] | None = None,
                    expand: str | None = None, histories: int = ISSUE_HISTORIES,
                    v2: bool = False) -> dict[str, Any]:
        """An issue as Jira returns it; ``fields`` as a search asks for them (``*all`` and
        ``*navigable`` mean all; without ``fields`` only the id, key and link come back).
        API v2 (``v2``) has the description and comment bodies as strings."""
        data: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue["id"], "key": issue["key"],
            "self": f"{self.base_url}/rest/api/3/issue/{issue['id']}"}
        if fields is None or {"*all", "*navigable"} & set(fields):
            data["fields"] = emu_fields.system_fields(self, issue, v2)
        elif set(fields) - {"id", "key"}:
            every = (issue["fields"] if set(fields) <= set(issue["fields"])
                     else emu_fields.system_fields(self, issue, v2))
            data["fields"] = {f: every[f] for f in fields if f in every}
        for person in ("assignee", "reporter", "creator"):
            if (data.get("fields") or {}).get(person):
                data["fields"][person] = self._user_json(data["fields"][person])
        if v2 and "description" in data.get("fields", {}):
            data["fields"]["description"] = emu_text.doc_text(data["fields"]["description"])
        if "changelog" in (expand or "").split(","):
            data["changelog"] = self.changelogs.expanded(issue["id"], histories)
        return data

    def _project_json(self, project: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in project.items() if k != "counter"}
        return out | {"self": f"{self.base_url}/rest/api/3/project/{project['id']}",
                      "projectTypeKey": "software", "simplified": False}

    def _route(self, req: Request) -> tuple[int, Any]:
        """The route table's handler for the path (``/rest/api/2|3|latest`` stripped);
        another method on a known path is Jira's 405, an unknown path its 404."""
        path = req.path if req.path.startswith("/rest/agile/") else re.sub(
            r"^/rest/api/([23]|latest)(?=/)", "", req.path)
        found = self.routes.router.find(req.method, path)
        if found is True:
            raise JiraError(405, [f"HTTP method {req.method} is not supported by this "
                                  "resource."])
        if found is False:
            raise JiraError(404, ["Not found: " + req.path])
        handler, params = found
        answer: tuple[int, Any] = handler(req, params)
        return answer

    # -- comments (the person in Jira's UI, and the API's routes) ------------------------------

    def stamp(self) -> str:
        return _jira_time(self.now())

    def add_comment(self, key: str, body: dict[str, Any],
                    author: dict[str, Any] | None = None,
                    visibility: dict[str, Any] | None = None) -> dict[str, Any]:
        """A comment on an issue (by the API user unless ``author``; seen only by a group or
        role with ``visibility``); returns it. As in Jira Cloud, adding, editing or deleting
        a comment moves the issue's ``updated`` (so JQL ``updated >= ...`` finds it), but
        records no changelog history."""
        with self.lock:
            issue = self._by_key(key)
            who = author or self.users[self.me]
            now = self.stamp()
            comment = {"id": str(next(self._comment_ids)), "author": who, "updateAuthor": who,
                       "body": body, "created": now, "updated": now, "issue": issue["id"],
                       "visibility": visibility}
            self.comments.setdefault(issue["id"], []).append(comment)
            issue["fields"]["updated"] = now
            return comment

    def find_comment(self, key: str, cid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The issue and its comment ``cid``; either missing is Jira's 404."""
        issue = self._by_key(key)
        found = next((c for c in self.comments.get(issue["id"], []) if c["id"] == cid), None)
        if found is None:
            raise JiraError(404, [f"Can not find a comment for the id: {cid}."])
        return issue, found

    def edit_comment(self, key: str, cid: str, body: dict[str, Any],
                     author: dict[str, Any] | None = None) -> dict[str, Any]:
        """A comment's new body (by the API user unless ``author``); returns the comment."""
        with self.lock:
            issue, comment = self.find_comment(key, cid)
            now = self.stamp()
            comment |= {"body": body, "updated": now,
                        "updateAuthor": author or self.users[self.me]}
            issue["fields"]["updated"] = now
            return comment

    def delete_comment(self, key: str, cid: str) -> None:
        with self.lock:
            issue, comment = self.find_comment(key, cid)
            self.comments[issue["id"]].remove(comment)
            issue["fields"]["updated"] = self.stamp()

    def _comment_json(self, c: dict[str, Any], v2: bool = False) -> dict[str, Any]:
        """A comment; its body a document (v3) or, in API v2, its text."""
        body = emu_text.doc_text(c["body"]) if v2 else c["body"]
        out = {"self": f"{self.base_url}/rest/api/3/issue/{c['issue']}/comment/{c['id']}",
               "id": c["id"], "author": self._user_json(c["author"]), "body": body,
               "updateAuthor": self._user_json(c["updateAuthor"]), "created": c["created"],
               "updated": c["updated"], "jsdPublic": True}
        if c.get("visibility"):
            out["visibility"] = c["visibility"]
        return out
