"""Todoist's filter language for the emulator's ``tasks/filter`` and filter scopes, parsed
rather than split: ``!`` binds tightest, then ``&``, then ``|``, with parentheses; a ``,``
separates queries (their union here). ``&``, ``|``, ``,`` and parentheses are operators
wherever they stand; ``!`` only where a term starts (so ``search: milk!`` searches for
``milk!``); a backslash makes the next character plain text (``#R\\&D``, ``search: a\\, b``).

Terms: ``@label``, ``#project``, ``##project`` (with its sub-projects), ``/section`` (each with
``*`` as the only wildcard, ``\\*`` a plain star), ``p1``..``p4``, ``no priority``, ``no date``,
``no time``, ``no labels``, ``no deadline``, ``overdue`` (a time of day counts: a task due
today at a past time is overdue), ``recurring``, ``subtask``, ``assigned``, ``shared``, ``N
days`` / ``next N days``, a day in words (``today``, ``tomorrow``, ``yesterday``,
``monday``, ``Jan 1``, ``1 Jan``, ``January 1``, ``2026-12-03``: tasks due that day),
``search: text``, ``due: DAY``, ``due before: DAY``, ``due after: DAY`` (``date``... alike),
``created: DAY``, ``created before: DAY``, ``created after: DAY``, ``assigned to: me | others
| NAME``, ``assigned by: ...``, ``added by: ...``. Anything else is Todoist's 400, never a
silent "matches nothing" (Help Center, "Introduction to filters"). A project, label or
section that does not exist matches nothing. Days are UTC days here; Todoist uses the
account's zone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.todoist import emu_dates

Task = Mapping[str, Any]
Test = Callable[[Task], bool]
Table = Mapping[str, Mapping[str, Any]]
OPERATORS = "&|(),"
STAR = "\ue000"  # an escaped ``*`` (a private-use character): a plain star, no wildcard


class FilterError(ValueError):
    """A query Todoist would refuse (``Invalid filter query``)."""


@dataclass(frozen=True)
class World:
    """What the terms look at besides the task: projects, sections, users, who "me" is, now."""

    projects: Table
    sections: Table
    now: dt.datetime
    users: Table = field(default_factory=dict)
    me: str = "u1"

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def project_ids(self, pattern: str, with_children: bool) -> set[str]:
        ids = {p["id"] for p in self.projects.values()
               if not p.get("is_deleted") and wildcard(pattern, p["name"])}
        while with_children:
            more = {p["id"] for p in self.projects.values()
                    if p.get("parent_id") in ids and not p.get("is_deleted")} - ids
            if not more:
                break
            ids |= more
        return ids

    def user_ids(self, who: str) -> set[str]:
        """Users called ``who``: by e-mail, full name, or the full name's first word."""
        low = who.casefold()
        return {uid for uid, u in self.users.items() if low in {
            str(u.get("email", "")).casefold(), str(u.get("full_name", "")).casefold(),
            str(u.get("name", "")).casefold(),
            (str(u.get("full_name") or "").split() or [""])[0].casefold()}}


def wildcard(pattern: str, name: str) -> bool:
    """``*`` matches any run of characters (an escaped one, :data:`STAR`, a plain star),
    nothing else is special; names are matched whole, ignoring case."""
    rx = ".*".join(re.escape(plain(p)) for p in pattern.strip().split("*"))
    return re.fullmatch(rx, name.strip(), re.IGNORECASE | re.DOTALL) is not None


def plain(text: str) -> str:
    return text.replace(STAR, "*")


# -- terms -----------------------------------------------------------------------------------


def _due_day(task: Task) -> dt.date | None:
    due = task.get("due")
    return emu_dates.day(str(due["date"])) if due else None


def _dated(ok: Callable[[dt.date], bool]) -> Test:
    def test(task: Task) -> bool:
        day = _due_day(task)
        return day is not None and ok(day)
    return test


def _overdue(world: World) -> Test:
    def test(task: Task) -> bool:
        due = task.get("due")
        if not due:
            return False
        at = emu_dates.moment(str(due["date"]))
        return at < world.now if at else emu_dates.day(str(due["date"])) < world.today
    return test


FIXED: dict[str, Callable[[World], Test]] = {
    "no date": lambda w: lambda i: i.get("due") is None,
    "no due date": lambda w: lambda i: i.get("due") is None,
    "no time": lambda w: lambda i: bool(i.get("due")) and "T" not in str(i["due"]["date"]),
    "no labels": lambda w: lambda i: not i.get("labels"),
    "no deadline": lambda w: lambda i: i.get("deadline") is None,
    "no priority": lambda w: lambda i: int(i.get("priority") or 1) == 1,
    "overdue": _overdue,
    "recurring": lambda w: lambda i: bool((i.get("due") or {}).get("is_recurring")),
    "subtask": lambda w: lambda i: i.get("parent_id") is not None,
    "subtasks": lambda w: lambda i: i.get("parent_id") is not None,
    "assigned": lambda w: lambda i: i.get("responsible_uid") is not None,
    "shared": lambda w: lambda i: bool(w.projects.get(str(i.get("project_id")), {}).get(
        "is_shared")),
}


def _named(prefix: str, name: str, world: World) -> Test:
    """``@label``, ``#project``, ``##project`` and ``/section``."""
    if prefix == "@":
        return lambda i: any(wildcard(name, x) for x in i.get("labels") or [])
    if prefix == "/":
        return lambda i: wildcard(name, str(world.sections.get(
            str(i.get("section_id")), {}).get("name", ""))) and i.get("section_id") is not None
    ids = world.project_ids(name, prefix == "##")
    return lambda i: i.get("project_id") in ids


