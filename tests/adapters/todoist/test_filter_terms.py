"""More of Todoist's filter language in the emulator, on a fixed clock (Thursday 2026-12-03,
12:00 UTC), through the SDK's ``filter_tasks``: plain text that holds operator characters
(``search: milk!``, ``#R\\&D`` with Todoist's backslash escape), ``*`` as the only wildcard
(``@[m]y*`` is not a character class, ``@m?y`` has no one-character wildcard), whitespace
inside keywords, dates in words (month names either way round, weekday names), ``overdue``
with times of day, ``no time``, ``assigned to:``/``assigned by:``/``assigned``/``shared``,
``created before:``/``after:``, sections and sub-tasks; and, by property, that any project or
label name, escaped, selects exactly its tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from todoist_api_python.api import TodoistAPI

from adapters.todoist import emu_filter
from adapters.todoist.client import RewriteTransport
from adapters.todoist.emu_filter import FilterError
from adapters.todoist.sandbox import TodoistSandbox

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)  # a Thursday


@pytest.fixture(scope="module")
def api() -> Iterator[TodoistAPI]:
    sb = TodoistSandbox(users=0)
    emu = sb.emu
    emu.clock_offset = NOW - dt.datetime.now(dt.UTC)
    home, rd, team = emu.add_project("Home"), emu.add_project("R&D"), sb.project
    ana = emu.add_user("ana@example.com", "Ana Lima")
    doing = emu.add_section(home, "Doing")
    milk = emu.add_item(home, "Buy milk!", labels=["my label"], priority=4, section_id=doing,
                        due={"date": "2026-12-03"})
    emu.add_item(home, "Early call", due={"date": "2026-12-03T09:00:00"})
    emu.add_item(home, "Late call", due={"date": "2026-12-03T18:00:00Z", "timezone": "UTC"})
    emu.add_item(rd, "Research", labels=["m?y"], due={"date": "2026-12-04"})
    emu.add_item(home, "Old", due={"date": "2026-12-02"})
    emu.add_item(home, "Weekly", due={"date": "2026-12-07", "string": "every monday"})
    emu.add_item(home, "New year", due={"date": "2027-01-01"})
    emu.add_item(team, "Mine", responsible_uid="u1")
    emu.add_item(team, "Ana's", responsible_uid=ana)
    emu.add_item(home, "Sub", parent_id=milk)  # in its parent's section, as in Todoist
    http = httpx.Client(transport=RewriteTransport(emu.base_url),
                        headers={"Authorization": f"Bearer {emu.token}"})
    yield TodoistAPI(emu.token, client=http)
    http.close()
    sb.stop()


def titles(api: TodoistAPI, query: str) -> list[str]:
    return sorted(t.content for page in api.filter_tasks(query=query) for t in page)


ALL = ["Ana's", "Buy milk!", "Early call", "Late call", "Mine", "New year", "Old", "Research",
       "Sub", "Weekly"]


@pytest.mark.parametrize(("query", "expected"), [
    ("search: milk!", ["Buy milk!"]),
    (r"search: milk\!", ["Buy milk!"]),
    (r"#R\&D", ["Research"]),
    (r"#R\&D | #Nonexistent", ["Research"]),
    ("@m?y", ["Research"]),
    ("@[m]y*", []),
    ("@my*", ["Buy milk!"]),
    ("@M?Y", ["Research"]),
    ("no  date", ["Ana's", "Mine", "Sub"]),
    ("due before: Dec 3", ["Old"]),
    ("due before: 3 Dec", ["Old"]),
    ("due before:   December 3", ["Old"]),
    ("due  before: 2026-12-03", ["Old"]),
    ("due after: Dec 31", ["New year"]),
    ("due: tomorrow", ["Research"]),
    ("Jan 1", ["New year"]),
    ("1 January 2027", ["New year"]),
    ("monday", ["Weekly"]),
    ("today", ["Buy milk!", "Early call", "Late call"]),
    ("tomorrow", ["Research"]),
    ("yesterday", ["Old"]),
    ("overdue", ["Early call", "Old"]),
    ("today & !overdue", ["Buy milk!", "Late call"]),
    ("no time", ["Buy milk!", "New year", "Old", "Research", "Weekly"]),
    ("recurring", ["Weekly"]),
    ("next 7 days", ["Buy milk!", "Early call", "Late call", "Research", "Weekly"]),
    ("assigned to: me", ["Mine"]),
    ("assigned to: others", ["Ana's"]),
    ("assigned to: Ana", ["Ana's"]),
    ("assigned to: ana lima", ["Ana's"]),
    ("assigned to: ana@example.com", ["Ana's"]),
    ("assigned to: nobody known", []),
    ("assigned by: me", ["Ana's", "Mine"]),
    ("assigned", ["Ana's", "Mine"]),
    ("!assigned & no date", ["Sub"]),
    ("shared", ["Ana's", "Mine"]),
    ("created: today", ALL),
    ("created before: tomorrow", ALL),
    ("created after: today", []),
    ("p1", ["Buy milk!"]),
    ("no priority & #R\\&D", ["Research"]),
    ("subtask", ["Sub"]),
    ("/Doing", ["Buy milk!", "Sub"]),
    ("/Do*", ["Buy milk!", "Sub"]),
    ("!/* & #Home & !no date & !overdue & !today", ["New year", "Weekly"]),
    ("#Nonexistent", []),
    ("(today | overdue), recurring", ["Buy milk!", "Early call", "Late call", "Old", "Weekly"]),
])
def test_terms(api: TodoistAPI, query: str, expected: list[str]) -> None:
    assert titles(api, query) == expected


@pytest.mark.parametrize("query", [
    "#R&D",  # an & is an operator: "#R" & "D", and "D" is no term
    "search: milk, eggs",  # the comma separates queries; "eggs" is no term (escape: \,)
    "search: milk!, eggs",
    "due before: someday", "due before: Feb 30", "assigned to:", "p5", "(today", "today )",
    "!", "today & & overdue",
])
def test_refused(api: TodoistAPI, query: str) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        titles(api, query)
    assert refused.value.response.status_code == 400


# -- properties, on the parser itself ---------------------------------------------------------

SPECIAL = "\\&|!(),*"
names = st.text(alphabet=st.sampled_from("ab Z9-_.:?[]'\"&|!(),*\\@/é"), min_size=1,
                max_size=12).filter(lambda n: " ".join(n.split()) == n and not n.startswith(
                    ("#", "@", "/")))


def escape(name: str) -> str:
    return "".join("\\" + c if c in SPECIAL else c for c in name)


def world(projects: dict[str, str]) -> emu_filter.World:
    return emu_filter.World({pid: {"id": pid, "name": name} for pid, name in projects.items()},
                            {}, NOW)


@given(names, names)
def test_an_escaped_project_name_selects_exactly_its_tasks(mine: str, other: str) -> None:
    w = world({"p1": mine, "p2": other})
    test = emu_filter.parse("#" + escape(mine), w)
    assert test({"project_id": "p1"})
    assert test({"project_id": "p2"}) == (mine.casefold() == other.casefold())


@given(names, st.lists(names, max_size=3))
def test_an_escaped_label_selects_tasks_with_it_and_a_star_its_prefix(
        label: str, others: list[str]) -> None:
    w = world({})
    exact = emu_filter.parse("@" + escape(label), w)
    prefix = emu_filter.parse("@" + escape(label) + "*", w)
    assert exact({"labels": [*others, label]}) and prefix({"labels": [label + "x"]})
    assert exact({"labels": others}) == any(o.casefold() == label.casefold() for o in others)


@given(names)
def test_escaped_text_is_one_term_whatever_it_holds(text: str) -> None:
    assert emu_filter.tokens("search: " + escape(text)) == [
        (False, "search: " + text.replace("*", emu_filter.STAR))]


@given(st.sampled_from(["today", "overdue", "no date", "recurring", "p1", "@my*", "#Home",
                        "subtask", "assigned"]),
       st.sampled_from(["tomorrow", "no labels", "p4", "shared", "no time", "/Doing"]))
def test_de_morgan_holds(a: str, b: str) -> None:
    w = emu_filter.World({"h": {"id": "h", "name": "Home", "is_shared": True}},
                         {"s": {"id": "s", "name": "Doing"}}, NOW)
    tasks = [{"project_id": "h", "labels": ["my x"], "priority": 4, "parent_id": "t",
              "section_id": "s", "responsible_uid": "u1",
              "due": {"date": "2026-12-03T09:00:00", "is_recurring": True}},
             {"project_id": "x", "labels": [], "priority": 1, "parent_id": None,
              "section_id": None, "responsible_uid": None, "due": None},
             {"project_id": "h", "labels": [], "priority": 1, "parent_id": None,
              "section_id": None, "responsible_uid": None,
              "due": {"date": "2026-12-04", "is_recurring": False}}]
    left = emu_filter.parse(f"!({a} | {b})", w)
    right = emu_filter.parse(f"!{a} & !{b}", w)
    assert [left(t) for t in tasks] == [right(t) for t in tasks]


def test_an_unknown_term_is_a_filter_error_not_an_empty_answer() -> None:
    with pytest.raises(FilterError):
        emu_filter.parse("frobnicate", world({}))
