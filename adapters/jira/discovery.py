"""What a Jira connection reaches (:class:`adapters.registry.Discovering`): the user signed
in, the site's projects (``GET /project/search``, 50 a page, Jira's maximum), and for the one
chosen its issue types with their statuses (``GET /project/{key}/statuses``), the site's
priorities and the project's boards (the agile API). ``propose`` fills a preset's endpoint
with them: creates go to the project, the JQL is narrowed to it (:func:`narrow`), and the
status and priority maps list the project's real names, each status by its category (To Do
/ In Progress / Done) rather than by a guess from its name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote

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


ORDER_BY = re.compile(r"\s+ORDER\s+BY\s.*$", re.I | re.S)
#: a clause on the project field (``project = X``, ``!=``, ``in (..)``, ``not in (..)``)
PROJECT_CLAUSE = re.compile(r"\bproject\s*(?:!?=|\bnot\s+in\b|\bin\b)", re.I)
PROJECT_EQUALS = re.compile(r"""\bproject\s*=\s*(\$\{[^}]*\}|"[^"]*"|'[^']*'|[\w-]+)""",
                            re.I)


def narrow(jql: str, key: str) -> str:
    """The scope's JQL for the chosen project: a single ``project = X`` (a preset's
    ``${JIRA_PROJECT:-OPS}``) becomes the chosen key; a JQL naming no project is narrowed
    to it; one that names its own projects is kept when the chosen key is among them, and
    narrowed otherwise (issues are created in the chosen project: they must be in scope).
    An ``ORDER BY`` stays at the end."""
    order = ORDER_BY.search(jql)
    body, tail = (jql[:order.start()], order.group(0)) if order else (jql, "")
    named = key if re.fullmatch(r"[A-Z][A-Z0-9_]*", key) else f'"{key}"'
    clauses = PROJECT_CLAUSE.findall(body)
    if len(clauses) == 1 and PROJECT_EQUALS.search(body):
        return PROJECT_EQUALS.sub(lambda _: f"project = {named}", body, count=1) + tail
    if clauses and re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", body):
        return jql
    return f"project = {named}" + (f" AND ({body.strip()})" if body.strip() else "") + tail


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
