"""The Jira emulator's REST routes as a table (:class:`adapters.emulation.Router`): one small
handler per operation of Jira Cloud's platform API (``/rest/api/3``, also ``2`` and
``latest``, which Jira serves as an alias of its current version) and the agile API's
boards. Each handler gets the request and the path's parts and answers ``(status, body)``;
a :class:`~adapters.jira.emu_jql.JiraError` becomes Jira's error body.

Comments (``/issue/{key}/comment``) keep Jira's shape: a page ``{startAt, maxResults, total,
comments}``, each comment with its author, ADF body and times; API v3 takes the body as an
Atlassian document only (a plain string is Jira's 400), v2 as a string."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Router
from adapters.jira import emu_discovery
from adapters.jira.emu_jql import JiraError
from adapters.jira.emu_jql_eval import SPRINT_FIELD

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

MAX_PAGE, MAX_PAGE_IDS = 100, 5000  # search/jql page sizes: with fields, and ids only
COMMENT_PAGE = 5000  # GET /issue/{key}/comment: maxResults default and cap
FIELDS = ("summary", "description", "status", "priority", "labels", "duedate", "assignee",
          "parent", "updated", "issuetype", "project", "reporter", "resolution", "created")
Answer = tuple[int, Any]


def _body(req: Request) -> dict[str, Any]:
    data = req.json() if req.body else {}
    return data if isinstance(data, dict) else {}


class JiraRoutes:
    """The handlers, bound to one emulator's state."""

    def __init__(self, emu: JiraEmulator) -> None:
        self.emu = emu
        self.router = Router()
        r = self.router.add
        r("GET", "/serverInfo", self.server_info)
        r("GET", "/myself", self.myself)
        r("GET", "/field", self.fields)
        r("GET,POST", "/search/jql", self.search)
        r("POST", "/issue", self.create)
        r("GET", "/issue/{key}", self.get_issue)
        r("PUT", "/issue/{key}", self.edit_issue)
        r("DELETE", "/issue/{key}", self.delete_issue)
        r("GET,POST", "/issue/{key}/transitions", self.transitions)
        r("GET,PUT", "/issue/{key}/properties/{prop}", self.property)
        r("GET,POST", "/issue/{key}/comment", self.comments)
        r("GET,PUT,DELETE", "/issue/{key}/comment/{cid}", self.comment)
        r("GET", "/user", self.user)
        r("GET", "/user/search", self.user_search)
        r("GET", "/priority", self.priorities)
        r("GET", "/project", self.projects)
        r("GET", "/project/search", self.discovered)
        r("GET", "/project/{key}/statuses", self.discovered)
        r("GET", "/project/{key}", self.project)
        r("GET", "/issuetype", self.issue_types)
        r("GET", "/rest/agile/1.0/board", self.discovered)
        from adapters.jira.emu_extras import JiraExtras

        self.extras = JiraExtras(emu, self.router)

    # -- site ---------------------------------------------------------------------------------

    def server_info(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, {"baseUrl": self.emu.base_url, "version": "1001.0.0-SNAPSHOT",
                     "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud",
                     "buildNumber": 100000, "serverTitle": "Jira", "scmInfo": "x"}

    def myself(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, self.emu._user_json(self.emu.users[self.emu.me])

    def fields(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [{"id": f, "key": f, "name": f.capitalize(), "custom": False,
                      "navigable": True, "searchable": True, "clauseNames": [f]}
                     for f in FIELDS] + [
            {"id": SPRINT_FIELD, "key": SPRINT_FIELD, "name": "Sprint", "custom": True,
             "navigable": True, "searchable": True,
             "clauseNames": ["cf[10020]", "Sprint", "sprint"]}]

    def user(self, req: Request, p: dict[str, str]) -> Answer:
        """``GET /user?accountId=``: what every ``self`` link of a person points at."""
        account = req.q("accountId") or ""
        if not account:
            raise JiraError(400, ["The query parameter 'accountId' is required."])
        user = self.emu.users.get(account)
        if user is None:
            raise JiraError(404, [f"Specified user does not exist or you do not have required "
                                  f"permissions (accountId: {account})."])
        return 200, self.emu._user_json(user)

    def user_search(self, req: Request, p: dict[str, str]) -> Answer:
        """``query`` matches a name or an address, or an account id exactly (the jira
        client finds the watcher it adds that way); ``accountId`` an account id."""
        account = req.q("accountId")
        if account is not None:
            return 200, [self.emu._user_json(u) for u in self.emu.users.values()
                         if u["accountId"] == account]
        query = (req.q("query") or "").lower()
        return 200, [self.emu._user_json(u) for u in self.emu.users.values()
                     if query in u["emailAddress"].lower() or query in u["displayName"].lower()
                     or query == u["accountId"].lower()]

    def priorities(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [{"id": str(i + 1), "name": n} for i, n in enumerate(self.emu.priorities)]

    def projects(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [self.emu._project_json(x) for x in self.emu.projects.values()]

    def project(self, req: Request, p: dict[str, str]) -> Answer:
        found = [x for x in self.emu.projects.values() if p["key"] in (x["key"], x["id"])]
        if not found:  # Jira Cloud's wording for GET /project/{projectIdOrKey}
            raise JiraError(404, [f"No project could be found with key '{p['key']}'."])
        return 200, self.emu._project_json(found[0])

    def issue_types(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [dict(t) for t in self.emu.issue_types.values()]

    def discovered(self, req: Request, p: dict[str, str]) -> Answer:
        path = req.path if req.path.startswith("/rest/agile") else _api_path(req.path)
        answer = emu_discovery.route(self.emu, req.method, path, req.query)
        assert answer is not None  # the table sends only its paths here
        return answer

    # -- search -------------------------------------------------------------------------------

    def search(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        params = _body(req) if req.method == "POST" else {
            k: v[0] for k, v in req.query.items()}
        rows = emu._search(str(params.get("jql") or ""))
        fields = params.get("fields") or ["id"]  # Jira's default: ids only
        fields = fields.split(",") if isinstance(fields, str) else list(fields)
        cap = MAX_PAGE_IDS if set(fields) <= {"id", "key"} else MAX_PAGE
        size = max(1, min(int(params.get("maxResults") or 50), cap))
        token = params.get("nextPageToken")
        if token is not None and not str(token).isdigit():
            raise JiraError(400, ["The provided next page token is invalid or expired."])
        start = int(token or 0)
        wanted = params.get("properties") or []
        if isinstance(wanted, str):
            raise JiraError(400, ["Unrecognized request body: 'properties' must be an array "
                                  "of property keys."])
        from adapters.jira.emu_changelog import SEARCH_HISTORIES

        issues = []
        for i in rows[start:start + size]:
            data = emu._issue_json(i, fields, params.get("expand"), SEARCH_HISTORIES)
            if wanted:  # entity properties asked for by key come with each issue
                props = emu.properties.get(i["id"], {})
                data["properties"] = {k: props[k] for k in wanted if k in props}
            issues.append(data)
        out: dict[str, Any] = {"issues": issues, "isLast": start + size >= len(rows)}
        if not out["isLast"]:
            out["nextPageToken"] = str(start + size)
        return 200, out

    # -- issues -------------------------------------------------------------------------------

    def create(self, req: Request, p: dict[str, str]) -> Answer:
        body = _body(req)
        issue = self.emu.create(body.get("fields") or {}, body.get("properties"))
        return 201, {"id": issue["id"], "key": issue["key"],
                     "self": f"{self.emu.base_url}/rest/api/3/issue/{issue['id']}"}

    def get_issue(self, req: Request, p: dict[str, str]) -> Answer:
        issue = self.emu._by_key(p["key"])
        data = self.emu._issue_json(issue, None, req.q("expand"))
        wanted = [k for k in (req.q("properties") or "").split(",") if k]
        if wanted:  # GET issue?properties=a,b: those entity properties too
            props = self.emu.properties.get(issue["id"], {})
            data["properties"] = {k: props[k] for k in wanted if k in props}
        return 200, data

    def edit_issue(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        body = _body(req)
        fields = dict(body.get("fields") or {})
        for name, ops in (body.get("update") or {}).items():
            fields[name] = _apply_verbs(issue["fields"].get(name), ops, name)
        emu._edit(issue, fields, emu.users[emu.me])
        # Edit issue sets the entity properties it carries (IssueUpdateDetails)
        props = emu.properties.setdefault(issue["id"], {})
        props.update({x["key"]: x["value"] for x in body.get("properties") or []})
        return 204, None

    def delete_issue(self, req: Request, p: dict[str, str]) -> Answer:
        self.emu.delete(p["key"], subtasks=req.q("deleteSubtasks") == "true")
        return 204, None

    def transitions(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        current = issue["fields"]["status"]["name"]
        options = emu.workflow.get(current, {})
        if req.method == "GET":
            return 200, {"transitions": [
                {"id": emu._transition_id(current, n), "name": n, "to": {"name": to}}
                for n, to in options.items()]}
        wanted = str(_body(req).get("transition", {}).get("id"))
        for n, to in options.items():
            if emu._transition_id(current, n) == wanted:
                emu.move(issue["key"], to, emu.users[emu.me])
                return 204, None
        raise JiraError(400, ["Transition id '" + wanted + "' is not valid for this issue."])

    def property(self, req: Request, p: dict[str, str]) -> Answer:
        issue = self.emu._by_key(p["key"])
        props = self.emu.properties.setdefault(issue["id"], {})
        if req.method == "PUT":
            existed = p["prop"] in props
            props[p["prop"]] = json.loads(req.body)
            return (200 if existed else 201), None
        if p["prop"] not in props:
            raise JiraError(404, ["The property with key '" + p["prop"] + "' does not exist."])
        return 200, {"key": p["prop"], "value": props[p["prop"]]}

    # -- comments -----------------------------------------------------------------------------

    def comments(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        if req.method == "POST":
            body = _comment_body(req)
            return 201, emu._comment_json(emu.add_comment(issue["key"], body))
        rows = emu.comments.get(issue["id"], [])
        start = int(req.q("startAt") or 0)
        size = max(1, min(int(req.q("maxResults") or COMMENT_PAGE), COMMENT_PAGE))
        if req.q("orderBy") in ("-created", "-+created"):
            rows = list(reversed(rows))
        return 200, {"startAt": start, "maxResults": size, "total": len(rows),
                     "comments": [emu._comment_json(c) for c in rows[start:start + size]]}

    def comment(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        rows = emu.comments.get(issue["id"], [])
        found = next((c for c in rows if c["id"] == p["cid"]), None)
        if found is None:
            raise JiraError(404, [f"Can not find a comment for the id: {p['cid']}."])
        if req.method == "DELETE":
            rows.remove(found)
            return 204, None
        if req.method == "PUT":
            found["body"] = _comment_body(req)
            found["updated"] = emu.stamp()
            found["updateAuthor"] = emu.users[emu.me]
        return 200, emu._comment_json(found)


def _api_path(path: str) -> str:
    import re

    return re.sub(r"^/rest/api/([23]|latest)(?=/)", "", path)


def _comment_body(req: Request) -> Any:
    """The comment's body: an Atlassian document in v3 (a string is refused, as Jira
    does), a string in v2 (kept as a one-paragraph document)."""
    body = _body(req).get("body")
    if req.path.startswith("/rest/api/2/"):
        if not isinstance(body, str) or not body:
            raise JiraError(400, [], {"comment": "Comment body can not be empty!"})
        return {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": body}]}]}
    if not isinstance(body, dict) or body.get("type") != "doc":
        raise JiraError(400, [], {"comment": "Operation value must be an Atlassian Document "
                                             "(see the Atlassian Document Format)"})
    return body


def _apply_verbs(current: Any, ops: Any, name: str) -> Any:
    """An edit's ``update`` verbs on one field: ``set``, and for a list field (labels)
    ``add`` and ``remove``, applied in order as Jira applies them."""
    if not isinstance(ops, list):
        raise JiraError(400, [], {name: "Field operations must be a list."})
    value = current
    for op in ops:
        (verb, arg), = op.items() if isinstance(op, dict) and len(op) == 1 else ((None, None),)
        if verb == "set":
            value = arg
        elif verb in ("add", "remove") and isinstance(value, list | type(None)):
            items = list(value or [])
            if verb == "add" and arg not in items:
                items.append(arg)
            elif verb == "remove" and arg in items:
                items.remove(arg)
            value = items
        else:
            raise JiraError(400, [], {name: f"Field '{name}' does not support operation "
                                            f"'{verb}'."})
    return value
