"""JQL's meaning for the Jira emulator: a parsed query (:mod:`.emu_jql_parse`) turned into a
test on the emulator's issues and a sort order, checked as Jira checks it.

Everything is validated while the query is compiled, before any issue is looked at: an
unknown field, an operator the field does not support, a value that does not exist (a project,
a user, a status...), an unknown function or one the field does not take. Real Jira refuses
such queries even when nothing would match, and a test that only fails on a matching issue
would hide the mistake. The emulator's metadata (projects, users, workflow, sprints) is what
"exists" means.

Semantics follow Jira's documentation where they are easy to get wrong: ``!=`` and ``NOT
IN`` never match an empty field (``assignee != x`` leaves out unassigned issues), while ``NOT``
is the complement of its clause; ``~`` matches when every word of the value starts a word of the
text, case-insensitively (Jira stems words; a prefix is close enough here); ``priority >
Medium`` means more urgent. Each field's value kind is a :class:`Kind`; the field table maps
JQL's names (case-insensitive, with Jira's aliases) to kinds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from adapters.jira.emu_errors import JiraError, bad_jql
from adapters.jira.emu_jql_dates import DATE_FUNCTIONS, date_function, date_value
from adapters.jira.emu_jql_parse import (
    And,
    Clause,
    Field,
    Function,
    ListOf,
    Node,
    Not,
    Operand,
    Or,
    Sort,
    Value,
)

Issue = dict[str, Any]
Test = Callable[[Issue], bool]

EQUALITY = frozenset({"=", "!=", "in", "not in"})
EMPTINESS = frozenset({"is", "is not"})
ORDERING = frozenset({">", ">=", "<", "<="})
LIST_FUNCTIONS = frozenset({"opensprints", "closedsprints", "futuresprints"})
FUNCTIONS = DATE_FUNCTIONS | LIST_FUNCTIONS | {"currentuser"}
SPRINT_FIELD = "customfield_10020"  # Jira Cloud's Sprint field (cf[10020])
_UNRESOLVED = object()  # ``resolution = Unresolved``: an empty resolution


class World(Protocol):
    """What the emulator offers a search (:class:`adapters.jira.emulator.JiraEmulator`)."""

    issues: dict[str, Issue]
    properties: dict[str, dict[str, Any]]
    indexed_properties: set[str]
    user_zone: str
    users: dict[str, dict[str, Any]]
    me: str
    projects: dict[str, dict[str, Any]]
    workflow: dict[str, dict[str, str]]
    sprints: dict[str, dict[str, Any]]
    priorities: list[str]
    issue_types: dict[str, dict[str, Any]]

    def now(self) -> dt.datetime: ...


def missing(value: Value, field: Field) -> JiraError:
    return bad_jql(f"The value '{value.text}' does not exist for the field '{field.name}'.")


def _fold(values: Iterable[Any]) -> frozenset[Any]:
    return frozenset(v for v in values if v is not None)


class Kind:
    """One kind of field value: what an issue holds, what a literal or function stands for,
    and which operators apply. Values are canonical (lower-case names, ids) so sets compare."""

    ops: frozenset[str] = EQUALITY | EMPTINESS
    functions: frozenset[str] = frozenset()
    sortable = True

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        raise NotImplementedError

    def literal(self, value: Value, field: Field, world: World) -> Any:
        raise NotImplementedError

    def call(self, fn: Function, field: Field, world: World) -> frozenset[Any]:
        raise NotImplementedError

    def comparable(self, held: Any, wanted: Any) -> bool:
        return True

    def sort_key(self, issue: Issue, world: World) -> Any:
        held = self.held(issue, world)
        return min(held) if held else None

    # -- compiling a clause -------------------------------------------------------------------

    def wanted(self, operand: Operand, field: Field, world: World
               ) -> tuple[frozenset[Any], bool]:
        """The canonical values ``operand`` stands for, and whether it includes EMPTY."""
        if isinstance(operand, ListOf):
            found = [self.wanted(item, field, world) for item in operand.items]
            return (frozenset().union(*(f for f, _ in found)), any(e for _, e in found))
        if isinstance(operand, Function):
            return self.call(operand, field, world), False
        if operand.keyword == "EMPTY":
            return frozenset(), True
        got = self.literal(operand, field, world)
        return (frozenset(), True) if got is _UNRESOLVED else (frozenset({got}), False)

    def test(self, clause: Clause, world: World) -> Test:
        op = clause.op
        if op in EMPTINESS:
            empty = op == "is"
            return lambda i: (not self.held(i, world)) == empty
        assert clause.operand is not None
        wanted, with_empty = self.wanted(clause.operand, clause.field, world)
        if op in ORDERING:
            return self._ordered(op, wanted, world)
        if op in ("=", "in"):
            return lambda i: bool((h := self.held(i, world)) & wanted) or (with_empty and not h)
        return lambda i: bool(h := self.held(i, world)) and not h & wanted

    def _ordered(self, op: str, wanted: frozenset[Any], world: World) -> Test:
        compare: Callable[[Any, Any], bool] = {
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
            "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}[op]
        return lambda i: any(self.comparable(h, w) and compare(h, w)
                             for h in self.held(i, world) for w in wanted)


class ProjectKind(Kind):
    """A project by key, id or name; canonical: its key."""

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        return frozenset({issue["fields"]["project"]["key"]})

    def literal(self, value: Value, field: Field, world: World) -> Any:
        want = value.text.lower()
        for key, p in world.projects.items():
            if want in (key.lower(), p["id"], p["name"].lower()):
                return key
        raise missing(value, field)

    def sort_key(self, issue: Issue, world: World) -> Any:
        return issue["fields"]["project"]["key"]


def _key_tuple(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return project.upper(), int(number)


class IssueKind(Kind):
    """An issue by key or id: the issue itself (``key``, ``id``) or its ``parent``. Keys order
    by number within a project (``key > OPS-5``); ids order numerically."""

    _KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-\d+")

    def __init__(self, parent: bool = False, by_id: bool = False) -> None:
        self.parent, self.by_id = parent, by_id
        self.ops = EQUALITY | (EMPTINESS if parent else ORDERING)

    def _canonical(self, issue: dict[str, Any]) -> Any:
        return int(issue["id"]) if self.by_id else _key_tuple(issue["key"])

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        if not self.parent:
            return frozenset({self._canonical(issue)})
        parent = issue["fields"].get("parent")
        return frozenset({self._canonical(parent)}) if parent else frozenset()

    def literal(self, value: Value, field: Field, world: World) -> Any:
        text = value.text.strip()
        if not (text.isdigit() or self._KEY.fullmatch(text)):
            raise bad_jql(f"The issue key '{text}' for field '{field.name}' is invalid.")
        for issue in world.issues.values():
            if text == issue["id"] or text.upper() == issue["key"].upper():
                return self._canonical(issue)
        raise bad_jql(f"An issue with key '{text}' does not exist for field '{field.name}'.")

    def comparable(self, held: Any, wanted: Any) -> bool:
        return self.by_id or held[0] == wanted[0]


class TextKind(Kind):
    """Free text (``summary``, ``description``, ``text`` over both): ``~`` and ``!~`` only,
    plus ``IS EMPTY`` where the field can be empty. Only ``summary`` sorts."""

    def __init__(self, fields: tuple[str, ...], emptiness: bool = True,
                 sortable: bool = False) -> None:
        self.fields, self.sortable = fields, sortable
        self.ops = frozenset({"~", "!~"}) | (EMPTINESS if emptiness else frozenset())

    def text(self, issue: Issue) -> str:
        return " ".join(_plain(issue["fields"].get(f)) for f in self.fields).strip()

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        text = self.text(issue)
        return frozenset({text}) if text else frozenset()

    def sort_key(self, issue: Issue, world: World) -> Any:
        return self.text(issue).lower()

    def test(self, clause: Clause, world: World) -> Test:
        if clause.op in EMPTINESS:
            return super().test(clause, world)
        operand = clause.operand
        if not isinstance(operand, Value) or operand.keyword:
            raise bad_jql(f"The operator '{clause.op}' is not supported by the "
                          f"'{clause.field.name}' field with this value.")
        words = _WORD.findall(operand.text.lower())
        wanted = clause.op == "~"
        return lambda i: _has_words(self.text(i), words) == wanted


_WORD = re.compile(r"\w+")


def _has_words(text: str, words: list[str]) -> bool:
    """Every word searched for starts a word of ``text`` (case-insensitive): Jira searches
    words, with stemming, so "login" finds "Login" and "logins" but "sign" not "redesign".
    Wildcards (``log*``) and other punctuation only separate words here."""
    held = _WORD.findall(text.lower())
    return all(any(h.startswith(w) for h in held) for w in words)


def _plain(value: Any) -> str:
    """The text of a string or of an ADF document (the emulator stores descriptions as ADF)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        own = value.get("text") or ""
        return " ".join([own, *(_plain(c) for c in value.get("content") or [])]).strip()
    return ""


