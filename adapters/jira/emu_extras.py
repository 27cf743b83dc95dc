"""More of Jira Cloud's issue API for the emulator's route table, shaped as the OpenAPI
spec's schemas say (``JQLCountResultsBean``, ``Watchers``, ``PageOfWorklogs``/``Worklog``,
``RemoteIssueLink``, ``IssueUpdateMetadata``, ``LinkIssueRequestJsonBean``): the approximate
count of a JQL, watchers, worklogs, remote links, edit metadata and issue links. State lives
on the emulator (``extras``) per issue id; issue links show in both issues' ``issuelinks``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Router
from adapters.jira import emu_input, emu_planning
from adapters.jira.emu_jql import JiraError

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

Answer = tuple[int, Any]
LINK_TYPES = {"Blocks": ("blocks", "is blocked by"), "Relates": ("relates to", "relates to"),
              "Duplicate": ("duplicates", "is duplicated by")}
EDITABLE = ("summary", "description", "priority", "labels", "duedate", "assignee", "parent",
            "timetracking")
#: each editable system field's ``schema`` (Jira's JsonTypeBean, required in editmeta)
SCHEMAS: dict[str, dict[str, str]] = {
    "summary": {"type": "string"}, "description": {"type": "string"},
    "priority": {"type": "priority"}, "labels": {"type": "array", "items": "string"},
    "duedate": {"type": "date"}, "assignee": {"type": "user"}, "parent": {"type": "issuelink"},
    "timetracking": {"type": "timetracking"}}


UNITS = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}  # Jira's default week, day


def _seconds(text: str) -> int:
    """``timeSpent`` as Jira reads it: ``1w 2d 3h 30m`` (a week 5 days, a day 8 hours)."""
    if not re.fullmatch(r"\s*(\d+\s*[wdhm]\s*)+", text):
        raise JiraError(400, [], {"timeLogged": "Invalid time duration entered."})
    return sum(int(n) * UNITS[u] for n, u in re.findall(r"(\d+)\s*([wdhm])", text))


def duration(seconds: int) -> str:
    """Seconds as Jira writes a duration (``1d 2h 30m``, whole minutes)."""
    parts, left = [], seconds // 60 * 60
    for unit, size in UNITS.items():
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return " ".join(parts) or "0m"


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
        body = emu_input.object_body(req)
        return 200, {"count": len(self.emu._search(str(body.get("jql") or "")))}

    def watchers(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        state = self._state(issue)
        if req.method == "POST":  # the body is the account id as a JSON string
            account = emu_input.json_body(req)
            if account is not None and not isinstance(account, str):
                raise JiraError(400, [f"Can not deserialize the watcher: expected the "
                                      f"account id as a string, got {emu_input.kind(account)}"])
            account = account or emu.me
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

    def spent(self, body: dict[str, Any]) -> int:
        """A worklog's time in seconds: ``timeSpentSeconds`` (a number, or digits as Jackson
        reads them: the jira client's ``add_worklog`` takes and sends a string) or
        ``timeSpent`` (``1h 30m``)."""
        if body.get("timeSpentSeconds") is not None:
            spent = emu_input.number(body["timeSpentSeconds"], "timeSpentSeconds", digits=True)
        elif body.get("timeSpent") is not None:
            spent = _seconds(str(body["timeSpent"]))
        else:
            raise JiraError(400, [], {"timeLogged": "You must indicate the time spent "
                                                    "working."})
        if spent <= 0:
            raise JiraError(400, [], {"timeLogged": "Time Spent must be greater than 0."})
        return spent

    def log_work(self, issue: dict[str, Any], body: dict[str, Any], spent: int
                 ) -> dict[str, Any]:
        """Store a worklog whose body was checked (:meth:`spent`); the issue is updated."""
        emu = self.emu
        me = emu._user_json(emu.users[emu.me])
        wid = str(10000 + sum(len(s["worklogs"]) for s in emu.extras.values()))
        log = {"self": f"{emu.base_url}/rest/api/3/issue/{issue['id']}/worklog/{wid}",
               "id": wid, "issueId": issue["id"], "author": me, "updateAuthor": me,
               "comment": body.get("comment"), "created": emu.stamp(),
               "updated": emu.stamp(), "started": body.get("started") or emu.stamp(),
               "timeSpentSeconds": spent, "timeSpent": duration(spent)}
        self._state(issue)["worklogs"].append(log)
        issue["fields"]["updated"] = log["created"]
        return log

    def worklogs(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        if req.method == "POST":
            body = emu_input.object_body(req, required=True)
            return 201, self.log_work(issue, body, self.spent(body))
        logs = self._state(issue)["worklogs"]
        return 200, {"startAt": 0, "maxResults": 5000, "total": len(logs), "worklogs": logs}

    def remote_links(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        issue = emu._by_key(p["key"])
        state = self._state(issue)
        if req.method == "GET":
            return 200, state["remotelinks"]
        body = emu_input.object_body(req, required=True)
        obj = emu_input.expect_object(body.get("object") or {}, "object")
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
                                for f in EDITABLE
                                if f != "timetracking" or self.emu.time_tracking}
                     | emu_planning.editmeta(self.emu)}

    def link_types(self, req: Request, p: dict[str, str]) -> Answer:
        base = self.emu.base_url
        return 200, {"issueLinkTypes": [
            {"id": str(10000 + i), "name": name, "outward": out, "inward": inward,
             "self": f"{base}/rest/api/3/issueLinkType/{10000 + i}"}
            for i, (name, (out, inward)) in enumerate(LINK_TYPES.items())]}

    def _linked(self, body: dict[str, Any], side: str) -> dict[str, Any]:
        ref = emu_input.expect_object(body.get(side), side)
        return self.emu._by_key(str(ref.get("key") or ref.get("id") or ""))

    def link(self, req: Request, p: dict[str, str]) -> Answer:
        emu = self.emu
        body = emu_input.object_body(req, required=True)
        wanted = emu_input.expect_object(body.get("type"), "the link type")
        kind = wanted.get("name") or next((n for i, n in enumerate(LINK_TYPES)
                                           if str(wanted.get("id")) == str(10000 + i)), None)
        if kind not in LINK_TYPES:
            raise JiraError(404, [f"No issue link type with name '{kind}' found."])
        inward, outward = (self._linked(body, side) for side in ("inwardIssue",
                                                                  "outwardIssue"))
        outward_name, inward_name = LINK_TYPES[kind]
        kind_json = {"name": kind, "inward": inward_name, "outward": outward_name}
        lid = str(10000 + len(emu.links))
        emu.links.append({"id": lid, "type": kind_json, "inward": inward["id"],
                          "outward": outward["id"]})
        return 201, None
