"""Todoist task (v1 sync/REST shape) <-> canonical :class:`hub.model.Item`.

Decisions, each because Todoist cannot say more:

- **due**: ``YYYY-MM-DD`` is a :class:`DateOnly`; ``YYYY-MM-DDTHH:MM:SS`` a floating time;
  ``...Z`` with ``timezone`` a :class:`ZonedDateTime` in that zone.
- **recurrence**: Todoist keeps a recurring due as natural language. The common forms
  ("every day", "every 2 weeks", "every monday, friday", "every month", "every year") map to an
  RRULE both ways; other strings read as no recurrence and are never written over unless the
  recurrence field itself changes.
- **priority**: Todoist 4 is urgent, as canonical 4. Todoist has no "none": its 1 is the
  default, so canonical 1 and "none" are stored alike (see :func:`represent`).
- **duration**: ``{"amount": N, "unit": "minute"}`` is N minutes; ``"day"`` (all-day tasks
  spanning days) is N * 1440. Written in minutes, or in days for an all-day due whose length
  is a whole number of days.
- **status**: completed (``checked``) is done; with a section value map, sections carry the
  other kinds; without one, in-progress is stored as open and cancelled as done. A sub-task
  always lives in its parent's section (Todoist moves it with its parent, and moving it to
  a section makes it a root task there), so its section is not its status: a sub-task is
  open or done only (:func:`represent_in`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from adapters.base import ValueMap
from adapters.reading import zone_name
from hub.model import (
    DateOnly,
    FloatingDateTime,
    Item,
    Status,
    StatusKind,
    ZonedDateTime,
)

DAYS = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday", "FR": "friday",
        "SA": "saturday", "SU": "sunday"}
UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
TASK_URL = "https://app.todoist.com/app/task/{id}"


# -- recurrence ---------------------------------------------------------------------------------


def rrule_to_string(rrule: str) -> str | None:
    parts = dict(p.split("=", 1) for p in rrule.split(";"))
    freq, interval = parts.get("FREQ"), int(parts.get("INTERVAL", "1"))
    extra = set(parts) - {"FREQ", "INTERVAL", "BYDAY"}
    if freq not in UNITS or extra:
        return None
    if "BYDAY" in parts:
        if freq != "WEEKLY" or interval != 1:
            return None
        days = parts["BYDAY"].split(",")
        if any(d not in DAYS for d in days):
            return None
        return "every " + ", ".join(DAYS[d] for d in days)
    unit = UNITS[freq]
    return f"every {unit}" if interval == 1 else f"every {interval} {unit}s"


def string_to_rrule(text: str) -> str | None:
    s = " ".join(text.lower().split())
    m = re.fullmatch(r"every (?:(\d+) )?(day|week|month|year)s?", s)
    if m:
        freq = {v: k for k, v in UNITS.items()}[m.group(2)]
        n = int(m.group(1) or 1)
        return f"FREQ={freq}" + (f";INTERVAL={n}" if n != 1 else "")
    m = re.fullmatch(r"every ((?:[a-z]+)(?:, ?[a-z]+)*)", s)
    if m:
        names = {v: k for k, v in DAYS.items()}
        days = [d.strip() for d in m.group(1).split(",")]
        if all(d in names for d in days):
            return "FREQ=WEEKLY;BYDAY=" + ",".join(names[d] for d in days)
    return None


# -- due ----------------------------------------------------------------------------------------


def read_due(due: Mapping[str, Any] | None, user_tz: str = "UTC", what: str = "task"
             ) -> tuple[Any, str | None]:
    """A fixed due is an instant (``...Z``) plus the zone it was set in; a zone this host's
    tz database does not know keeps the instant and reads in the user's zone (logged)."""
    if not due:
        return None, None
    text = str(due["date"])
    moment: Any
    if len(text) == 10:
        moment = DateOnly(date=dt.date.fromisoformat(text))
    elif text.endswith("Z"):
        at = dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC)
        moment = ZonedDateTime(at=at, tz=zone_name(due.get("timezone"), user_tz, what=what))
    else:
        moment = FloatingDateTime(at=dt.datetime.fromisoformat(text))
    rrule = string_to_rrule(str(due.get("string") or "")) if due.get("is_recurring") else None
    return moment, rrule


def write_due(due: Any, recurrence: str | None) -> dict[str, Any] | None:
    if due is None and recurrence is None:
        return None
    out: dict[str, Any] = {"lang": "en"}
    if isinstance(due, DateOnly):
        out["date"] = due.date.isoformat()
    elif isinstance(due, FloatingDateTime):
        out["date"] = due.at.strftime("%Y-%m-%dT%H:%M:%S")
    elif isinstance(due, ZonedDateTime):
        out["date"] = due.at.strftime("%Y-%m-%dT%H:%M:%SZ")
        out["timezone"] = due.tz
    string = rrule_to_string(recurrence) if recurrence else None
    out["string"] = string or out.get("date")
    if string and "date" not in out:
        out["date"] = dt.date.today().isoformat()
    return out


# -- duration -----------------------------------------------------------------------------------

