"""The Jira emulator's agile API (``/rest/agile/1.0``, Jira Software Cloud) beyond the board
list: a board, its sprints (``state`` filter), a sprint, the issues of a board or a sprint
(``jql``, ``fields``, paged) and moving issues to a sprint, as the jira client's
``sprints``, ``sprint`` and ``add_issues_to_sprint`` call them.

Shapes follow Atlassian's Jira Software Cloud REST reference (not held in this repository,
so the conformance check cannot validate them): a sprint is ``{id, self, state, name,
startDate, endDate, completeDate, originBoardId, goal}`` (dates only once started), sprint
pages are ``{maxResults, startAt, total, isLast, values}``, issue pages ``{expand, startAt,
maxResults, total, issues}`` with issues as the platform API has them. A board shows the
sprints made on it (``originBoardId``); its issues are its project's; issues come in
creation order (Jira's rank, which the emulator does not keep)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Router
from adapters.jira import emu_discovery, emu_input
from adapters.jira.emu_errors import JiraError
from adapters.jira.emu_jql_eval import SPRINT_FIELD

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

Answer = tuple[int, Any]
AGILE = "/rest/agile/1.0"
SPRINT_PAGE = 50
ISSUE_PAGE, ISSUE_PAGE_MAX = 50, 100
MOVE_MAX = 50  # POST /sprint/{id}/issue: issues a request may move


class JiraAgile:
    def __init__(self, emu: JiraEmulator, router: Router) -> None:
        self.emu = emu
        r = router.add
        r("GET", f"{AGILE}/board/{{board}}", self.board)
        r("GET", f"{AGILE}/board/{{board}}/sprint", self.board_sprints)
        r("GET", f"{AGILE}/board/{{board}}/issue", self.board_issues)
        r("GET", f"{AGILE}/sprint/{{sprint}}", self.sprint)
        r("GET,POST", f"{AGILE}/sprint/{{sprint}}/issue", self.sprint_issues)

    def _board(self, p: dict[str, str]) -> dict[str, Any]:
        found = next((b for b in self.emu.boards if str(b["id"]) == p["board"]), None)
        if found is None:
            raise JiraError(404, ["Board does not exist or you do not have permission to see "
                                  "it."])
        return found

    def _sprint(self, p: dict[str, str]) -> dict[str, Any]:
        found = self.emu.sprints.get(p["sprint"])
        if found is None:
            raise JiraError(404, ["Sprint does not exist or you do not have permission to "
                                  "see it."])
        return found

    def sprint_json(self, sprint: dict[str, Any]) -> dict[str, Any]:
        out = {"id": sprint["id"], "self": f"{self.emu.base_url}{AGILE}/sprint/{sprint['id']}",
               "state": sprint["state"], "name": sprint["name"]}
        for k in ("startDate", "endDate", "completeDate"):
            if sprint.get(k):
                out[k] = sprint[k].strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if sprint.get("board") is not None:
            out["originBoardId"] = sprint["board"]
        return out | {"goal": sprint.get("goal") or ""}

    def board(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, self._board(p)

    def board_sprints(self, req: Request, p: dict[str, str]) -> Answer:
        board = self._board(p)
        if board["type"] != "scrum":
            raise JiraError(400, ["The board does not support sprints"])
        states = emu_input.query_list(req, "state")
        rows = [self.sprint_json(s) for s in self.emu.sprints.values()
                if s.get("board") == board["id"] and (not states or s["state"] in states)]
        start = max(0, emu_input.query_int(req, "startAt", 0))
        size = max(1, min(emu_input.query_int(req, "maxResults", SPRINT_PAGE), SPRINT_PAGE))
        out = emu_discovery.page(rows, start, size, "")
        return 200, {k: out[k] for k in ("maxResults", "startAt", "total", "isLast",
                                         "values")}

    def sprint(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, self.sprint_json(self._sprint(p))

    def board_issues(self, req: Request, p: dict[str, str]) -> Answer:
        board = self._board(p)
        return 200, self._issues(req, f"project = {board['location']['projectKey']}")

    def sprint_issues(self, req: Request, p: dict[str, str]) -> Answer:
        sprint = self._sprint(p)
        if req.method == "POST":
            self._move(sprint, emu_input.object_body(req, required=True))
            return 204, None
        return 200, self._issues(req, f"sprint = {sprint['id']}")

    def _issues(self, req: Request, where: str) -> dict[str, Any]:
        """A page of the issues ``where`` finds, narrowed by the request's ``jql``."""
        emu = self.emu
        jql = (req.q("jql") or "").strip()
        rows = emu._search(f"{where} AND ({jql})" if jql else where)
        if "order by" not in jql.lower():  # the board's rank: creation order here
            rows.sort(key=lambda i: int(i["id"]))
        start = max(0, emu_input.query_int(req, "startAt", 0))
        size = max(1, min(emu_input.query_int(req, "maxResults", ISSUE_PAGE), ISSUE_PAGE_MAX))
        fields = emu_input.query_list(req, "fields") or None  # all of them by default
        return {"expand": "schema,names", "startAt": start, "maxResults": size,
                "total": len(rows), "issues": [emu._issue_json(i, fields)
                                               for i in rows[start:start + size]]}

    def _move(self, sprint: dict[str, Any], body: dict[str, Any]) -> None:
        """Move issues to an open or future sprint (out of any other open one; the closed
        ones they were in stay in their Sprint field), all of them or, when one is refused,
        none."""
        emu = self.emu
        keys = emu_input.expect_list(body.get("issues"), "issues")
        if not keys or len(keys) > MOVE_MAX:
            raise JiraError(400, [], {"issues": f"Between 1 and {MOVE_MAX} issues can be "
                                                "moved to a sprint at a time."})
        if sprint["state"] == "closed":
            raise JiraError(400, ["Issues can only be moved to open or active sprints."])
        issues = []
        for key in keys:
            found = next((i for i in emu.issues.values() if str(key) in (i["id"], i["key"])),
                         None)
            if found is None:
                raise JiraError(400, [], {"issues": f"Issue '{key}' does not exist or you do "
                                                    "not have permission to see it."})
            issues.append(found)
        for issue in issues:
            held = [s for s in issue["fields"].get(SPRINT_FIELD) or [] if s["state"] == "closed"
                    and s["id"] != sprint["id"]]
            issue["fields"][SPRINT_FIELD] = [*held, emu.sprint_field(sprint)]
            issue["fields"]["updated"] = emu.stamp()
