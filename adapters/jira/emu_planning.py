"""The Jira emulator's planning fields: the Sprint and story points custom fields of Jira
Software Cloud, as ``GET /field`` lists them, an edit takes them and a changelog records them.

Which ones a site has is :attr:`JiraEmulator.planning_fields` (by default Jira Cloud's own:
Sprint, ``customfield_10020``, and "Story point estimate", ``customfield_10016``). A site
without Jira Software has neither (an empty list): they are not in the field list, not in
editmeta, and an edit of one is Jira's "cannot be set" 400. A company-managed project on an
older site may instead have the classic "Story Points" number field (:data:`STORY_POINTS`).

The schemas are Jira Cloud's (``schema.custom`` is what a client finds the fields by: their
ids differ from site to site, their names can be renamed): Sprint is an ``array`` of
``json`` with ``com.pyxis.greenhopper.jira:gh-sprint``; the estimate a ``number`` with
``com.pyxis.greenhopper.jira:jsw-story-points``; the classic field a ``number`` of the
plain ``float`` custom type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.jira.emu_jql_eval import SPRINT_FIELD

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator


def _field(fid: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    num = int(fid.rsplit("_", 1)[1])
    return {"id": fid, "key": fid, "name": name, "custom": True,
            "orderable": True, "navigable": True, "searchable": True,
            "clauseNames": [f"cf[{num}]", name], "schema": schema | {"customId": num}}


SPRINT = _field(SPRINT_FIELD, "Sprint", {
    "type": "array", "items": "json", "custom": "com.pyxis.greenhopper.jira:gh-sprint"})
STORY_POINT_ESTIMATE = _field("customfield_10016", "Story point estimate", {
    "type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points"})
STORY_POINTS = _field("customfield_10028", "Story Points", {
    "type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"})
#: Jira Software Cloud's fields, as a new site has them
CLOUD = (SPRINT, STORY_POINT_ESTIMATE)


def ids(emu: JiraEmulator) -> set[str]:
    return {f["id"] for f in emu.planning_fields}


def number_fields(emu: JiraEmulator) -> set[str]:
    return {f["id"] for f in emu.planning_fields if f["schema"]["type"] == "number"}


def names(emu: JiraEmulator) -> dict[str, str]:
    """Field id -> the name a changelog history gives it."""
    return {f["id"]: f["name"] for f in emu.planning_fields}


def editmeta(emu: JiraEmulator) -> dict[str, Any]:
    return {f["id"]: {"required": False, "name": f["name"], "key": f["id"],
                      "schema": f["schema"], "operations": ["set"]}
            for f in emu.planning_fields}


def number(value: Any) -> float | int:
    """A number field's value, as Jira takes it (a JSON number; it keeps what it is sent)."""
    from adapters.jira.emu_edit import Refused

    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused("Operation value must be a number.")
    return value


def history_text(fid: str, value: Any) -> tuple[str | None, str | None]:
    """(``from``/``to``, ``fromString``/``toString``) of a planning field's value: a
    sprint list as its ids and names, comma-separated; a number as its text."""
    if value is None or value == []:
        return None, None
    if fid == SPRINT_FIELD:
        return (", ".join(str(s["id"]) for s in value), ", ".join(s["name"] for s in value))
    return None, str(value)


def close_sprint(emu: JiraEmulator, sid: int, move_to: int | None = None) -> None:
    """Complete a sprint as its board's "Complete sprint" does: the issues not done in it
    move to ``move_to`` (a future or active sprint) or to the backlog, and are updated; the
    done ones keep it, closed, in their Sprint field (their ``updated`` does not move). Call
    with the emulator's lock held."""
    sprint = emu.sprints[str(sid)]
    sprint["state"] = "closed"
    sprint["completeDate"] = emu.now().replace(microsecond=0)
    for issue in emu.issues.values():
        held = issue["fields"].get(SPRINT_FIELD) or []
        if not any(s["id"] == sprint["id"] for s in held):
            continue
        closed = [emu.sprint_field(emu.sprints[str(s["id"])]) for s in held
                  if emu.sprints[str(s["id"])]["state"] == "closed"]
        if (issue["fields"]["status"].get("statusCategory") or {}).get("key") == "done":
            issue["fields"][SPRINT_FIELD] = closed
            continue
        target = [emu.sprint_field(emu.sprints[str(move_to)])] if move_to is not None else []
        issue["fields"][SPRINT_FIELD] = [*closed, *target] or None
        issue["fields"]["updated"] = emu.stamp()
