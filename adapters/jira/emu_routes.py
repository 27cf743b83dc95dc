"""The Jira emulator's REST routes as a table (:class:`adapters.emulation.Router`): one small
handler per operation of Jira Cloud's platform API (``/rest/api/3``, also ``2`` and
``latest``, which Jira serves as an alias of its current version) and the agile API's
boards. Each handler gets the request and the path's parts and answers ``(status, body)``;
a :class:`~adapters.jira.emu_jql.JiraError` becomes Jira's error body.

Comments (``/issue/{key}/comment``) keep Jira's shape: a page ``{startAt, maxResults, total,
comments}`` of up to 100, oldest first (``orderBy`` ``created``/``+created``/``-created``,
anything else a 400), each comment with its author, body, times, ``jsdPublic`` and any
``visibility``; API v3 takes and answers the body as an Atlassian document only (a plain
string is Jira's 400), v2 as a string (the stored document's text,
:mod:`adapters.jira.emu_text`). An edit (``PUT``, 200 with the comment) and a delete
(``DELETE``, 204 without a body) move the issue's ``updated``, as an add does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from adapters.emulation import Request, Router
from adapters.jira import emu_discovery, emu_edit, emu_input, emu_text
from adapters.jira.emu_jql import JiraError

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

MAX_PAGE, MAX_PAGE_IDS = 100, 5000  # search/jql page sizes: with fields, and ids only
#: GET /issue/{key}/comment: maxResults default and cap (the spec's default; Jira Cloud
#: answers no more than 100 a page whatever is asked)
COMMENT_PAGE = 100
BULK_CREATE = 50  # POST /issue/bulk: issues a request may hold
FIELDS = ("summary", "description", "status", "priority", "labels", "duedate", "assignee",
          "parent", "updated", "issuetype", "project", "reporter", "resolution", "created")
Answer = tuple[int, Any]


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
        r("POST", "/issue/bulk", self.bulk_create)
        r("GET", "/issue/{key}", self.get_issue)
        r("PUT", "/issue/{key}", self.edit_issue)
        r("DELETE", "/issue/{key}", self.delete_issue)
        r("GET,POST", "/issue/{key}/transitions", self.transitions)
        r("GET,PUT", "/issue/{key}/properties/{prop}", self.property)
        r("GET,POST", "/issue/{key}/comment", self.comments)
        r("GET,PUT,DELETE", "/issue/{key}/comment/{cid}", self.comment)
        r("GET", "/user", self.user)
        r("GET", "/user/search", self.user_search)
        r("GET", "/project", self.projects)
        r("GET", "/project/search", self.discovered)
        r("GET", "/project/{key}/statuses", self.discovered)
        r("GET", "/project/{key}", self.project)
        r("GET", "/issuetype", self.issue_types)
        r("GET", "/rest/agile/1.0/board", self.discovered)
        from adapters.jira.emu_agile import JiraAgile
        from adapters.jira.emu_catalog import JiraCatalog
        from adapters.jira.emu_extras import JiraExtras

        self.extras = JiraExtras(emu, self.router)
        self.catalog = JiraCatalog(emu, self.router)
        self.agile = JiraAgile(emu, self.router)

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
                     for f in FIELDS] + [dict(f) for f in self.emu.planning_fields]

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

    def projects(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [self.emu._project_json(x) for x in self.emu.projects.values()]

    def project(self, req: Request, p: dict[str, str]) -> Answer:
        found = [x for x in self.emu.projects.values() if p["key"] in (x["key"], x["id"])]
        if not found:  # Jira Cloud's wording for GET /project/{projectIdOrKey}
            raise JiraError(404, [f"No project could be found with key '{p['key']}'."])
        out = self.emu._project_json(found[0])
        if "issueTypes" in emu_input.query_list(req, "expand"):  # as create_issues asks
            out["issueTypes"] = self._issue_types()
        return 200, out

    def issue_types(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, self._issue_types()

    def _issue_types(self) -> list[dict[str, Any]]:
        base = self.emu.base_url
        return [t | {"self": f"{base}/rest/api/3/issuetype/{t['id']}", "description": "",
                     "iconUrl": f"{base}/rest/api/2/universal_avatar/view/type/issuetype/"
                                "avatar/10318?size=medium", "avatarId": 10318}
                for t in self.emu.issue_types.values()]

    def discovered(self, req: Request, p: dict[str, str]) -> Answer:
        path = req.path if req.path.startswith("/rest/agile") else _api_path(req.path)
        answer = emu_discovery.route(self.emu, req.method, path, req.query)
        assert answer is not None  # the table sends only its paths here
        return answer

    # -- search -------------------------------------------------------------------------------

    def search(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        q = _search_params(req)
        rows = emu._search(q.jql)
        fields = q.fields or ["id"]  # Jira's default: ids only
        cap = MAX_PAGE_IDS if set(fields) <= {"id", "key"} else MAX_PAGE
        size = max(1, min(q.size, cap))
        token = q.token
        if token is not None and not token.isdigit():
            raise JiraError(400, ["The provided next page token is invalid or expired."])
        start = int(token or 0)
        from adapters.jira.emu_changelog import SEARCH_HISTORIES

        issues = []
        for i in rows[start:start + size]:
            data = emu._issue_json(i, fields, q.expand, SEARCH_HISTORIES, v2=_v2(req))
            if q.properties:  # entity properties asked for by key come with each issue
                props = emu.properties.get(i["id"], {})
                data["properties"] = {k: props[k] for k in q.properties if k in props}
            issues.append(data)
        out: dict[str, Any] = {"issues": issues, "isLast": start + size >= len(rows)}
        if not out["isLast"]:
            out["nextPageToken"] = str(start + size)
        return 200, out

    # -- issues -------------------------------------------------------------------------------

    def create(self, req: Request, p: dict[str, str]) -> Answer:
        body = emu_input.object_body(req)
        issue = self.emu.create(body.get("fields") or {}, body.get("properties"), v2=_v2(req),
                                update=body.get("update"))
        return 201, self._created(issue, self._initial_transition(req, issue, body))

    def _created(self, issue: dict[str, Any], transition: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
        out = {"id": issue["id"], "key": issue["key"],
               "self": f"{self.emu.base_url}/rest/api/3/issue/{issue['id']}"}
        if transition is not None:
            out["transition"] = transition
        return out

    def _initial_transition(self, req: Request, issue: dict[str, Any], body: dict[str, Any]
                            ) -> dict[str, Any] | None:
        """A create's ``transition`` (from the workflow's initial status), applied once the
        issue exists: as in Jira Cloud, a refused one leaves the issue created in its initial
        status and is answered as the created issue's nested ``transition`` response
        (``status`` and ``errorCollection``), never as the create's failure."""
        if body.get("transition") is None:
            return None
        try:
            chosen = emu_input.expect_object(body["transition"], "transition")
            current = issue["fields"]["status"]["name"]
            wanted = str(chosen.get("id"))
            target = next((to for n, to in self.emu.workflow.get(current, {}).items()
                           if self.emu._transition_id(current, n) == wanted), None)
            if target is None:
                raise JiraError(400, ["Transition id '" + wanted + "' is not valid for this "
                                      "issue."])
            self._transition(req, issue, target, {})
        except JiraError as exc:
            return {"status": exc.status, "errorCollection": {
                "errorMessages": exc.messages, "errors": exc.errors}}
        # the spec's example answers a transition made on create with a nested 200
        return {"status": 200, "errorCollection": {"errorMessages": [], "errors": {}}}

    def bulk_create(self, req: Request, p: dict[str, str]) -> Answer:
        """``POST /issue/bulk``: each issue on its own (one refused is not the others'
        failure), the refused ones in ``errors`` by their place in the request; 201 when
        any was created, 400 when none was (``createIssues`` in Jira Cloud's OpenAPI spec:
        ``issueUpdates`` of up to 50, each with ``fields``, ``update``, ``properties`` and
        ``transition``; answered ``{"issues": [...], "errors": [{"failedElementNumber",
        "status", "elementErrors"}]}``)."""
        updates = emu_input.expect_list(emu_input.object_body(req, required=True).get(
            "issueUpdates"), "issueUpdates")
        if len(updates) > BULK_CREATE:
            raise JiraError(400, [f"The number of issues to create in bulk can not exceed "
                                  f"{BULK_CREATE}."])
        created, errors = [], []
        for n, update in enumerate(updates):
            try:
                update = emu_input.expect_object(update, "an issue update")
                issue = self.emu.create(update.get("fields") or {}, update.get("properties"),
                                        v2=_v2(req), update=update.get("update"))
            except JiraError as exc:
                errors.append({"status": exc.status, "failedElementNumber": n,
                               "elementErrors": {"errorMessages": exc.messages,
                                                 "errors": exc.errors, "status": exc.status}})
                continue
            created.append(self._created(issue, self._initial_transition(req, issue, update)))
        return (201 if created or not updates else 400), {"issues": created, "errors": errors}

    def get_issue(self, req: Request, p: dict[str, str]) -> Answer:
        issue = self.emu._by_key(p["key"])
        fields = emu_input.query_list(req, "fields") or None  # Jira's default: all of them
        expand = ",".join(emu_input.query_list(req, "expand"))
        data = self.emu._issue_json(issue, fields, expand, v2=_v2(req))
        wanted = emu_input.query_list(req, "properties")
        if wanted:  # GET issue?properties=a,b: those entity properties too
            props = self.emu.properties.get(issue["id"], {})
            data["properties"] = {k: props[k] for k in wanted if k in props}
        return 200, data

    def edit_issue(self, req: Request, p: dict[str, str]) -> Answer:
        """Everything the edit carries (fields, update verbs, entity properties) is checked
        before anything is stored: a refused edit changes nothing."""
        emu = self.emu
        issue = emu._by_key(p["key"])
        body = emu_input.object_body(req)
        fields = emu_edit.merged(issue["fields"], body.get("fields"), body.get("update"))
        props = emu_input.properties(body.get("properties"))
        emu._edit(issue, fields, emu.users[emu.me], v2=_v2(req))
        # Edit issue sets the entity properties it carries (IssueUpdateDetails)
        emu.properties.setdefault(issue["id"], {}).update(props)
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
        body = emu_input.object_body(req, required=True)
        chosen = emu_input.expect_object(body.get("transition"), "transition")
        wanted = str(chosen.get("id"))
        target = next((to for n, to in options.items()
                       if emu._transition_id(current, n) == wanted), None)
        if target is None:
            raise JiraError(400, ["Transition id '" + wanted + "' is not valid for this "
                                  "issue."])
        self._transition(req, issue, target, body)
        return 204, None

    def _transition(self, req: Request, issue: dict[str, Any], target: str,
                    body: dict[str, Any]) -> None:
        """A transition's fields (a resolution, into a done status) and its ``update``
        (``comment`` and ``worklog`` adds, as the jira client sends them), all checked
        before the issue moves."""
        emu = self.emu
        update = dict(emu_input.expect_object(body.get("update") or {}, "update"))
        comments = [_comment_doc(op.get("add", {}).get("body"), _v2(req)) for op in
                    _adds(update.pop("comment", []), "comment")]
        logs = [emu_input.expect_object(op.get("add"), "a worklog")
                for op in _adds(update.pop("worklog", []), "worklog")]
        seconds = [self.extras.spent(log) for log in logs]
        fields = emu_edit.merged(issue["fields"], body.get("fields"), update)
        done = emu_discovery.category(emu.workflow, target) == "done"
        ctx = emu_edit.Context(emu, issue["fields"]["issuetype"]["hierarchyLevel"],
                               issue["id"], v2=_v2(req), resolution=done)
        values = emu_edit.prepare(ctx, fields)
        emu.move(issue["key"], target, emu.users[emu.me], values)
        for doc in comments:
            emu.add_comment(issue["key"], doc)
        for log, spent in zip(logs, seconds, strict=True):
            self.extras.log_work(issue, log, spent)

    def property(self, req: Request, p: dict[str, str]) -> Answer:
        issue = self.emu._by_key(p["key"])
        props = self.emu.properties.setdefault(issue["id"], {})
        if req.method == "PUT":
            value = emu_input.json_body(req)
            if value is None:
                raise JiraError(400, ["The property value must be a valid, non-empty JSON "
                                      "value."])
            existed = p["prop"] in props
            props[p["prop"]] = value
            return (200 if existed else 201), None
        if p["prop"] not in props:
            raise JiraError(404, ["The property with key '" + p["prop"] + "' does not exist."])
        return 200, {"key": p["prop"], "value": props[p["prop"]]}

    # -- comments -----------------------------------------------------------------------------

    def comments(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        v2 = _v2(req)
        if req.method == "POST":
            body = _comment_body(req)
            seen_by = _visibility(emu_input.object_body(req).get("visibility"))
            return 201, emu._comment_json(emu.add_comment(issue["key"], body,
                                                          visibility=seen_by), v2)
        rows = emu.comments.get(issue["id"], [])  # oldest first, as Jira orders them
        start = max(0, emu_input.query_int(req, "startAt", 0))
        size = max(1, min(emu_input.query_int(req, "maxResults", COMMENT_PAGE), COMMENT_PAGE))
        order = req.q("orderBy")
        if order not in (None, "created", "+created", "-created"):
            raise JiraError(400, [f"The value '{order}' of the query parameter 'orderBy' is "
                                  "not valid: comments can be ordered by created only."])
        if order == "-created":
            rows = list(reversed(rows))
        return 200, {"startAt": start, "maxResults": size, "total": len(rows),
                     "comments": [emu._comment_json(c, v2) for c in rows[start:start + size]]}

    def comment(self, req: Request, p: dict[str, str]) -> Answer:
        """One comment: read, edited (a new body; the issue's ``updated`` moves) or deleted
        (204, no body). A comment not on that issue is Jira's 404."""
        emu = self.emu
        if req.method == "DELETE":
            emu.delete_comment(p["key"], p["cid"])
            return 204, None
        found = emu.find_comment(p["key"], p["cid"])[1]
        if req.method == "PUT":
            found = emu.edit_comment(p["key"], p["cid"], _comment_body(req))
        return 200, emu._comment_json(found, _v2(req))


class SearchParams(NamedTuple):
    jql: str
    fields: list[str] | None
    properties: list[str]
    expand: str | None
    size: int
    token: str | None


def _search_params(req: Request) -> SearchParams:
    """``search/jql``'s parameters: a GET's query (list parameters repeated or
    comma-separated), a POST's body (lists as arrays)."""
    if req.method != "POST":
        return SearchParams(req.q("jql") or "", emu_input.query_list(req, "fields") or None,
                            emu_input.query_list(req, "properties"),
                            ",".join(emu_input.query_list(req, "expand")) or None,
                            emu_input.query_int(req, "maxResults", 50), req.q("nextPageToken"))
    body = emu_input.object_body(req)
    fields = body.get("fields")
    if fields is not None:
        fields = [str(f) for f in emu_input.expect_list(fields, "fields")]
    wanted = body.get("properties")
    if isinstance(wanted, str):
        raise JiraError(400, ["Unrecognized request body: 'properties' must be an array "
                              "of property keys."])
    expand = body.get("expand")
    size = body.get("maxResults")
    token = body.get("nextPageToken")
    return SearchParams(
        str(body.get("jql") or ""), fields,
        [str(k) for k in emu_input.expect_list(wanted, "properties")] if wanted else [],
        ",".join(expand) if isinstance(expand, list) else expand,
        50 if size is None else emu_input.number(size, "maxResults"),
        None if token is None else str(token))


def _v2(req: Request) -> bool:
    """A request to API v2, where text fields are strings rather than documents."""
    return req.path.startswith("/rest/api/2/")


def _api_path(path: str) -> str:
    import re

    return re.sub(r"^/rest/api/([23]|latest)(?=/)", "", path)


def _adds(ops: Any, name: str) -> list[dict[str, Any]]:
    """A transition's ``update`` verbs on a comment or a worklog: ``add`` only."""
    out = []
    for op in emu_input.expect_list(ops, f"update.{name}"):
        if not isinstance(op, dict) or set(op) != {"add"}:
            raise JiraError(400, [], {name: f"Field '{name}' supports only the 'add' "
                                            "operation here."})
        out.append(op)
    return out


def _comment_doc(body: Any, v2: bool) -> dict[str, Any]:
    """A comment's body: an Atlassian document in v3 (a string is refused, as Jira
    does), a string in v2 (stored as a plain document)."""
    if v2:
        if not isinstance(body, str) or not body:
            raise JiraError(400, [], {"comment": "Comment body can not be empty!"})
        return emu_text.plain_doc(body)
    if not isinstance(body, dict) or body.get("type") != "doc":
        raise JiraError(400, [], {"comment": "Operation value must be an Atlassian Document "
                                             "(see the Atlassian Document Format)"})
    return body


def _visibility(value: Any) -> dict[str, Any] | None:
    """A comment's ``visibility``: a group or a role by name (or a group by id)."""
    if value is None:
        return None
    seen_by = emu_input.expect_object(value, "visibility")
    if seen_by.get("type") not in ("group", "role") or not (
            seen_by.get("value") or seen_by.get("identifier")):
        raise JiraError(400, [], {"commentLevel": "You are currently not a member of the "
                                                  "project role or group specified."})
    return dict(seen_by)


def _comment_body(req: Request) -> Any:
    return _comment_doc(emu_input.object_body(req, required=True).get("body"), _v2(req))
