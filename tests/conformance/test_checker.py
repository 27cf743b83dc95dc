"""The conformance check itself: it catches what each service's description forbids, lets
through what the service does, and every documented deviation says why."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.conformance import check, gcal, jira, notion, todoist
from tests.support.conformance.exchange import Exchange

AUTH = {"authorization": "Basic eDp5", "content-type": "application/json"}
JSON = {"Content-Type": "application/json"}


def exchange(service: str, method: str, path: str, body: Any = None, status: int = 200,
             answer: Any = None, query: dict[str, list[str]] | None = None) -> Exchange:
    return Exchange(service, method, path, query or {}, AUTH,
                    b"" if body is None else json.dumps(body).encode(), status, JSON,
                    b"" if answer is None else json.dumps(answer).encode())


ISSUE = {"id": "10001", "key": "OPS-1", "self": "http://x/rest/api/3/issue/10001",
         "fields": {"summary": "x"}}


def messages(found: list[Any]) -> list[str]:
    return [v.message for v in found]


def test_jira_an_answer_against_the_spec_is_caught() -> None:
    assert jira.validate(exchange("jira", "GET", "/rest/api/3/issue/OPS-1", answer=ISSUE)) == []
    wrong = jira.validate(exchange("jira", "GET", "/rest/api/3/issue/OPS-1",
                                   answer=ISSUE | {"id": 10001, "colour": "red"}))
    assert any("id: type 'string'" in m for m in messages(wrong)), wrong
    assert any("'colour' was unexpected" in m for m in messages(wrong)), wrong
    assert {v.operation for v in wrong} == {"GET /rest/api/3/issue/{issueIdOrKey}"}


def test_jira_an_invalid_request_is_the_emulators_fault_only_when_accepted() -> None:
    bad = {"jql": "project = OPS", "maxResults": "many"}
    refused = exchange("jira", "POST", "/rest/api/3/search/jql", bad, 400,
                       {"errorMessages": ["bad"], "errors": {}})
    assert jira.validate(refused) == []
    accepted = exchange("jira", "POST", "/rest/api/3/search/jql", bad, 200,
                        {"issues": [], "isLast": True})
    assert messages(jira.validate(accepted)) == [
        "accepted an invalid request: maxResults: type 'integer'"]


def test_jira_405_on_a_known_path_and_latest_as_3() -> None:
    assert jira.validate(exchange("jira", "DELETE", "/rest/api/3/myself", status=405,
                                  answer={"errorMessages": ["no"], "errors": {}})) == []
    assert jira.operation("GET", "/rest/api/latest/issue/OPS-1") == \
        "GET /rest/api/3/issue/{issueIdOrKey}"
    assert messages(jira.validate(exchange("jira", "GET", "/rest/api/3/nothing/here"))) == [
        "undescribed: no such path in the spec"]


EVENT = {"kind": "calendar#event", "id": "e1", "status": "confirmed",
         "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}}
EVENTS = "/calendar/v3/calendars/primary/events"


def test_gcal_closed_schemas_params_and_error_model() -> None:
    assert gcal.validate(exchange("gcal", "GET", f"{EVENTS}/e1", answer=EVENT)) == []
    extra = gcal.validate(exchange("gcal", "GET", f"{EVENTS}/e1", answer=EVENT | {"x": 1}))
    assert messages(extra) == ["response 200: (body): Additional properties are not allowed "
                               "('x' was unexpected)"]
    naive = EVENT | {"start": {"dateTime": "2026-12-01T10:00:00"}}
    assert messages(gcal.validate(exchange("gcal", "GET", f"{EVENTS}/e1", answer=naive))) == [
        "response 200: start/dateTime: format date-time"]
    listed = exchange("gcal", "GET", EVENTS, query={"orderBy": ["sideways"]},
                      answer={"kind": "calendar#events", "items": []})
    assert messages(gcal.validate(listed)) == [
        "accepted an invalid request: ?orderBy: not one of its enum"]
    error = exchange("gcal", "GET", EVENTS, query={"orderBy": ["sideways"]}, status=400,
                     answer={"error": {"code": 400, "message": "Invalid value"}})
    assert gcal.validate(error) == []
    bare = exchange("gcal", "GET", EVENTS, status=404, answer={"message": "nope"})
    assert "response 404: (body): 'error' is a required property" in messages(
        gcal.validate(bare))


def test_gcal_patch_nulls_clear_fields_and_a_batch_is_checked_part_by_part() -> None:
    patched = exchange("gcal", "PATCH", f"{EVENTS}/e1", {"description": None}, 200, EVENT)
    assert gcal.validate(patched) == []
    body = ("--b\r\nContent-Type: application/http\r\nContent-ID: <1>\r\n\r\n"
            f"GET {EVENTS}/e1 HTTP/1.1\r\n\r\n\r\n--b--\r\n").encode()
    answer = ("--r\r\nContent-Type: application/http\r\nContent-ID: <response-1>\r\n\r\n"
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
              + json.dumps(EVENT | {"bogus": True}) + "\r\n--r--\r\n").encode()
    batch = Exchange("gcal", "POST", "/batch/calendar/v3", {},
                     {"content-type": "multipart/mixed; boundary=b"}, body, 200,
                     {"Content-Type": "multipart/mixed; boundary=r"}, answer)
    found = gcal.validate(batch)
    assert [(v.operation, v.message) for v in found] == [
        ("GET /calendar/v3/calendars/{calendarId}/events/{eventId}",
         "response 200: (body): Additional properties are not allowed ('bogus' was "
         "unexpected)")]


def test_notion_shapes_from_the_recordings() -> None:
    shapes = json.loads(notion.SHAPES.read_text())
    assert "79 cassettes" in shapes["source"] and shapes["kinds"]["page"]["samples"] >= 60
    blank = {"string": "x", "boolean": False, "object": {}, "array": [], "number": 0,
             "null": None}
    kind = shapes["kinds"]["page"]
    page = {k: blank[kind["types"][k][0]] for k in kind["required"]} | {
        "object": "page", "properties": {}, "request_id": "r"}
    assert notion.validate(exchange("notion", "GET", "/v1/pages/abc", answer=page)) == []
    nulls = notion.validate(exchange("notion", "GET", "/v1/pages/abc",
                                     answer=page | {"created_time": None}))
    assert messages(nulls) == ["response 200: (body) (page): created_time is null, "
                               "recorded string"]
    del page["in_trash"], page["request_id"]
    found = messages(notion.validate(exchange("notion", "GET", "/v1/pages/abc", answer=page)))
    assert "response 200: (body) (page): lacks ['in_trash']" in found
    assert any("lacks request_id" in m for m in found)


def test_todoist_shapes_from_the_sdk_examples() -> None:
    task: dict[str, Any] = {
        k: None for k in json.loads(todoist.SHAPES.read_text())["kinds"]["task"]["required"]}
    task |= {"id": "t1", "content": "x", "labels": [], "checked": False}
    ok = exchange("todoist", "GET", "/api/v1/tasks", answer={"results": [task],
                                                             "next_cursor": None})
    assert todoist.validate(ok) == []
    old = {k: v for k, v in task.items() if k != "is_collapsed"} | {"collapsed": False}
    found = messages(todoist.validate(exchange("todoist", "GET", "/api/v1/tasks/t1",
                                               answer=old)))
    assert found == ["response 200: (body) (task): has unrecorded ['collapsed']",
                     "response 200: (body) (task): lacks ['is_collapsed']"]
    sync = {"sync_token": "s1", "full_sync": True, "items": [task | {"is_deleted": False}]}
    assert todoist.validate(exchange("todoist", "POST", "/api/v1/sync", answer=sync)) == []
    sync["items"] = [old]
    assert messages(todoist.validate(exchange("todoist", "POST", "/api/v1/sync",
                                              answer=sync))) == [
        "response 200: /items/* (task): has unrecorded ['collapsed']",
        "response 200: /items/* (task): lacks ['is_collapsed']"]


def test_every_documented_deviation_says_why_and_names_real_operations() -> None:
    listed = check.deviations()
    assert {d.service for d in listed} <= set(check.validators())
    for d in listed:
        assert len(d.reason) > 40, d
        re.compile(d.message)
        if d.service == "jira" and "agile" not in d.operation and d.operation != "*":
            method, _, path = d.operation.partition(" ")
            assert path.endswith("*") or jira.operation(method, path) == d.operation, d


@pytest.mark.nonconforming("runs, in this process, a test that plants a departure on purpose")
def test_an_undocumented_departure_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_planted='''
import httpx
from adapters.jira.emulator import JiraEmulator

def test_planted():
    with JiraEmulator() as emu:
        emu.add_project("OPS")
        issue = emu.create({"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                            "summary": "x"})
        issue["id"] = 5  # the spec says a string
        httpx.get(f"{emu.base_url}/rest/api/3/issue/OPS-1",
                  auth=(emu.email, emu.token))
''')
    result = pytester.runpytest_inprocess("-p", "tests.support.conformance.plugin", "-n0",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*jira GET /rest/api/3/issue/{issueIdOrKey}: response 200:"
                                 " id: type 'string'*"])


def test_jira_times_in_jiras_own_form_pass_and_others_fail() -> None:
    stamp = "2026-12-03T10:00:00.000+0000"
    comment = {"self": "http://x/rest/api/3/issue/1/comment/1", "id": "1", "created": stamp,
               "updated": stamp}
    path = "/rest/api/3/issue/OPS-1/comment/1"
    assert jira.validate(exchange("jira", "GET", path, answer=comment)) == []
    wrong = jira.validate(exchange("jira", "GET", path, answer=comment | {"created": "soon"}))
    assert messages(wrong) == ["response 200: created: format 'date-time'"]


def test_jira_a_refusal_is_checked_too() -> None:
    bad = {"jql": "project = OPS", "maxResults": "many"}
    html = Exchange("jira", "POST", "/rest/api/3/search/jql", {}, AUTH,
                    json.dumps(bad).encode(), 400, {"Content-Type": "text/html"},
                    b"<html>oops</html>")
    assert messages(jira.validate(html)) == [
        "response 400: a body that is not JSON (text/html)"]
    created = exchange("jira", "POST", "/rest/api/3/issue", {"fields": {"summary": "x"}},
                       201)  # the answer to a create says what was created
    assert any("MissingData" in m for m in messages(jira.validate(created)))
    assert check.violations([created]) != []  # no deviation covers it
