"""Writing an issue's fields in the Jira emulator, all or nothing as Jira writes them: every
field of a create, an edit or a transition is checked (its type, then its value) before any
is stored, and all the refused fields come back in one 400 (``errors`` by field, with
Jira's wording where it is known). Nothing of a refused request is kept.

The fields taken are the ones the emulator models: ``summary``, ``description``,
``priority``, ``labels``, ``duedate``, ``assignee``, ``reporter``, ``parent``, the Sprint
field (``customfield_10020``, a sprint id), ``timetracking`` (``originalEstimate`` as
``1h 30m``, stored as ``timeoriginalestimate`` seconds; refused when the site's time
tracking is off, ``emu.time_tracking``), the story points number field and, on a transition
into a done status only, ``resolution``. The Sprint and story points fields are taken only
where the site has them (:mod:`adapters.jira.emu_planning`). Any other (``status``
included) is Jira's "cannot be set" error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapters.jira import emu_planning, emu_text
from adapters.jira.emu_errors import JiraError
from adapters.jira.emu_jql_eval import SPRINT_FIELD

if TYPE_CHECKING:
    from adapters.jira.emulator import JiraEmulator

#: Jira Cloud's default resolutions (GET /resolution), by id
RESOLUTIONS = {"10000": ("Done", "Work has been completed on this issue."),
               "10001": ("Won't Do", "This issue won't be actioned."),
               "10002": ("Duplicate", "The problem is a duplicate of an existing issue."),
               "10003": ("Cannot Reproduce", "This issue could not be reproduced.")}
NOT_SETTABLE = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
NOT_ADF = ("Operation value must be an Atlassian Document (see the Atlassian Document "
           "Format)")


class Refused(Exception):
    """One field's error (``key`` when Jira files it under another name)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message, self.key = message, key


class Context:
    """What a field's check needs besides the value: the site, the issue's hierarchy level,
    the API version (a v2 text field is a string) and whether a resolution may be set."""

    def __init__(self, emu: JiraEmulator, level: int, issue_id: str | None = None, *,
                 v2: bool = False, resolution: bool = False) -> None:
        self.emu, self.level, self.issue_id = emu, level, issue_id
        self.v2, self.resolution = v2, resolution


def prepare(ctx: Context, fields: dict[str, Any]) -> dict[str, Any]:
    """Each field's value as the emulator stores it; any refused: one 400 naming them all."""
    out, errors = {}, {}
    planning = emu_planning.ids(ctx.emu)
    for name, value in fields.items():
        check = CHECKS.get(name) or (
            _points if name in emu_planning.number_fields(ctx.emu) else None)
        try:
            if check is None or (name == "resolution" and not ctx.resolution) or (
                    name.startswith("customfield_") and name not in planning):
                raise Refused(NOT_SETTABLE.format(name))
            if name == "timetracking" and not ctx.emu.time_tracking:
                raise Refused(NOT_SETTABLE.format(name))
            out[name] = None if value is None and name not in ("summary", SPRINT_FIELD) \
                else check(ctx, value)
        except Refused as exc:
            errors[exc.key or name] = exc.message
    if errors:
        raise JiraError(400, [], errors)
    if "timetracking" in out:  # kept as Jira answers it: seconds, the remaining estimate too
        out["timeoriginalestimate"] = out["timeestimate"] = out.pop("timetracking")
    return out


def resolution_json(emu: JiraEmulator, rid: str) -> dict[str, Any]:
    name, description = RESOLUTIONS[rid]
    return {"self": f"{emu.base_url}/rest/api/3/resolution/{rid}", "id": rid,
            "description": description, "name": name}


