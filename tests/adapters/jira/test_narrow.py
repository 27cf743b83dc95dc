"""``synchub init``'s narrowing of a preset's JQL to the chosen project
(:func:`adapters.jira.discovery.narrow`), as properties over generated JQL answered by the
emulator: the narrowed JQL finds only the chosen project's issues, every one of them the
original found, exactly those when the original named no project; it is a scope the config
takes (no ORDER BY) and narrowing it again changes nothing. Examples are in
tests/adapters/test_discovery.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.jira import JiraScope
from adapters.jira.discovery import narrow
from adapters.jira.emulator import JiraEmulator
from tests.support.budget import examples

PROJECTS = ("OPS", "WEB", "APP")


@pytest.fixture(scope="module")
def world() -> Iterator[JiraEmulator]:
    """Three projects, each with issues of every label set, some with "order by" in their
    summary, some assigned to the API user."""
    emu = JiraEmulator().start()
    for key in PROJECTS:
        emu.add_project(key)
        for n, labels in enumerate(([], ["x"], ["y"], ["x", "y"])):
            fields = {"project": {"key": key}, "issuetype": {"name": "Task"},
                      "summary": "order by thing" if n % 2 else "plain", "labels": labels}
            if n >= 2:
                fields["assignee"] = {"accountId": emu.me}
            emu.create(fields)
    yield emu
    emu.stop()


def _word(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word.upper(), word.lower()])


def _values(draw: st.DrawFn) -> str:
    return ", ".join(draw(st.lists(st.sampled_from(PROJECTS), min_size=1, max_size=3)))


@st.composite
def clauses(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["project", "project", "labels", "summary", "assignee"]))
    if kind == "project":
        op = draw(st.sampled_from(["=", "!=", "in", "not in"]))
        if op in ("=", "!="):
            return f"project {op} {draw(st.sampled_from(PROJECTS))}"
        return f"project {op} ({_values(draw)})"
    return draw(st.sampled_from({
        "labels": ["labels = x", "labels in (x, y)", "labels is EMPTY", "labels != y"],
        "summary": ['summary ~ "order by"', "summary ~ plain"],
        "assignee": ["assignee = currentUser()", "assignee is EMPTY"]}[kind]))


def jqls() -> st.SearchStrategy[str]:
    def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        @st.composite
        def joined(draw: st.DrawFn) -> str:
            joint = draw(st.sampled_from(["and", "or", "&&", "||"]))
            word = draw(_word(joint)) if joint.isalpha() else joint
            a, b = draw(children), draw(children)
            return f"{a} {word} {b}"

        return st.one_of(joined(), children.map(lambda c: f"({c})"),
                         children.map(lambda c: f"NOT ({c})"))

    return st.recursive(clauses(), combine, max_leaves=5)


def keys(emu: JiraEmulator, jql: str) -> set[str]:
    return {i["key"] for i in emu._search(jql)}


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(jql=jqls(), order=st.sampled_from(["", " ORDER BY created DESC", " order by key"]))
def test_the_narrowed_jql_finds_exactly_the_chosen_projects_share(
        world: JiraEmulator, jql: str, order: str) -> None:
    narrowed = narrow(jql + order, "OPS")
    JiraScope.model_validate({"jql": narrowed})  # a scope the config takes: no ORDER BY
    found = keys(world, narrowed)  # and JQL the emulator (and Jira) reads
    assert all(k.startswith("OPS-") for k in found), narrowed
    chosen = {k for k in keys(world, jql) if k.startswith("OPS-")}
    assert chosen <= found, narrowed  # nothing the preset meant in the project is lost
    if "project" not in jql:
        assert found == chosen, narrowed
    assert narrow(narrowed, "OPS") == narrowed


@settings(max_examples=examples(100), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(projects=st.lists(st.sampled_from(PROJECTS), min_size=1, max_size=3),
       rest=st.lists(st.sampled_from(["labels = x", "assignee is EMPTY", 'summary ~ "order by"']),
                     max_size=2))
def test_a_preset_naming_other_projects_keeps_its_other_terms(
        world: JiraEmulator, projects: list[str], rest: list[str]) -> None:
    """``project in (WEB, APP) AND labels = x`` is the chosen project's issues with label x."""
    named = (f"project = {projects[0]}" if len(projects) == 1
             else f"project in ({', '.join(projects)})")
    narrowed = narrow(" AND ".join([*rest, named]), "OPS")
    expected = keys(world, " AND ".join(["project = OPS", *rest]))
    assert keys(world, narrowed) == expected, narrowed
