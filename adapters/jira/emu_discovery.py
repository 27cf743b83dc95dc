"""The Jira emulator's answers for what ``synchub init`` discovers, shaped as Jira Cloud's
(the OpenAPI spec in ``docs/`` cites; ``PageBeanProject``, ``IssueTypeWithStatus``, the agile
API's board page): projects a page at a time, a project's statuses by issue type, boards.

Kept out of :mod:`adapters.jira.emulator` so the issue routes stay readable; each function
returns ``(status, body)`` or None when the path is not one of these."""

from __future__ import annotations

import re
from typing import Any, Protocol

#: Jira's three status categories (ids and colours as Jira Cloud answers them)
CATEGORIES = {"new": (2, "To Do", "blue-gray"), "indeterminate": (4, "In Progress", "yellow"),
              "done": (3, "Done", "green")}
PROJECT_PAGE = 50  # GET /project/search: maxResults default and cap
BOARD_PAGE = 50


class Site(Protocol):
    @property
    def base_url(self) -> str: ...

    projects: dict[str, dict[str, Any]]
    workflow: dict[str, dict[str, str]]
    issue_types: dict[str, dict[str, Any]]
    boards: list[dict[str, Any]]

    def _project_json(self, project: dict[str, Any]) -> dict[str, Any]: ...


def category(workflow: dict[str, dict[str, str]], status: str) -> str:
    """A status's category: the workflow's first status is where issues start (To Do); one
    named Done, or that nothing leaves except to reopen, is done; the rest are in progress."""
    names = list(workflow)
    if names and status == names[0]:
        return "new"
    exits = set(workflow.get(status, {}).values())
    if status == "Done" or (names and status in workflow and exits <= {names[0]}):
        return "done"
    return "indeterminate"


def status_json(site: Site, status: str) -> dict[str, Any]:
    """A status as it appears in an issue's ``fields.status`` and in the statuses list."""
    key = category(site.workflow, status)
    cid, cname, colour = CATEGORIES[key]
    sid = str(list(site.workflow).index(status) + 1) if status in site.workflow else "0"
    return {"self": f"{site.base_url}/rest/api/3/status/{sid}", "description": "",
            "iconUrl": f"{site.base_url}/images/icons/statuses/generic.png", "name": status,
            "untranslatedName": status, "id": sid, "statusCategory": {
                "self": f"{site.base_url}/rest/api/3/statuscategory/{cid}", "id": cid,
                "key": key, "colorName": colour, "name": cname}}


def page(values: list[Any], start: int, size: int, self_url: str) -> dict[str, Any]:
    chunk = values[start:start + size]
    out = {"self": f"{self_url}?startAt={start}&maxResults={size}", "maxResults": size,
           "startAt": start, "total": len(values), "isLast": start + size >= len(values),
           "values": chunk}
    if not out["isLast"]:  # PageBean's link to the next page
        out["nextPage"] = f"{self_url}?startAt={start + size}&maxResults={size}"
    return out


def _int(query: dict[str, list[str]], name: str, default: int, cap: int) -> int:
    raw = (query.get(name) or [str(default)])[0]
    return max(0, min(int(raw), cap)) if raw.isdigit() else default


def route(site: Site, method: str, path: str, query: dict[str, list[str]]
          ) -> tuple[int, Any] | None:
    """``path`` without the ``/rest/api/3`` prefix (the agile API keeps its own)."""
    if method != "GET":
        return None
    if path == "/project/search":
        rows = sorted(site.projects.values(), key=lambda p: str(p["key"]))
        wanted = (query.get("query") or [""])[0].lower()
        rows = [p for p in rows if wanted in p["key"].lower() or wanted in p["name"].lower()]
        start = _int(query, "startAt", 0, 1 << 30)
        size = _int(query, "maxResults", PROJECT_PAGE, PROJECT_PAGE) or PROJECT_PAGE
        return 200, page([site._project_json(p) for p in rows], start, size,
                          f"{site.base_url}/rest/api/3/project/search")
    m = re.fullmatch(r"/project/([^/]+)/statuses", path)
    if m:
        found = [p for p in site.projects.values() if m.group(1) in (p["key"], p["id"])]
        if not found:
            return 404, {"errorMessages": [f"No project could be found with key "
                                           f"'{m.group(1)}'."], "errors": {}}
        statuses = [status_json(site, s) for s in site.workflow]
        return 200, [{"self": f"{site.base_url}/rest/api/3/issuetype/{t['id']}",
                      "id": t["id"], "name": t["name"], "subtask": t["subtask"],
                      "statuses": statuses} for t in site.issue_types.values()]
    if path == "/rest/agile/1.0/board":
        project = (query.get("projectKeyOrId") or [""])[0]
        rows = [b for b in site.boards
                if not project or project in (b["location"]["projectKey"],
                                              str(b["location"]["projectId"]))]
        start = _int(query, "startAt", 0, 1 << 30)
        size = _int(query, "maxResults", BOARD_PAGE, BOARD_PAGE) or BOARD_PAGE
        return 200, page(rows, start, size, f"{site.base_url}/rest/agile/1.0/board")
    return None
