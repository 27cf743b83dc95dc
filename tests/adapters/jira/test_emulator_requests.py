"""The Jira emulator's handling of requests as Jira handles them: a refused write changes
nothing (Jira is all or nothing per request), malformed input is Jira's 400 with its error
body (never a 500), the "user in Jira's UI" helpers are safe against concurrent requests,
API v2 answers text as strings, list query parameters are read whole, and an issue's
watches and time tracking follow what was stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jira import JIRA, JIRAError

from adapters.jira.sandbox import JiraSandbox

ADF = {"type": "doc", "version": 1, "content": [
    {"type": "paragraph", "content": [{"type": "text", "text": "Hello "},
                                      {"type": "text", "text": "world",
                                       "marks": [{"type": "strong"}]}]},
    {"type": "bulletList", "content": [
        {"type": "listItem", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "one"}]}]}]}]}
TASK = {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}}


@pytest.fixture
def site() -> Iterator[tuple[JiraSandbox, JIRA]]:
    sb = JiraSandbox(users=2)
    client = JIRA(server=sb.emu.base_url, basic_auth=(sb.emu.email, sb.emu.token),
                  options={"rest_api_version": "3"}, max_retries=0)
    try:
        yield sb, client
    finally:
        client.close()
        sb.emu.stop()


@pytest.fixture
def http(site: tuple[JiraSandbox, JIRA]) -> Iterator[httpx.Client]:
    emu = site[0].emu
    with httpx.Client(base_url=f"{emu.base_url}/rest/api/3", auth=(emu.email, emu.token),
                      timeout=10) as client:
        yield client


# -- all or nothing ------------------------------------------------------------------------


def test_a_refused_edit_changes_nothing(site: tuple[JiraSandbox, JIRA]) -> None:
    sb, jira = site
    issue = jira.create_issue(fields={**TASK, "summary": "Kept", "labels": ["a"]})
    before = sb.emu.issues[issue.id]["fields"]["updated"]
    with pytest.raises(JIRAError) as refused:
        issue.update(fields={"summary": "CHANGED", "priority": {"name": "Bogus"}})
    assert refused.value.status_code == 400
    assert "priority" in (refused.value.response.json()["errors"])
    with pytest.raises(JIRAError):  # a bad entity property refuses the fields with it
        issue.update(fields={"summary": "CHANGED"}, update={"labels": [{"add": "b"}]},
                     properties=[{"value": 1}])
    fresh = jira.issue(issue.key, expand="changelog")
    assert fresh.fields.summary == "Kept" and fresh.fields.labels == ["a"]
    assert fresh.changelog.total == 0
    assert sb.emu.issues[issue.id]["fields"]["updated"] == before


def test_every_refused_field_is_named_at_once(http: httpx.Client) -> None:
    key = http.post("/issue", json={"fields": {**TASK, "summary": "x"}}).json()["key"]
    resp = http.put(f"/issue/{key}", json={"fields": {
        "summary": "s" * 300, "duedate": "tomorrow", "status": {"name": "Done"}}})
    assert resp.status_code == 400
    assert set(resp.json()["errors"]) == {"summary", "duedate", "status"}


def test_a_refused_create_keeps_nothing_and_uses_up_no_key(
        site: tuple[JiraSandbox, JIRA]) -> None:
    sb, jira = site
    for bad in ({"priority": {"name": "Bogus"}}, {"duedate": "31/12/2026"},
                {"assignee": {"accountId": "nobody"}}, {"labels": "not-a-list"},
                {"parent": {"key": "OPS-99"}}):
        with pytest.raises(JIRAError) as refused:
            jira.create_issue(fields={**TASK, "summary": "No", **bad})
        assert refused.value.status_code == 400, bad
    assert not sb.emu.issues and not any(sb.emu.properties.values())
    assert jira.create_issue(fields={**TASK, "summary": "Yes"}).key == "OPS-1"


def test_a_refused_transition_does_not_move_the_issue(site: tuple[JiraSandbox, JIRA]) -> None:
    _, jira = site
    issue = jira.create_issue(fields={**TASK, "summary": "Stay"})
    done = next(t["id"] for t in jira.transitions(issue) if t["name"] == "Done")
    with pytest.raises(JIRAError) as refused:
        jira.transition_issue(issue, done, fields={"resolution": {"name": "Bogus"}})
    assert refused.value.status_code == 400
    with pytest.raises(JIRAError):  # a v3 comment must be a document: nothing moves
        jira.transition_issue(issue, done, comment="plain text")
    fresh = jira.issue(issue.key)
    assert fresh.fields.status.name == "To Do" and fresh.fields.resolution is None
    assert not jira.comments(issue)


# -- malformed input -----------------------------------------------------------------------

MALFORMED = [
    ("POST", "/issue", {"content": b"{not json"}),
    ("POST", "/issue", {"json": [TASK]}),
    ("PUT", "/issue/OPS-1", {"json": {"fields": {"duedate": "tomorrow"}}}),
    ("PUT", "/issue/OPS-1", {"json": {"fields": {"priority": "High"}}}),
    ("PUT", "/issue/OPS-1", {"json": {"fields": {"summary": 5}}}),
    ("PUT", "/issue/OPS-1", {"json": {"update": [{"labels": []}]}}),
    ("PUT", "/issue/OPS-1", {"json": {"fields": ["summary"]}}),
    ("POST", "/issue/OPS-1/transitions", {"json": {"transition": "11"}}),
    ("POST", "/issue/OPS-1/transitions", {"content": b""}),
    ("PUT", "/issue/OPS-1/properties/p", {"content": b""}),
    ("PUT", "/issue/OPS-1/properties/p", {"content": b"{oops"}),
    ("GET", "/search/jql", {"params": {"jql": "project = OPS", "maxResults": "ten"}}),
    ("POST", "/search/jql", {"json": {"jql": "project = OPS", "maxResults": "ten"}}),
    ("POST", "/search/jql", {"json": {"jql": "project = OPS", "fields": "summary"}}),
    ("GET", "/issue/OPS-1/comment", {"params": {"startAt": "x"}}),
    ("GET", "/issue/OPS-1/comment", {"params": {"maxResults": "many"}}),
    ("POST", "/issue/OPS-1/comment", {"json": ["body"]}),
    ("POST", "/issue/OPS-1/watchers", {"json": {"accountId": "x"}}),
    ("POST", "/issue/OPS-1/worklog", {"json": {"timeSpentSeconds": "1h"}}),
    ("POST", "/issue/OPS-1/worklog", {"json": {"timeSpent": "soon"}}),
    ("POST", "/issue/OPS-1/worklog", {"json": {}}),
    ("POST", "/issueLink", {"json": {"type": "Blocks", "inwardIssue": {"key": "OPS-1"},
                                     "outwardIssue": {"key": "OPS-1"}}}),
    ("POST", "/issueLink", {"json": {"type": {"name": "Blocks"}, "inwardIssue": "OPS-1",
                                     "outwardIssue": {"key": "OPS-1"}}}),
    ("POST", "/issue/OPS-1/remotelink", {"json": {"object": "https://example.com"}}),
    ("POST", "/search/approximate-count", {"content": b"jql=project"}),
]


@pytest.mark.parametrize(("method", "path", "kw"), MALFORMED,
                         ids=[f"{m} {p} {sorted(k.values())!s:.40}" for m, p, k in MALFORMED])
def test_malformed_input_is_jiras_400_not_a_500(
        http: httpx.Client, method: str, path: str, kw: dict[str, Any]) -> None:
    http.post("/issue", json={"fields": {**TASK, "summary": "target"}})
    headers = {"Content-Type": "application/json"}
    resp = http.request(method, path, headers=headers, **kw)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert set(body) == {"errorMessages", "errors"}
    assert body["errorMessages"] or body["errors"]
    issue = http.get("/issue/OPS-1").json()["fields"]
    assert issue["summary"] == "target" and issue["duedate"] is None


def test_bad_json_says_where_as_jira_does(http: httpx.Client) -> None:
    resp = http.post("/issue", content=b'{"fields": {nope}}',
                     headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["errorMessages"][0].startswith("Unexpected character ('n'")


# -- the UI helpers and concurrent requests -------------------------------------------------


def test_the_ui_helpers_hold_the_lock_against_concurrent_searches(http: httpx.Client,
                                                                   site: tuple[JiraSandbox,
                                                                               JIRA]) -> None:
    """A person creating issues (the sandbox's ``emu.create``) while a client searches: no
    search sees the issues change under it (it was 'dictionary changed size during
    iteration', a 500, for nearly every search)."""
    emu = site[0].emu
    for n in range(2000):  # enough issues that a search can be interrupted
        emu.create({**TASK, "summary": f"r{n}"})
    stop = threading.Event()

    def person() -> None:
        for n in range(30000):
            if stop.is_set():
                return
            emu.create({**TASK, "summary": f"p{n}"})
            if n % 1000 == 0:
                emu.add_user(f"p{n}@example.com")
                emu.add_sprint(f"S{n}")

    writer = threading.Thread(target=person)
    writer.start()
    try:
        codes = [http.post("/search/jql", json={"jql": "project = OPS",
                                                "maxResults": 5000}).status_code
                 for _ in range(20)]
    finally:
        stop.set()
        writer.join()
    assert set(codes) == {200}


# -- API v2's text, list parameters, derived fields -----------------------------------------


def test_api_v2_answers_comment_bodies_and_descriptions_as_strings(
        site: tuple[JiraSandbox, JIRA]) -> None:
    """bugwarrior reads API v2, where a comment's body and the description are strings;
    v3 (and latest) keep documents."""
    sb, jira = site
    issue = jira.create_issue(fields={**TASK, "summary": "Texts", "description": ADF})
    jira.add_comment(issue, ADF)  # type: ignore[arg-type]
    v2 = JIRA(server=sb.emu.base_url, basic_auth=(sb.emu.email, sb.emu.token),
              options={"rest_api_version": "2"}, max_retries=0)
    try:
        written = v2.add_comment(issue.key, "line one\nline two\n\nnext paragraph")
        assert written.body == "line one\nline two\n\nnext paragraph"
        bodies = [c.body for c in v2.comments(issue.key)]
        assert bodies == ["Hello world\n\n* one", "line one\nline two\n\nnext paragraph"]
        fresh = v2.issue(issue.key)
        assert fresh.fields.description == "Hello world\n\n* one"
        assert [c.body for c in fresh.fields.comment.comments] == bodies
        listed = v2.enhanced_search_issues("project = OPS", fields="description,comment")
        assert [i.fields.description for i in listed] == ["Hello world\n\n* one"]
        v2.create_issue(project="OPS", summary="From v2", issuetype={"name": "Task"},
                        description="plain *text*")
        assert v2.issue("OPS-2").fields.description == "plain *text*"
    finally:
        v2.close()
    assert jira.comments(issue)[0].raw["body"] == ADF
    assert jira.issue("OPS-2").raw["fields"]["description"]["type"] == "doc"
    latest = httpx.get(f"{sb.emu.base_url}/rest/api/latest/issue/{issue.key}/comment",
                       auth=(sb.emu.email, sb.emu.token)).json()
    assert latest["comments"][0]["body"] == ADF


def test_search_list_parameters_are_read_repeated_or_comma_separated(
        http: httpx.Client, site: tuple[JiraSandbox, JIRA]) -> None:
    key = http.post("/issue", json={"fields": {**TASK, "summary": "Props", "labels": ["x"]},
                                    "properties": [{"key": "a", "value": 1},
                                                   {"key": "b", "value": {"n": 2}}]}
                    ).json()["key"]
    for query in ([("properties", "a")], [("properties", "a"), ("properties", "b")],
                  [("properties", "a,b")]):
        resp = http.get("/search/jql", params=[("jql", "project = OPS"), *query])
        assert resp.status_code == 200, resp.text
        wanted = {k for _, v in query for k in v.split(",")}
        assert set(resp.json()["issues"][0]["properties"]) == wanted
    repeated = http.get("/search/jql", params=[("jql", "project = OPS"), ("fields", "summary"),
                                               ("fields", "labels,duedate")]).json()
    assert set(repeated["issues"][0]["fields"]) == {"summary", "labels", "duedate"}
    one = http.get(f"/issue/{key}", params=[("fields", "summary"), ("fields", "labels")])
    assert set(one.json()["fields"]) == {"summary", "labels"}


def test_watches_and_time_tracking_follow_what_is_stored(
        site: tuple[JiraSandbox, JIRA]) -> None:
    sb, jira = site
    issue = jira.create_issue(fields={**TASK, "summary": "Watched"})
    child = jira.create_issue(fields={**TASK, "summary": "Part", "issuetype": {
        "name": "Sub-task"}, "parent": {"key": issue.key}})
    fresh = jira.issue(issue.key)
    assert fresh.fields.watches.watchCount == 0 and fresh.fields.timespent is None
    jira.add_watcher(issue, sb.emu.me)
    jira.add_worklog(issue, timeSpent="1h 30m")
    jira.add_worklog(child, timeSpentSeconds="1800")  # a string, as the client types it
    fresh = jira.issue(issue.key)
    assert fresh.fields.watches.watchCount == 1 and fresh.fields.watches.isWatching
    assert fresh.fields.timespent == 5400 and fresh.fields.aggregatetimespent == 7200
    assert fresh.fields.timetracking.timeSpent == "1h 30m"
    assert fresh.fields.worklog.total == 1
    assert fresh.fields.worklog.worklogs[0].timeSpent == "1h 30m"
    searched = jira.enhanced_search_issues(f"key = {issue.key}", fields="watches,timespent")
    assert searched[0].fields.watches.watchCount == 1 and searched[0].fields.timespent == 5400
