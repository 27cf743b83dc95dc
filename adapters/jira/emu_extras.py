"""More of Jira Cloud's issue API for the emulator's route table, shaped as the OpenAPI
spec's schemas say (``JQLCountResultsBean``, ``Watchers``, ``PageOfWorklogs``/``Worklog``,
``RemoteIssueLink``, ``IssueUpdateMetadata``, ``LinkIssueRequestJsonBean``): the approximate
count of a JQL, watchers, worklogs, remote links, edit metadata and issue links. State lives
on the emulator (``extras``) per issue id; issue links show in both issues' ``issuelinks``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Router
from adapters.jira.emu_jql import JiraError

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

Answer = tuple[int, Any]
LINK_TYPES = {"Blocks": ("blocks", "is blocked by"), "Relates": ("relates to", "relates to"),
              "Duplicate": ("duplicates", "is duplicated by")}
EDITABLE = ("summary", "description", "priority", "labels", "duedate", "assignee", "parent")
#: each editable system field's ``schema`` (Jira's JsonTypeBean, required in editmeta)
SCHEMAS: dict[str, dict[str, str]] = {
    "summary": {"type": "string"}, "description": {"type": "string"},
    "priority": {"type": "priority"}, "labels": {"type": "array", "items": "string"},
    "duedate": {"type": "date"}, "assignee": {"type": "user"}, "parent": {"type": "issuelink"}}


def _body(req: Request) -> Any:
    return req.json() if req.body else None


def _seconds(text: str) -> int:
    """``timeSpent`` as Jira reads it: ``1w 2d 3h 30m`` (a week 5 days, a day 8 hours)."""
    units = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}
    parts = re.findall(r"(\d+)\s*([wdhm])", text)
    if not parts:
        raise JiraError(400, [], {"timeLogged": "Invalid time duration entered."})
    return sum(int(n) * units[u] for n, u in parts)


class JiraExtras:
    def __init__(self, emu: JiraEmulator, router: Router) -> None:
        self.emu = emu
        r = router.add
        r("POST", "/search/approximate-count", self.count)
        r("GET,POST,DELETE", "/issue/{key}/watchers", self.watchers)
        r("GET,POST", "/issue/{key}/worklog", self.worklogs)
        r("GET,POST", "/issue/{key}/remotelink", self.remote_links)
        r("GET", "/issue/{key}/editmeta", self.editmeta)
        r("POST", "/issueLink", self.link)
        r("GET", "/issueLinkType", self.link_types)

    def _state(self, issue: dict[str, Any]) -> dict[str, Any]:
        return self.emu.extras.setdefault(issue["id"], {"watchers": [], "worklogs": [],
                                                        "remotelinks": []})

    def count(self, req: Request, p: dict[str, str]) -> Answer:
        body = _body(req) or {}
        return 200, {"count": len(self.emu._search(str(body.get("jql") or "")))}

    def watchers(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        state = self._state(issue)
        if req.method == "POST":  # the body is the account id as a JSON string
            account = _body(req) or emu.me
            if account not in emu.users:
                raise JiraError(404, ["The user does not exist."])
            if account not in state["watchers"]:
                state["watchers"].append(account)
            return 204, None
        if req.method == "DELETE":
            account = req.q("accountId") or ""
            if account in state["watchers"]:
                state["watchers"].remove(account)
            return 204, None
        people = [emu._user_json(emu.users[a]) for a in state["watchers"]]
        return 200, {"self": f"{emu.base_url}/rest/api/3/issue/{issue['key']}/watchers",
                     "isWatching": emu.me in state["watchers"], "watchCount": len(people),
                     "watchers": people}

    def worklogs(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        state = self._state(issue)
        if req.method == "POST":
            body = _body(req) or {}
            spent = int(body.get("timeSpentSeconds") or _seconds(str(body.get("timeSpent"))))
            me = emu._user_json(emu.users[emu.me])
            wid = str(10000 + sum(len(s["worklogs"]) for s in emu.extras.values()))
            log = {"self": f"{emu.base_url}/rest/api/3/issue/{issue['id']}/worklog/{wid}",
                   "id": wid, "issueId": issue["id"], "author": me, "updateAuthor": me,
                   "comment": body.get("comment"), "created": emu.stamp(),
                   "updated": emu.stamp(), "started": body.get("started") or emu.stamp(),
                   "timeSpentSeconds": spent, "timeSpent": f"{spent // 60}m"}
            state["worklogs"].append(log)
            return 201, log
        logs = state["worklogs"]
        return 200, {"startAt": 0, "maxResults": 5000, "total": len(logs), "worklogs": logs}

    def remote_links(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        state = self._state(issue)
        if req.method == "GET":
            return 200, state["remotelinks"]
        body = _body(req) or {}
        obj = body.get("object") or {}
        if not obj.get("url") or not obj.get("title"):
            raise JiraError(400, [], {"object": "The object url and title are required."})
        same = [x for x in state["remotelinks"]
                if body.get("globalId") and x.get("globalId") == body["globalId"]]
        if same:  # a globalId given again updates that link
            same[0].update({k: v for k, v in body.items() if k != "id"})
            return 200, {"id": same[0]["id"], "self": same[0]["self"]}
        lid = 10000 + len(state["remotelinks"])
        link = {"id": lid, "self": f"{emu.base_url}/rest/api/3/issue/{issue['key']}/"
                f"remotelink/{lid}", **body}
        state["remotelinks"].append(link)
        return 201, {"id": lid, "self": link["self"]}

    def editmeta(self, req: Request, p: dict[str, str]) -> Answer:
        self.emu._by_key(p["key"])
        return 200, {"fields": {f: {"required": f == "summary", "name": f.capitalize(),
                                    "key": f, "schema": SCHEMAS[f] | {"system": f},
                                    "operations": ["set"] + (
                                        ["add", "remove"] if f == "labels" else [])}
                                for f in EDITABLE}}

    def link_types(self, req: Request, p: dict[str, str]) -> Answer:
        base = self.emu.base_url
        return 200, {"issueLinkTypes": [
            {"id": str(10000 + i), "name": name, "outward": out, "inward": inward,
             "self": f"{base}/rest/api/3/issueLinkType/{10000 + i}"}
            for i, (name, (out, inward)) in enumerate(LINK_TYPES.items())]}

    def link(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        body = _body(req) or {}
        kind = (body.get("type") or {}).get("name")
        if kind not in LINK_TYPES:
            raise JiraError(404, [f"No issue link type with name '{kind}' found."])
        inward = emu._by_key((body.get("inwardIssue") or {}).get("key", ""))
        outward = emu._by_key((body.get("outwardIssue") or {}).get("key", ""))
        outward_name, inward_name = LINK_TYPES[kind]
        kind_json = {"name": kind, "inward": inward_name, "outward": outward_name}
        lid = str(10000 + len(emu.links))
        emu.links.append({"id": lid, "type": kind_json, "inward": inward["id"],
                          "outward": outward["id"]})
        return 201, None
