"""Todoist's filter language for the emulator's ``tasks/filter`` and filter scopes, parsed
rather than split on ``&`` and ``|``: ``!`` binds tightest, then ``&``, then ``|``, with
parentheses; a ``,`` joins separate queries (their union here). Terms: ``@label`` (``*`` a
wildcard), ``#project``, ``##project`` (with its sub-projects), ``/section``, ``p1``..``p4``,
``no date``, ``no labels``, ``today``, ``tomorrow``, ``overdue``, ``N days`` / ``next N
days``, ``recurring``, ``subtask``, ``search: text``, ``due before: DATE``, ``due after:
DATE`` and ``date: DATE`` (DATE ``today``, ``tomorrow`` or ``YYYY-MM-DD``). Anything else is
Todoist's 400, never a silent "matches nothing" (Help Center, "Introduction to filters").
Dates are days in UTC here; Todoist uses the account's zone."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable
from typing import Any

Test = Callable[[dict[str, Any]], bool]


class FilterError(ValueError):
    """A query Todoist would refuse (``Invalid filter query``)."""


class World:
    """What the terms look at besides the task: projects, sections, today."""

    def __init__(self, projects: dict[str, dict[str, Any]], sections: dict[str, dict[str, Any]],
                 today: dt.date) -> None:
        self.projects, self.sections, self.today = projects, sections, today

    def project_ids(self, name: str, with_children: bool) -> set[str]:
        ids = {p["id"] for p in self.projects.values() if p["name"].lower() == name.lower()}
        while with_children:
            more = {p["id"] for p in self.projects.values() if p.get("parent_id") in ids} - ids
            if not more:
                break
            ids |= more
        return ids


def _day(text: str, world: World) -> dt.date:
    words = text.strip().lower()
    if words == "today":
        return world.today
    if words == "tomorrow":
        return world.today + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(words)
    except ValueError:
        raise FilterError(f"Invalid filter query: a date, not {text.strip()!r}") from None


def _due(item: dict[str, Any]) -> dt.date | None:
    due = item.get("due")
    return dt.date.fromisoformat(str(due["date"])[:10]) if due else None


def _dated(item: dict[str, Any], ok: Callable[[dt.date], bool]) -> bool:
    day = _due(item)
    return day is not None and ok(day)


def term(text: str, world: World) -> Test:
    t = text.strip()
    low = t.lower()
    fixed: dict[str, Test] = {
        "no date": lambda i: i.get("due") is None, "no due date": lambda i: i.get("due") is None,
        "no labels": lambda i: not i.get("labels"),
        "today": lambda i: _dated(i, lambda d: d == world.today),
        "tomorrow": lambda i: _dated(i, lambda d: d == world.today + dt.timedelta(days=1)),
        "overdue": lambda i: _dated(i, lambda d: d < world.today),
        "recurring": lambda i: bool((i.get("due") or {}).get("is_recurring")),
        "subtask": lambda i: i.get("parent_id") is not None,
    }
    if low in fixed:
        return fixed[low]
    if re.fullmatch(r"p[1-4]", low):
        return lambda i: int(i["priority"]) == 5 - int(low[1])
    if m := re.fullmatch(r"(?:next )?(\d+) days", low):
        last = world.today + dt.timedelta(days=int(m.group(1)) - 1)
        return lambda i: _dated(i, lambda d: world.today <= d <= last)
    if t.startswith("@"):
        return lambda i: any(fnmatch.fnmatch(x.lower(), t[1:].lower()) for x in i["labels"])
    if t.startswith("##") or t.startswith("#"):
        ids = world.project_ids(t.lstrip("#"), t.startswith("##"))
        return lambda i: i["project_id"] in ids
    if t.startswith("/"):
        return lambda i: world.sections.get(str(i.get("section_id")), {}).get(
            "name", "").lower() == t[1:].lower()
    if m := re.fullmatch(r"(search|due before|due after|date):\s*(.+)", t, re.I):
        return _keyed(m.group(1).lower(), m.group(2), world)
    raise FilterError(f"Invalid filter query: {t!r} is not a filter term")


def _keyed(key: str, arg: str, world: World) -> Test:
    if key == "search":
        words = arg.lower()
        return lambda i: words in f"{i['content']} {i.get('description', '')}".lower()
    day = _day(arg, world)
    if key == "due before":
        return lambda i: _dated(i, lambda d: d < day)
    if key == "due after":
        return lambda i: _dated(i, lambda d: d > day)
    return lambda i: _dated(i, lambda d: d == day)


TOKEN = re.compile(r"\s*(\(|\)|&|\||!|,|[^()&|!,]+)")


def parse(query: str, world: World) -> Test:
    """The query as one test over a task (raises :class:`FilterError`)."""
    tokens = [m.group(1) for m in TOKEN.finditer(query) if m.group(1).strip()]
    pos = 0

    def peek() -> str | None:
        return tokens[pos].strip() if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def either() -> Test:  # a | b, and the comma's union
        parts = [both()]
        while peek() in ("|", ","):
            take()
            parts.append(both())
        return lambda i: any(p(i) for p in parts)

    def both() -> Test:
        parts = [negated()]
        while peek() == "&":
            take()
            parts.append(negated())
        return lambda i: all(p(i) for p in parts)

    def negated() -> Test:
        if peek() == "!":
            take()
            inner = negated()
            return lambda i: not inner(i)
        if peek() == "(":
            take()
            inner = either()
            if peek() != ")":
                raise FilterError("Invalid filter query: a parenthesis is not closed")
            take()
            return inner
        if peek() in (None, ")", "&", "|", ","):
            raise FilterError("Invalid filter query: a term is missing")
        return term(take(), world)

    test = either()
    if peek() is not None:
        raise FilterError(f"Invalid filter query: unexpected {peek()!r}")
    return test