class NameKind(Kind):
    """A named value from a known table (status, issue type, status category, resolution);
    canonical: the table's lower-case name. ``names`` maps every accepted spelling to it."""

    def __init__(self, read: Callable[[Issue], str | None],
                 names: Callable[[World], dict[str, Any]]) -> None:
        self.read, self.names = read, names

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        got = self.read(issue)
        return frozenset({got.lower()}) if got else frozenset()

    def literal(self, value: Value, field: Field, world: World) -> Any:
        found = self.names(world).get(value.text.lower())
        if found is None:
            raise missing(value, field)
        return found


def _statuses(world: World) -> dict[str, Any]:
    names = set(world.workflow) | {t for m in world.workflow.values() for t in m.values()}
    return {n.lower(): n.lower() for n in names}


def _issue_types(world: World) -> dict[str, Any]:
    out = {t["name"].lower(): t["name"].lower() for t in world.issue_types.values()}
    out |= {t["id"]: t["name"].lower() for t in world.issue_types.values()}
    return out


CATEGORIES = {"new": "new", "to do": "new", "2": "new", "indeterminate": "indeterminate",
              "in progress": "indeterminate", "4": "indeterminate", "done": "done", "3": "done",
              "undefined": "undefined", "no category": "undefined", "1": "undefined"}