def _named(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not (value.get("id") or value.get("name")):
        raise Refused(f"Could not find valid 'id' or 'name' in {what} object.")
    return value


def _summary(ctx: Context, value: Any) -> str:
    if not isinstance(value, str):
        raise Refused("Operation value must be a string")
    if not value.strip():
        raise Refused("You must specify a summary of the issue.")
    if len(value) > 255:
        raise Refused("Summary must be less than 255 characters.")
    return value


def _description(ctx: Context, value: Any) -> dict[str, Any]:
    if ctx.v2:  # API v2 takes the text as a string (wiki markup)
        if not isinstance(value, str):
            raise Refused("Operation value must be a string")
        return emu_text.plain_doc(value)
    if not isinstance(value, dict) or value.get("type") != "doc":
        raise Refused(NOT_ADF)
    return value


def _priority(ctx: Context, value: Any) -> dict[str, Any]:
    value = _named(value, "priority")
    names = ctx.emu.priorities
    for n, name in enumerate(names):
        if value.get("name") == name or str(value.get("id")) == str(n + 1):
            return {"name": name, "id": str(n + 1)}
    raise Refused("Specify a valid priority")


def _labels(ctx: Context, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Refused("data was not an array")
    if not all(isinstance(v, str) and v for v in value):
        raise Refused("Operation value must be a string")
    return list(dict.fromkeys(value))


def _duedate(ctx: Context, value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise Refused(f"Error parsing date string: {value}")


def _user(ctx: Context, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused("expected Object")
    user = ctx.emu.users.get(str(value.get("accountId") or value.get("id") or ""))
    if user is None:
        raise Refused("User does not exist")
    return dict(user)


def _parent(ctx: Context, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused("Could not find valid 'id' or 'key' in parent object.")
    wanted = str(value.get("key") or value.get("id") or "")
    parent = next((i for i in ctx.emu.issues.values() if wanted in (i["id"], i["key"])), None)
    if parent is None:
        raise Refused("Could not find issue by id or key.")
    if parent["id"] == ctx.issue_id or (
            parent["fields"]["issuetype"]["hierarchyLevel"] != ctx.level + 1):
        raise Refused("Given parent work item does not belong to appropriate hierarchy.",
                      "parentId")
    return {"id": parent["id"], "key": parent["key"],
            "fields": {"issuetype": parent["fields"]["issuetype"]}}


def _sprint(ctx: Context, value: Any) -> list[dict[str, Any]] | None:
    """The Sprint field takes one open or future sprint's id (Jira Cloud's edit of
    customfield_10020): the issue moves there, keeping the closed sprints it was in; null
    takes it out of its open sprint (to the backlog), keeping the closed ones."""
    issue = ctx.emu.issues.get(ctx.issue_id or "") or {"fields": {}}
    if value is None:
        return [s for s in issue["fields"].get(SPRINT_FIELD) or []
                if s["state"] == "closed"] or None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Refused("Number value expected as the Sprint id.")
    sprint = ctx.emu.sprints.get(str(value))
    if sprint is None:
        raise Refused(f"Sprint with id {value} does not exist")
    if sprint["state"] == "closed":
        raise Refused("Issue can be assigned only active or future sprints.")
    held = [s for s in issue["fields"].get(SPRINT_FIELD) or []  # closed ones stay
            if s["state"] == "closed" and s["id"] != sprint["id"]]
    return [*held, ctx.emu.sprint_field(sprint)]


def _points(ctx: Context, value: Any) -> float | int:
    return emu_planning.number(value)


def _resolution(ctx: Context, value: Any) -> dict[str, Any]:
    value = _named(value, "resolution")
    for rid, (name, _) in RESOLUTIONS.items():
        if value.get("name") == name or str(value.get("id")) == rid:
            return resolution_json(ctx.emu, rid)
    raise Refused(f"Resolution '{value.get('name') or value.get('id')}' does not exist")


def _timetracking(ctx: Context, value: Any) -> int | None:
    """``{"originalEstimate": "1h 30m"}`` (Jira's w/d/h/m units) as seconds; an empty
    object or estimate clears it."""
    from adapters.jira.emu_extras import UNITS

    if not isinstance(value, dict):
        raise Refused("Time tracking is an object")
    text = value.get("originalEstimate")
    if text in (None, ""):
        return None
    if not isinstance(text, str) or not re.fullmatch(r"\s*(\d+\s*[wdhm]\s*)+", text):
        raise Refused("Invalid original estimate entered.", "timeoriginalestimate")
    seconds = sum(int(n) * UNITS[u] for n, u in re.findall(r"(\d+)\s*([wdhm])", text))
    return seconds or None


CHECKS: dict[str, Callable[[Context, Any], Any]] = {
    "summary": _summary, "description": _description, "priority": _priority,
    "labels": _labels, "duedate": _duedate, "assignee": _user, "reporter": _user,
    "parent": _parent, SPRINT_FIELD: _sprint, "resolution": _resolution,
    "timetracking": _timetracking}


def apply_verbs(current: Any, ops: Any, name: str) -> Any:
    """An edit's ``update`` verbs on one field: ``set``, and for a list field (labels)
    ``add`` and ``remove``, applied in order as Jira applies them (nothing is stored)."""
    if not isinstance(ops, list):
        raise JiraError(400, [], {name: "Field operations must be a list."})
    value = current
    for op in ops:
        (verb, arg), = op.items() if isinstance(op, dict) and len(op) == 1 else ((None, None),)
        if verb == "set":
            value = arg
        elif verb in ("add", "remove") and isinstance(value, list | type(None)):
            items = list(value or [])
            if verb == "add" and arg not in items:
                items.append(arg)
            elif verb == "remove" and arg in items:
                items.remove(arg)
            value = items
        else:
            raise JiraError(400, [], {name: f"Field '{name}' does not support operation "
                                            f"'{verb}'."})
    return value


def merged(issue_fields: dict[str, Any], fields: Any, update: Any) -> dict[str, Any]:
    """A request's ``fields`` and ``update`` as one set of new values (checked for shape,
    not yet for their values)."""
    from adapters.jira.emu_input import expect_object

    out = dict(expect_object(fields if fields is not None else {}, "fields"))
    for name, ops in expect_object(update if update is not None else {}, "update").items():
        if name in out:
            raise JiraError(400, [], {name: f"Field '{name}' cannot be set in both 'fields' "
                                            "and 'update'."})
        out[name] = apply_verbs(issue_fields.get(name), ops, name)
    return out
