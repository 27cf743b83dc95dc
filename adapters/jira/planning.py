"""Sprint and story points on Jira Cloud: which custom fields hold them, and their values.

Both are custom fields of Jira Software, with ids that differ from site to site, so they are
found in the site's field list (``GET /rest/api/3/field``, one request, on the endpoint's
first use) by their schema, which a rename does not change:

- **sprint**: the field whose ``schema.custom`` is ``com.pyxis.greenhopper.jira:gh-sprint``
  (``customfield_10020`` on most Cloud sites). It holds every sprint the issue has been in,
  as ``{id, name, state, boardId, ...}``. The canonical sprint is the *current* one: the
  active sprint, else the future one it is planned for, else none. A closed sprint is
  history (an issue finished in Sprint 3 is in no sprint now), so it never reads as current.
  It is written as Jira Cloud's edit takes it, the sprint's **id** as a number (an object or
  a name is refused: "Number value expected as the Sprint id"); no sprint writes null, which
  moves the issue to the backlog. Names are turned into ids through the agile API
  (:class:`SprintDirectory`).
- **points**: "Story point estimate" (``com.pyxis.greenhopper.jira:jsw-story-points``,
  ``customfield_10016`` on Cloud, the field team-managed projects and the board's estimate
  use), else a number field named "Story Points" (the classic field of company-managed
  projects). A negative number, which Jira's number field accepts, reads as no points.

The mapping rules may name either field instead (``fields: {points: {target: "Effort"}}``,
by name, any case, or id). A site without the field (no Jira Software) does not sync that
canonical field: the adapter drops it from its fields, as it drops ``duration`` where time
tracking is off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.jira.client import SERVICE, JiraClient
from hub.errors import ConfigError, ConfigProblem, ValidationRejected

SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
POINTS_SCHEMA = "com.pyxis.greenhopper.jira:jsw-story-points"
#: the classic story points field is a plain number field: found by its name (any case)
POINTS_NAMES = ("story point estimate", "story points")
OPEN = ("active", "future")  # the states a sprint can be current in, by preference
PAGE = 50  # the agile API's page size for boards and sprints


@dataclass(frozen=True)
class PlanningFields:
    """The site's field ids for ``sprint`` and ``points`` (None: the site has none)."""

    sprint: str | None = None
    points: str | None = None

    def ids(self) -> list[str]:
        return [f for f in (self.sprint, self.points) if f]

    def canonical(self) -> dict[str, str]:
        """Field id -> canonical field, for the changelog's per-field times."""
        out = {}
        if self.sprint:
            out[self.sprint] = "sprint"
        if self.points:
            out[self.points] = "points"
        return out

    def missing(self) -> set[str]:
        return {name for name, fid in (("sprint", self.sprint), ("points", self.points))
                if fid is None}


def _custom(field: Mapping[str, Any]) -> str:
    return str((field.get("schema") or {}).get("custom") or "")


def _named(fields: Sequence[Mapping[str, Any]], wanted: str, what: str, endpoint: str,
           kind: str) -> str:
    """The field a mapping rule's ``target`` names, by id or name (any case)."""
    found = [f for f in fields if wanted in (f.get("id"), f.get("key"))
             or str(f.get("name") or "").casefold() == wanted.casefold()]
    if not found:
        raise ConfigError(ConfigProblem(
            f"Jira endpoint {endpoint!r}: no field {wanted!r} (for {what}) on this site"))
    schema = found[0].get("schema") or {}
    if (kind == "sprint" and _custom(found[0]) != SPRINT_SCHEMA) or \
            (kind == "number" and schema.get("type") != "number"):
        raise ConfigError(ConfigProblem(
            f"Jira endpoint {endpoint!r}: field {wanted!r} is a {schema.get('type')} field; "
            f"{what} needs {'a Sprint field' if kind == 'sprint' else 'a number field'}"))
    return str(found[0]["id"])


def find(fields: Sequence[Mapping[str, Any]], targets: Mapping[str, str], endpoint: str
         ) -> PlanningFields:
    """The planning fields among the site's ``fields`` (``GET /field``), or as ``targets``
    name them."""
    if "sprint" in targets:
        sprint: str | None = _named(fields, targets["sprint"], "sprint", endpoint, "sprint")
    else:
        sprint = next((str(f["id"]) for f in fields if _custom(f) == SPRINT_SCHEMA), None)
    if "points" in targets:
        points: str | None = _named(fields, targets["points"], "points", endpoint, "number")
    else:
        points = next((str(f["id"]) for f in fields if _custom(f) == POINTS_SCHEMA), None)
        numbers = {str(f.get("name") or "").casefold(): str(f["id"]) for f in fields
                   if (f.get("schema") or {}).get("type") == "number"}
        points = points or next((numbers[n] for n in POINTS_NAMES if n in numbers), None)
    return PlanningFields(sprint=sprint, points=points)


