"""The Jira emulator's site-wide lists, shaped as the OpenAPI spec's schemas (``Resolution``,
``Priority`` and ``PageBeanPriority``, ``StatusDetails``, ``StatusCategory``): resolutions
(Jira Cloud's four defaults), priorities (the whole list, and ``/priority/search`` a page at
a time), statuses (the workflow's) and the status categories (with Jira's "No Category")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Router
from adapters.jira import emu_discovery, emu_input
from adapters.jira.emu_edit import RESOLUTIONS, resolution_json
from adapters.jira.emu_errors import JiraError

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

Answer = tuple[int, Any]
#: Jira Cloud's default priority colours, most urgent first; Medium is the default priority
COLOURS = ("#d04437", "#f15C75", "#f79232", "#707070", "#999999")
DEFAULT_PRIORITY = "Medium"
PRIORITY_PAGE = 50
#: the categories with "No Category" (id 1), which Jira lists though no status is in it
CATEGORIES = {"undefined": (1, "No Category", "medium-gray"), **emu_discovery.CATEGORIES}


class JiraCatalog:
    def __init__(self, emu: JiraEmulator, router: Router) -> None:
        self.emu = emu
        r = router.add
        r("GET", "/resolution", self.resolutions)
        r("GET", "/resolution/{id}", self.resolution)
        r("GET", "/priority", self.priorities)
        r("GET", "/priority/search", self.priority_search)
        r("GET", "/priority/{id}", self.priority)
        r("GET", "/status", self.statuses)
        r("GET", "/status/{id}", self.status)
        r("GET", "/statuscategory", self.categories)
        r("GET", "/statuscategory/{id}", self.category)

    def resolutions(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [resolution_json(self.emu, rid) for rid in RESOLUTIONS]

    def resolution(self, req: Request, p: dict[str, str]) -> Answer:
        if p["id"] not in RESOLUTIONS:
            raise JiraError(404, [f"The resolution with ID '{p['id']}' does not exist."])
        return 200, resolution_json(self.emu, p["id"])

    def priority_json(self, n: int) -> dict[str, Any]:
        name, base = self.emu.priorities[n], self.emu.base_url
        return {"self": f"{base}/rest/api/3/priority/{n + 1}", "statusColor": COLOURS[
            min(n, len(COLOURS) - 1)], "description": f"{name} priority", "iconUrl":
            f"{base}/images/icons/priorities/{name.lower()}.svg", "name": name,
            "id": str(n + 1), "isDefault": name == DEFAULT_PRIORITY}

    def priorities(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [self.priority_json(n) for n in range(len(self.emu.priorities))]

    def priority(self, req: Request, p: dict[str, str]) -> Answer:
        ids = [str(n + 1) for n in range(len(self.emu.priorities))]
        if p["id"] not in ids:
            raise JiraError(404, [f"The priority with ID '{p['id']}' does not exist."])
        return 200, self.priority_json(ids.index(p["id"]))

    def priority_search(self, req: Request, p: dict[str, str]) -> Answer:
        """A page of priorities, filtered by ``id`` (repeated), ``priorityName`` (a part of
        the name) and ``onlyDefault``."""
        rows = [self.priority_json(n) for n in range(len(self.emu.priorities))]
        ids = emu_input.query_list(req, "id")
        name = (req.q("priorityName") or "").lower()
        rows = [r for r in rows if (not ids or r["id"] in ids) and name in r["name"].lower()
                and (req.q("onlyDefault") != "true" or r["isDefault"])]
        start = max(0, emu_input.query_int(req, "startAt", 0))
        size = max(1, min(emu_input.query_int(req, "maxResults", PRIORITY_PAGE), PRIORITY_PAGE))
        return 200, emu_discovery.page(rows, start, size,
                                       f"{self.emu.base_url}/rest/api/3/priority/search")

    def statuses(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [emu_discovery.status_json(self.emu, s) for s in self._status_names()]

    def _status_names(self) -> list[str]:
        wf = self.emu.workflow
        return list(dict.fromkeys([*wf, *(t for moves in wf.values() for t in moves.values())]))

    def status(self, req: Request, p: dict[str, str]) -> Answer:
        for name in self._status_names():
            found = emu_discovery.status_json(self.emu, name)
            if p["id"] == found["id"] or p["id"].lower() == name.lower():
                return 200, found
        raise JiraError(404, [f"The status with ID or name '{p['id']}' does not exist."])

    def category_json(self, key: str) -> dict[str, Any]:
        cid, name, colour = CATEGORIES[key]
        return {"self": f"{self.emu.base_url}/rest/api/3/statuscategory/{cid}", "id": cid,
                "key": key, "colorName": colour, "name": name}

    def categories(self, req: Request, p: dict[str, str]) -> Answer:
        return 200, [self.category_json(k) for k in CATEGORIES]

    def category(self, req: Request, p: dict[str, str]) -> Answer:
        for key, (cid, _, _) in CATEGORIES.items():
            if p["id"] in (key, str(cid)):
                return 200, self.category_json(key)
        raise JiraError(404, [f"The status category with ID or key '{p['id']}' does not "
                              "exist."])
