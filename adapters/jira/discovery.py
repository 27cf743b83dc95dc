"""What a Jira connection reaches (:class:`adapters.registry.Discovering`): the user signed
in, the site's projects (``GET /project/search``, 50 a page, Jira's maximum), and for the one
chosen its issue types with their statuses (``GET /project/{key}/statuses``), the site's
priorities and the project's boards (the agile API). ``propose`` fills a preset's endpoint
with them: creates go to the project, the JQL is narrowed to it (:func:`narrow`), and the
status and priority maps list the project's real names, each status by its category (To Do
/ In Progress / Done) rather than by a guess from its name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from adapters.jira import jql_text
from adapters.jira.client import JiraClient
from adapters.registry import Discovery, Target
from adapters.toolkit.discovery import kind_of, plain, priority_rule, status_rule
from hub.errors import SyncHubError

PAGE = 50  # GET /project/search's maxResults cap


def _client(connection: Any) -> JiraClient:
    return JiraClient(connection.url, connection.email, connection.token.get_secret_value())


def discover(connection: Any) -> Discovery:
    client = _client(connection)
    me = client.call(lambda: client.jira.myself())
    targets: list[Target] = []
    start = 0
    while True:
        page = client.raw("GET", f"project/search?startAt={start}&maxResults={PAGE}"
                                 "&orderBy=key")
        for p in page.get("values") or []:
            targets.append(Target(str(p["key"]), str(p.get("name") or p["key"]),
                                  str(p.get("projectTypeKey") or "")))
        values = page.get("values") or []
        if page.get("isLast", True) or not values:
            break
        start += len(values)
    who = f"{me.get('displayName')} ({me.get('emailAddress') or me.get('accountId')})"
    return Discovery(who=who, kind="project", targets=tuple(targets))


def describe(connection: Any, target: Target) -> Target:
    """Three requests: the project's statuses by issue type, the priorities, the boards (a
    site without Jira Software has no agile API: no boards, not an error)."""
    client = _client(connection)
    try:
        key = quote(target.id, safe="")
        types = [t for t in client.raw("GET", f"project/{key}/statuses") or []
                 if not t.get("subtask")]
        priorities = [str(p["name"]) for p in client.raw("GET", "priority") or []]
        try:
            boards = [f"{b.name} ({getattr(b, 'type', 'board')})" for b in client.call(
                lambda: client.jira.boards(projectKeyOrID=target.id, maxResults=50))]
        except SyncHubError:
            boards = []
    finally:
        client.jira.close()
    statuses: dict[str, str] = {}  # every issue type's, in the order Jira lists them
    for t in types:
        for st in t.get("statuses") or []:
            statuses.setdefault(str(st["name"]), kind_of(
                str(st["name"]), (st.get("statusCategory") or {}).get("key")))
    facts = {"issue_types": [str(t["name"]) for t in types],
             "statuses": list(statuses.items()), "priorities": priorities, "boards": boards}
    return replace(target, detail=", ".join(boards) or target.detail, facts=facts)


def narrow(jql: str, key: str) -> str:
    """The scope's JQL for the chosen project: it must find exactly that project's issues
    (creates go there; an issue of another project would be synced as if it were in scope).

    The JQL is read as text (:mod:`adapters.jira.jql_text`), conservatively: a top-level
    ``AND`` term that only names projects (a preset's ``project = ${JIRA_PROJECT:-OPS}``,
    ``project in (A, B)``, ``project = A OR project = B``) becomes ``project = KEY`` and the
    other terms stay; any other JQL (an ``OR`` with other fields, ``project != X``, a
    project inside parentheses) is kept whole under ``project = KEY AND (...)``. An ``ORDER
    BY`` is left out: synchub orders its searches itself, and the scope refuses one."""
    body, _ = jql_text.split_order(jql)
    named = ('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
             if jql_text.needs_quotes(key) else key)
    restriction = f"project = {named}"
    if not body:
        return restriction
    if not jql_text.balanced(body):  # left to Jira to refuse, as written
        return f"{restriction} AND ({body})"
    terms = jql_text.split_top(body, "and") if len(jql_text.split_top(body, "or")) == 1 \
        else [body]
    kept = [t for t in terms if not jql_text.only_projects(t)]
    if len(kept) == len(terms):
        return f"{restriction} AND ({body})"
    return " AND ".join([restriction, *kept])


def propose(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    out = plain(endpoint)
    key = target.id
    scope = out.setdefault("scope", {})
    scope["jql"] = narrow(str(scope.get("jql") or ""), key)
    options = out.setdefault("options", {})
    types = list(target.facts.get("issue_types") or [])
    wanted = str(options.get("issue_type") or "Task")
    issue_type = wanted if wanted in types else next(
        (t for t in ("Task", "Story") if t in types), types[0] if types else wanted)
    options.update(project=key, issue_type=issue_type)
    fields = out.setdefault("fields", {})
    statuses = list(target.facts.get("statuses") or [])
    if statuses:
        fields["status"] = status_rule(statuses, fields.get("status"))
    priorities = list(target.facts.get("priorities") or [])
    if priorities and ("priority" in fields or not out.get("only")
                       or "priority" in out["only"]):
        fields["priority"] = priority_rule(priorities, fields.get("priority"))
    return out