RESOLUTIONS = {"done": "done", "won't do": "won't do", "duplicate": "duplicate",
               "cannot reproduce": "cannot reproduce", "unresolved": _UNRESOLVED,
               "10000": "done", "10001": "won't do", "10002": "duplicate",
               "10003": "cannot reproduce"}


class PriorityKind(Kind):
    """A priority by name or id; ordered by urgency (``priority > Medium``: High, Highest)."""

    ops = EQUALITY | ORDERING | EMPTINESS

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        p = issue["fields"].get("priority")
        if not p or p.get("name") not in world.priorities:
            return frozenset()
        return frozenset({-world.priorities.index(p["name"])})

    def literal(self, value: Value, field: Field, world: World) -> Any:
        for n, name in enumerate(world.priorities):
            if value.text.lower() in (name.lower(), str(n + 1)):
                return -n
        raise missing(value, field)


class UserKind(Kind):
    """A person (``assignee``, ``reporter``) by account id, e-mail or display name, or
    ``currentUser()``: the emulator's one API account, whose token is calling."""

    functions = frozenset({"currentuser"})

    def __init__(self, name: str) -> None:
        self.name = name

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        user = issue["fields"].get(self.name)
        return frozenset({user["accountId"]}) if user else frozenset()

    def literal(self, value: Value, field: Field, world: World) -> Any:
        want = value.text.lower()
        for aid, u in world.users.items():
            if want in (aid.lower(), u["emailAddress"].lower(), u["displayName"].lower()):
                return aid
        raise missing(value, field)

    def call(self, fn: Function, field: Field, world: World) -> frozenset[Any]:
        return frozenset({world.me})

    def sort_key(self, issue: Issue, world: World) -> Any:
        user = issue["fields"].get(self.name)
        return user["displayName"].lower() if user else None


class LabelsKind(Kind):
    """Labels: any value is valid (Jira does not check labels), compared case-insensitively."""

    sortable = False

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        return frozenset(label.lower() for label in issue["fields"].get("labels") or [])

    def literal(self, value: Value, field: Field, world: World) -> Any:
        return value.text.lower()