DAY_MINUTES = 1440


def read_duration(value: Mapping[str, Any] | None) -> int | None:
    if not value or not value.get("amount"):
        return None
    amount = int(value["amount"])
    return amount * DAY_MINUTES if value.get("unit") == "day" else amount


def write_duration(minutes: int | None, due: Any) -> dict[str, Any] | None:
    if minutes is None:
        return None
    if isinstance(due, DateOnly) and minutes % DAY_MINUTES == 0:
        return {"amount": minutes // DAY_MINUTES, "unit": "day"}
    return {"amount": minutes, "unit": "minute"}


# -- status -------------------------------------------------------------------------------------


def kinds_available(status_map: ValueMap | None) -> set[StatusKind]:
    if status_map is None:
        return {StatusKind.OPEN, StatusKind.DONE}
    return {StatusKind(v) for v in status_map.to_canonical.values()} | {StatusKind.DONE}


def represent(field: str, value: Any, status_map: ValueMap | None = None) -> Any:
    """The canonical value Todoist holds after we write ``value`` to ``field``."""
    if field == "priority" and value == 1:
        return None
    if field == "status" and isinstance(value, Status):
        have = kinds_available(status_map)
        if value.kind in have:
            return value
        fallback = StatusKind.DONE if value.kind.closed else StatusKind.OPEN
        return Status(kind=fallback, raw=value.raw)
    if field == "recurrence" and value is not None and rrule_to_string(value) is None:
        return None
    return value


def represent_in(field: str, value: Any, status_map: ValueMap | None, *, subtask: bool
                 ) -> Any:
    """:func:`represent` for a task that is (``subtask``) or is not a sub-task once written:
    with sections as statuses, a sub-task holds only open or done (see the module
    docstring)."""
    held = represent(field, value, status_map)
    if field == "status" and subtask and isinstance(held, Status) and status_map is not None:
        return Status(kind=StatusKind.DONE if held.kind.closed else StatusKind.OPEN,
                      raw=held.raw)
    return held


# -- task ---------------------------------------------------------------------------------------


def to_item(task: Mapping[str, Any], *, sections: Mapping[str, str],
            users: Mapping[str, str], status_map: ValueMap | None,
            origin: str | None = None, user_tz: str = "UTC") -> Item:
    """``sections``: section id -> name; ``users``: user id -> e-mail; ``user_tz``: where a
    fixed due in a zone nobody knows is read."""
    due, rrule = read_due(task.get("due"), user_tz, f"task {task.get('id')}")
    section: str | None = sections.get(str(task.get("section_id") or ""))
    if task.get("checked"):
        status = Status(kind=StatusKind.DONE, raw="completed")
    elif status_map is not None and section is not None and not task.get("parent_id") \
            and section in status_map.to_canonical:  # a sub-task's section is its parent's
        status = Status(kind=StatusKind(status_map.to_canonical[section]), raw=section)
    else:
        status = Status(kind=StatusKind.OPEN, raw=section)
    deadline = task.get("deadline")
    updated = task.get("updated_at")
    return Item(
        title=task.get("content") or "",
        description=task.get("description") or None,
        status=status,
        due=due,
        recurrence=rrule,
        deadline=DateOnly(date=dt.date.fromisoformat(deadline["date"][:10])) if deadline
        else None,
        duration=read_duration(task.get("duration")),
        priority=None if task.get("priority", 1) == 1 else task["priority"],
        labels=task.get("labels") or (),
        assignee=users.get(str(task.get("responsible_uid") or "")),
        url=TASK_URL.format(id=task["id"]),
        parent=task.get("parent_id"),
        updated_at=read_time(updated),
        origin=origin,
    )


def read_time(text: str | None) -> dt.datetime | None:
    """A Todoist time (``2026-12-03T14:02:11.123456Z``) as an aware datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def task_id(url: str | None) -> str | None:
    """The task id of a task's :data:`TASK_URL`, or None for another address."""
    prefix = TASK_URL.removesuffix("{id}")
    return url.removeprefix(prefix) if url and url.startswith(prefix) else None


def to_args(item: Item, fields: frozenset[str], *, emails: Mapping[str, str]
            ) -> dict[str, Any]:
    """``item_add``/``item_update`` arguments for ``fields`` (status and parent excluded:
    they are separate commands). ``emails``: e-mail -> user id."""
    args: dict[str, Any] = {}
    if "title" in fields:
        args["content"] = item.title
    if "description" in fields:
        args["description"] = item.description or ""
    if fields & {"due", "recurrence"}:
        args["due"] = write_due(item.due, item.recurrence)
    if "deadline" in fields:
        args["deadline"] = {"date": item.deadline.date.isoformat()} if item.deadline else None
    if "duration" in fields or ("due" in fields and item.duration):
        args["duration"] = write_duration(item.duration, item.due)  # its unit follows the due
    if "priority" in fields:
        args["priority"] = item.priority or 1
    if "labels" in fields:
        args["labels"] = list(item.labels)
    if "assignee" in fields:
        args["responsible_uid"] = emails.get(item.assignee) if item.assignee else None
    return args
