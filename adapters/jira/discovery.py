"""What a Jira connection reaches (:class:`adapters.registry.Discovering`): the user signed
in, the site's projects (``GET /project/search``, 50 a page, Jira's maximum), and for the one
chosen its issue types with their statuses (``GET /project/{key}/statuses``), the site's
priorities and the project's boards (the agile API). ``propose`` fills a preset's endpoint
with them: creates go to the project, the JQL is narrowed to it, and the status and priority
maps list the project's real names, each status by its category (To Do / In Progress /
Done), so a renamed or added status is mapped without editing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from adapters.jira.client import JiraClient
from adapters.registry import Discovery, Target
from adapters.toolkit.discovery import kind_of, plain, priority_rule, status_rule

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
    """Three requests: the project's statuses by issue type, the priorities, the boards."""
    client = _client(connection)
    key = quote(target.id, safe="")
    types = client.raw("GET", f"project/{key}/statuses") or []
    priorities = [str(p["name"]) for p in client.raw("GET", "priority") or []]
    boards = client.call(lambda: client.jira.boards(projectKeyOrID=target.id, maxResults=50))
    facts = {
        "issue_types": {str(t["name"]): [(str(s["name"]), kind_of(
            str(s["name"]), (s.get("statusCategory") or {}).get("key")))
            for s in t.get("statuses") or []] for t in types if not t.get("subtask")},
        "priorities": priorities,
        "boards": [f"{b.name} ({getattr(b, 'type', 'board')})" for b in boards],
    }
    detail = ", ".join(facts["boards"]) or target.detail
    return Target(target.id, target.name, detail, facts)


def propose(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    out = plain(endpoint)
    key = target.id
    scope = out.setdefault("scope", {})
    jql = str(scope.get("jql") or "")
    named = key if re.fullmatch(r"[A-Z][A-Z0-9_]*", key) else f'"{key}"'
    clause = re.compile(r"""\bproject\s*=\s*(\$\{[^}]*\}|"[^"]*"|'[^']*'|[\w-]+)""", re.I)
    if clause.search(jql):  # the preset's one project: the chosen one
        scope["jql"] = clause.sub(lambda _: f"project = {named}", jql, count=1)
    elif not re.search(r"\bproject\b", jql, re.I):  # any project: narrowed to the chosen
        scope["jql"] = f"project = {named}" + (f" AND ({jql})" if jql else "")
    options = out.setdefault("options", {})
    types: dict[str, list[tuple[str, str]]] = dict(target.facts.get("issue_types") or {})
    wanted = str(options.get("issue_type") or "Task")
    issue_type = wanted if wanted in types else next(
        (t for t in ("Task", "Story") if t in types), next(iter(types), wanted))
    options.update(project=key, issue_type=issue_type)
    fields = out.setdefault("fields", {})
    if types.get(issue_type):
        fields["status"] = status_rule(types[issue_type], fields.get("status"))
    priorities = list(target.facts.get("priorities") or [])
    if priorities and ("priority" in fields or not out.get("only")
                       or "priority" in out["only"]):
        fields["priority"] = priority_rule(priorities, fields.get("priority"))
    return out