class DateKind(Kind):
    """``created``, ``updated`` (date-times) and ``duedate`` (a date: its midnight in the
    user's zone), against dates, periods and the date functions."""

    ops = EQUALITY | ORDERING | EMPTINESS
    functions = DATE_FUNCTIONS

    def __init__(self, name: str) -> None:
        self.name = name

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        raw = issue["fields"].get(self.name)
        if not raw:
            return frozenset()
        if len(raw) == 10:  # a date only
            return frozenset({date_value(raw, self.name, world.user_zone, world.now())})
        return frozenset({dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%f%z")})

    def literal(self, value: Value, field: Field, world: World) -> Any:
        return date_value(value.text, field.name, world.user_zone, world.now())

    def call(self, fn: Function, field: Field, world: World) -> frozenset[Any]:
        return frozenset({date_function(fn.name, fn.args, world.user_zone, world.now())})


class SprintKind(Kind):
    """Sprints (Jira Cloud's ``customfield_10020``, JQL ``sprint`` or ``cf[10020]``) by id or
    name, or ``openSprints()``, ``closedSprints()``, ``futureSprints()`` with ``IN``."""

    functions = LIST_FUNCTIONS
    sortable = False
    STATES = {"opensprints": "active", "closedsprints": "closed", "futuresprints": "future"}

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        return _fold(s.get("id") for s in issue["fields"].get(SPRINT_FIELD) or [])

    def literal(self, value: Value, field: Field, world: World) -> Any:
        for sid, sprint in world.sprints.items():
            if value.text.lower() in (sid, sprint["name"].lower()):
                return sprint["id"]
        raise missing(value, field)

    def call(self, fn: Function, field: Field, world: World) -> frozenset[Any]:
        state = self.STATES[fn.name.lower()]
        return frozenset(s["id"] for s in world.sprints.values() if s["state"] == state)


class PropertyKind(Kind):
    """``issue.property[key].path``: an entity property's value at a (dotted) path, as text.
    Searchable only for properties an app indexes (the emulator's ``indexed_properties``)."""

    sortable = False

    def __init__(self, key: str, path: tuple[str, ...]) -> None:
        self.key, self.path = key, path

    def held(self, issue: Issue, world: World) -> frozenset[Any]:
        value: Any = world.properties.get(issue["id"], {}).get(self.key)
        for step in self.path:
            value = value.get(step) if isinstance(value, dict) else None
        if value is None:
            return frozenset()
        return frozenset({str(value).lower() if isinstance(value, bool) else str(value)})

    def literal(self, value: Value, field: Field, world: World) -> Any:
        return value.text


def _field_read(*path: str) -> Callable[[Issue], str | None]:
    def read(issue: Issue) -> str | None:
        value: Any = issue["fields"]
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        return value if isinstance(value, str) else None
    return read


FIELDS: dict[str, Kind] = {
    "project": ProjectKind(),
    **dict.fromkeys(("key", "issuekey", "issue"), IssueKind()),
    "id": IssueKind(by_id=True),
    "parent": IssueKind(parent=True),
    "summary": TextKind(("summary",), emptiness=False, sortable=True),
    "description": TextKind(("description",)),
    "text": TextKind(("summary", "description"), emptiness=False),
    "status": NameKind(_field_read("status", "name"), _statuses),
    **dict.fromkeys(("statuscategory", "category"), NameKind(
        _field_read("status", "statusCategory", "key"), lambda w: CATEGORIES)),
    **dict.fromkeys(("issuetype", "type"), NameKind(_field_read("issuetype", "name"),
                                                    _issue_types)),
    "resolution": NameKind(_field_read("resolution", "name"), lambda w: RESOLUTIONS),
    "priority": PriorityKind(),
    "assignee": UserKind("assignee"),
    "reporter": UserKind("reporter"),
    "labels": LabelsKind(),
    **dict.fromkeys(("created", "createddate"), DateKind("created")),
    **dict.fromkeys(("updated", "updateddate"), DateKind("updated")),
    **dict.fromkeys(("duedate", "due"), DateKind("duedate")),
    **dict.fromkeys(("sprint", "cf[10020]"), SprintKind()),
}
_PROPERTY = re.compile(r"(?i)issue\.property\[([^\]\s]+)\]\.([\w.-]+)")


def no_field(field: Field) -> JiraError:
    return bad_jql(f"Field '{field.name}' does not exist or you do not have permission to "
                   "view it.")


def kind_of(field: Field, world: World) -> Kind:
    kind = FIELDS.get(field.name.lower())
    if kind is not None:
        return kind
    m = _PROPERTY.fullmatch(field.name)
    if m and m.group(1) in world.indexed_properties:
        return PropertyKind(m.group(1), tuple(m.group(2).split(".")))
    raise no_field(field)


# -- checking and compiling a query ----------------------------------------------------------

def _functions(operand: Operand | None) -> list[Function]:
    if isinstance(operand, Function):
        return [operand]
    if isinstance(operand, ListOf):
        return [f for item in operand.items for f in _functions(item)]
    return []


def _check_function(fn: Function, clause: Clause, kind: Kind) -> None:
    name = fn.name.lower()
    if name not in FUNCTIONS:
        raise bad_jql(f"Unable to find JQL function '{fn.name}()'.")
    if name not in kind.functions:
        raise bad_jql(f"The function '{fn.name}' is not supported by the "
                      f"'{clause.field.name}' field.")
    if name in LIST_FUNCTIONS and clause.op not in ("in", "not in"):
        raise bad_jql(f"The operator '{clause.op}' is not supported by the function "
                      f"'{fn.name}'; use 'in' or 'not in'.")
    if fn.args and name not in DATE_FUNCTIONS:
        raise bad_jql(f"Function '{fn.name}' expected '0' arguments but received "
                      f"'{len(fn.args)}'.")


def _check(clause: Clause, kind: Kind) -> None:
    """What Jira refuses in one clause before the values are looked up."""
    if clause.op not in kind.ops:
        raise bad_jql(f"The operator '{clause.op}' is not supported by the "
                      f"'{clause.field.name}' field.")
    single = clause.op not in ("in", "not in")
    if single and isinstance(clause.operand, ListOf):
        raise bad_jql(f"The operator '{clause.op}' does not support multiple values "
                      f"(field '{clause.field.name}').")
    if clause.op in ORDERING and isinstance(clause.operand, Value) and clause.operand.keyword:
        raise bad_jql(f"The operator '{clause.op}' does not support searching for EMPTY "
                      f"values (field '{clause.field.name}').")
    for fn in _functions(clause.operand):
        _check_function(fn, clause, kind)


def _clause(clause: Clause, world: World) -> Test:
    kind = kind_of(clause.field, world)
    _check(clause, kind)
    op = clause.op
    if isinstance(clause.operand, Value) and clause.operand.keyword and op in ("=", "!="):
        op = "is" if op == "=" else "is not"  # ``= EMPTY`` is ``IS EMPTY``
        clause = Clause(clause.field, op, clause.operand)
    return kind.test(clause, world)


def compile_where(node: Node, world: World) -> Test:
    """``node`` as one test on an issue; raises Jira's 400 for anything it cannot answer."""
    if isinstance(node, Clause):
        return _clause(node, world)
    if isinstance(node, Not):
        inner = compile_where(node.inner, world)
        return lambda i: not inner(i)
    parts = [compile_where(p, world) for p in node.parts]
    if isinstance(node, And):
        return lambda i: all(t(i) for t in parts)
    assert isinstance(node, Or)
    return lambda i: any(t(i) for t in parts)


SortKey = tuple[Callable[[Issue], Any], bool]


def compile_order(order: tuple[Sort, ...], world: World) -> list[SortKey]:
    """Each ``ORDER BY`` term as (key function, descending). Empty values sort last going
    up, first going down, as in Jira."""
    keys: list[SortKey] = []
    for term in order:
        kind = kind_of(term.field, world)
        if not kind.sortable:
            raise bad_jql(f"Not able to sort using field '{term.field.name}'.")

        def key(issue: Issue, kind: Kind = kind) -> Any:
            value = kind.sort_key(issue, world)
            return (value is None, value if value is not None else 0)
        keys.append((key, term.descending))
    return keys