def current_sprint(value: Any) -> str | None:
    """The name of the active sprint among an issue's sprints, else of the future one."""
    sprints = [s for s in value or [] if isinstance(s, dict) and s.get("name")]
    for state in OPEN:
        for s in sprints:
            if s.get("state") == state:
                return str(s["name"])
    return None


def read_points(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value) if value >= 0 else None


def write_points(points: float | None) -> int | float | None:
    """A whole number as an integer (what a person types in Jira), else the fraction."""
    if points is None:
        return None
    return int(points) if points == int(points) else points


class SprintDirectory:
    """Open sprints by name, to write a sprint by its id.

    Looked up through the agile API at most once a round (:meth:`forget` starts a new one):
    the scrum boards of the endpoint's project (``options.board`` names one, by id or name,
    to skip listing them) and their active and future sprints, a page of 50 at a time. Sprints
    the round's listing saw in issues are known without a request. With two open sprints of
    one name, the active one wins, then the first listed."""

    def __init__(self, client: JiraClient, project: str | None, board: str | None) -> None:
        self.client = client
        self.project = project
        self.board = board
        self._seen: dict[str, tuple[int, int]] = {}  # name -> (preference, id), from issues
        self._listed: dict[str, tuple[int, int]] | None = None

    def forget(self) -> None:
        self._seen, self._listed = {}, None

    def learn(self, value: Any) -> None:
        """The open sprints an issue read this round holds (no request)."""
        for s in value or []:
            if isinstance(s, dict) and s.get("state") in OPEN and s.get("name"):
                self._keep(self._seen, str(s["name"]), OPEN.index(s["state"]), int(s["id"]))

    @staticmethod
    def _keep(into: dict[str, tuple[int, int]], name: str, pref: int, sid: int) -> None:
        if name not in into or pref < into[name][0]:
            into[name] = (pref, sid)

    def id_for(self, name: str) -> int:
        if name in self._seen:
            return self._seen[name][1]
        listed = self._list()
        if name not in listed:
            open_names = ", ".join(sorted(listed)) or "none"
            where = f"project {self.project}" if self.project else "this site"
            raise ValidationRejected(
                f"no active or future sprint named {name!r} on the scrum boards of {where} "
                f"(open sprints: {open_names}); Jira puts an issue only into an open sprint: "
                "create the sprint on the board, or set one that exists", service=SERVICE)
        return listed[name][1]

    def _pages(self, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            sep = "&" if "?" in path else "?"
            page = self.client.raw("GET", f"{path}{sep}startAt={len(out)}&maxResults={PAGE}",
                                   agile=True) or {}
            values = page.get("values") or []
            out.extend(values)
            if page.get("isLast", True) or not values:
                return out

    def _boards(self) -> list[str]:
        if self.board is not None and self.board.isdigit():
            return [self.board]
        query = "board?type=scrum" + (f"&projectKeyOrId={self.project}" if self.project
                                       else "")
        boards = [b for b in self._pages(query) if self.board in (None, b.get("name"))]
        return [str(b["id"]) for b in boards if b.get("type", "scrum") == "scrum"]

    def _list(self) -> dict[str, tuple[int, int]]:
        if self._listed is None:
            listed: dict[str, tuple[int, int]] = {}
            for board in self._boards():
                for s in self._pages(f"board/{board}/sprint?state=active,future"):
                    if s.get("state") in OPEN:
                        self._keep(listed, str(s["name"]), OPEN.index(s["state"]),
                                   int(s["id"]))
            self._listed = listed
        return self._listed


def read(fields: Mapping[str, Any], found: PlanningFields) -> dict[str, Any]:
    """An issue's canonical ``sprint`` and ``points`` (none where the site has no field)."""
    return {"sprint": current_sprint(fields.get(found.sprint)) if found.sprint else None,
            "points": read_points(fields.get(found.points)) if found.points else None}


def write(sprint: str | None, points: float | None, wanted: frozenset[str],
          found: PlanningFields, sprints: SprintDirectory) -> dict[str, Any]:
    """The edit's custom fields for the planning fields in ``wanted``: the sprint by its id
    (null: the backlog), the points as a number (null: no estimate)."""
    out: dict[str, Any] = {}
    if "sprint" in wanted and found.sprint:
        out[found.sprint] = sprints.id_for(sprint) if sprint else None
    if "points" in wanted and found.points:
        out[found.points] = write_points(points)
    return out