def _day(arg: str, world: World) -> dt.date:
    try:
        return emu_dates.words(plain(arg), world.today)
    except ValueError:
        raise FilterError(f"Invalid filter query: a date, not {arg.strip()!r}") from None


def _people(field_name: str, who: str, world: World) -> Test:
    low = who.strip().casefold()
    if low == "me":
        return lambda i: i.get(field_name) == world.me
    if low == "others":
        return lambda i: i.get(field_name) not in (None, world.me)
    ids = world.user_ids(plain(who.strip()))
    return lambda i: i.get(field_name) in ids


def _created(task: Task) -> dt.date:
    return emu_dates.day(str(task.get("added_at") or "0001-01-01"))


DATE_KEYS: dict[str, Callable[[dt.date], Test]] = {
    "due": lambda d: _dated(lambda x: x == d), "date": lambda d: _dated(lambda x: x == d),
    "due before": lambda d: _dated(lambda x: x < d),
    "date before": lambda d: _dated(lambda x: x < d),
    "due after": lambda d: _dated(lambda x: x > d),
    "date after": lambda d: _dated(lambda x: x > d),
    "created": lambda d: lambda i: _created(i) == d,
    "created before": lambda d: lambda i: _created(i) < d,
    "created after": lambda d: lambda i: _created(i) > d,
}
PEOPLE_KEYS = {"assigned to": "responsible_uid", "assigned by": "assigned_by_uid",
               "added by": "added_by_uid"}
KEYED = re.compile(r"(search|assigned to|assigned by|added by|"
                   + "|".join(sorted(DATE_KEYS, key=len, reverse=True)) + r")\s*:\s*(.+)",
                   re.IGNORECASE)


def _keyed(key: str, arg: str, world: World) -> Test:
    if key == "search":
        words = plain(arg).casefold()
        return lambda i: words in f"{i.get('content', '')} {i.get('description', '')}".casefold()
    if key in PEOPLE_KEYS:
        return _people(PEOPLE_KEYS[key], arg, world)
    return DATE_KEYS[key](_day(arg, world))


def term(text: str, world: World) -> Test:
    t = " ".join(text.split())
    low = t.lower()
    if low in FIXED:
        return FIXED[low](world)
    if re.fullmatch(r"p[1-4]", low):
        return lambda i: int(i.get("priority") or 1) == 5 - int(low[1])
    if m := re.fullmatch(r"(?:next )?(\d+) days", low):
        last = world.today + dt.timedelta(days=int(m.group(1)) - 1)
        return _dated(lambda d: world.today <= d <= last)
    for prefix in ("##", "#", "@", "/"):
        if t.startswith(prefix):
            return _named(prefix, t[len(prefix):], world)
    if m := KEYED.fullmatch(t):
        return _keyed(m.group(1).lower(), m.group(2), world)
    try:
        on = emu_dates.words(plain(t), world.today)
    except ValueError:
        raise FilterError(f"Invalid filter query: {t!r} is not a filter term") from None
    return _dated(lambda d: d == on)


# -- the query -------------------------------------------------------------------------------


def tokens(query: str) -> list[tuple[bool, str]]:
    """(is an operator, text) in order; a backslash escapes the next character (an escaped
    ``*`` becomes :data:`STAR`), ``!`` is an operator only where a term starts."""
    out: list[tuple[bool, str]] = []
    text, i = "", 0
    while i < len(query):
        ch = query[i]
        if ch == "\\" and i + 1 < len(query):
            text += STAR if query[i + 1] == "*" else query[i + 1]
            i += 2
            continue
        if ch in OPERATORS or (ch == "!" and not text.strip()):
            if text.strip():
                out.append((False, text))
            out.append((True, ch))
            text = ""
        else:
            text += ch
        i += 1
    if text.strip():
        out.append((False, text))
    return out


class _Parser:
    def __init__(self, query: str, world: World) -> None:
        self.tokens, self.pos, self.world = tokens(query), 0, world

    def peek(self) -> str | None:
        """The next operator, "" for a term, None at the end."""
        if self.pos >= len(self.tokens):
            return None
        is_op, text = self.tokens[self.pos]
        return text if is_op else ""

    def take(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1][1]

    def either(self) -> Test:  # a | b, and the comma's union
        parts = [self.both()]
        while self.peek() in ("|", ","):
            self.take()
            parts.append(self.both())
        return lambda i: any(p(i) for p in parts)

    def both(self) -> Test:
        parts = [self.negated()]
        while self.peek() == "&":
            self.take()
            parts.append(self.negated())
        return lambda i: all(p(i) for p in parts)

    def negated(self) -> Test:
        nxt = self.peek()
        if nxt == "!":
            self.take()
            inner = self.negated()
            return lambda i: not inner(i)
        if nxt == "(":
            self.take()
            inner = self.either()
            if self.peek() != ")":
                raise FilterError("Invalid filter query: a parenthesis is not closed")
            self.take()
            return inner
        if nxt != "":
            raise FilterError("Invalid filter query: a term is missing")
        return term(self.take(), self.world)


def parse(query: str, world: World) -> Test:
    """The query as one test over a task (raises :class:`FilterError`)."""
    parser = _Parser(query, world)
    test = parser.either()
    if parser.peek() is not None:
        raise FilterError(f"Invalid filter query: unexpected {parser.take()!r}")
    return test
