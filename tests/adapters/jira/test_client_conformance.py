"""The official `jira` client's everyday calls against the Jira emulator, over real sockets,
as another tool (bugwarrior, a script) makes them: create by project key, search, transition,
comments (v3 Atlassian documents; v2 strings, as bugwarrior reads them), edit verbs, the
user behind every ``self`` link, ``/rest/api/latest``; and Jira's answers where it refuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jira import JIRA, JIRAError

from adapters.jira.sandbox import JiraSandbox

ADF = {"type": "doc", "version": 1, "content": [
    {"type": "paragraph", "content": [{"type": "text", "text": "Looks good"}]}]}


@pytest.fixture
def site() -> Iterator[tuple[JiraSandbox, JIRA]]:
    sb = JiraSandbox()
    # as a script makes it: the client asks /serverInfo and takes the Cloud code paths
    client = JIRA(server=sb.emu.base_url, basic_auth=(sb.emu.email, sb.emu.token),
                  options={"rest_api_version": "3"}, max_retries=0)
    try:
        yield sb, client
    finally:
        client.close()
        sb.emu.stop()


def test_create_by_project_key_search_and_transition(site: tuple[JiraSandbox, JIRA]) -> None:
    _, jira = site
    issue = jira.create_issue(project="OPS", summary="Ship it", issuetype={"name": "Task"})
    assert issue.key == "OPS-1"
    found = jira.enhanced_search_issues("project = OPS AND summary ~ ship", fields="summary")
    assert [i.key for i in found] == ["OPS-1"]
    names = {t["name"]: t["id"] for t in jira.transitions(issue)}
    jira.transition_issue(issue, names["Start"])
    fresh = jira.issue("OPS-1")
    assert fresh.fields.status.name == "In Progress"
    assert fresh.fields.status.statusCategory.key == "indeterminate"
    assert not hasattr(fresh.fields, "parent")  # Jira leaves it out for a top-level issue


def test_comments_in_v3_and_v2(site: tuple[JiraSandbox, JIRA]) -> None:
    sb, jira = site
    issue = jira.create_issue(project="OPS", summary="Review", issuetype={"name": "Task"})
    comment = jira.add_comment(issue, ADF)  # type: ignore[arg-type]  (v3 takes a document)
    assert comment.raw["body"] == ADF and comment.author.accountId == sb.emu.me
    with pytest.raises(JIRAError) as refused:
        jira.add_comment(issue, "plain text")  # v3 refuses a string, as Jira Cloud does
    assert refused.value.status_code == 400
    assert [c.id for c in jira.comments(issue)] == [comment.id]
    # bugwarrior reads comments through API v2
    v2 = requests.get(f"{sb.emu.base_url}/rest/api/2/issue/{issue.key}/comment",
                      auth=(sb.emu.email, sb.emu.token), timeout=10).json()
    assert v2["total"] == 1 and v2["comments"][0]["id"] == comment.id
    posted = requests.post(f"{sb.emu.base_url}/rest/api/2/issue/{issue.key}/comment",
                           json={"body": "from v2"}, auth=(sb.emu.email, sb.emu.token),
                           timeout=10)
    assert posted.status_code == 201
    comment.update(body={**ADF, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Edited"}]}]})
    assert "Edited" in str(jira.comment(issue, comment.id).raw["body"])
    comment.delete()
    assert len(jira.comments(issue)) == 1


def test_edit_verbs_add_and_remove_labels(site: tuple[JiraSandbox, JIRA]) -> None:
    _, jira = site
    issue = jira.create_issue(project="OPS", summary="Tag me", issuetype={"name": "Task"},
                              labels=["a"])
    issue.update(update={"labels": [{"add": "b"}, {"remove": "a"}]})
    assert jira.issue(issue.key).fields.labels == ["b"]
    issue.update(update={"summary": [{"set": "Renamed"}]})
    assert jira.issue(issue.key).fields.summary == "Renamed"
    with pytest.raises(JIRAError) as refused:
        issue.update(update={"labels": [{"frobnicate": "x"}]})
    assert refused.value.status_code == 400


def test_user_links_latest_alias_and_unsupported_methods(
        site: tuple[JiraSandbox, JIRA]) -> None:
    sb, jira = site
    me = jira.myself()
    user = requests.get(me["self"], auth=(sb.emu.email, sb.emu.token), timeout=10)
    assert user.status_code == 200 and user.json()["accountId"] == me["accountId"]
    missing = requests.get(f"{sb.emu.base_url}/rest/api/3/user?accountId=nobody",
                           auth=(sb.emu.email, sb.emu.token), timeout=10)
    assert missing.status_code == 404 and missing.json()["errorMessages"]
    latest = requests.get(f"{sb.emu.base_url}/rest/api/latest/myself",
                          auth=(sb.emu.email, sb.emu.token), timeout=10)
    assert latest.status_code == 200 and latest.json()["accountId"] == me["accountId"]
    wrong = requests.delete(f"{sb.emu.base_url}/rest/api/3/myself",
                            auth=(sb.emu.email, sb.emu.token), timeout=10)
    assert wrong.status_code == 405 and wrong.json()["errorMessages"]


@pytest.mark.parametrize(("header", "trusted"), [
    ("Wed, 02 Dec 2026 18:38:35 GMT", True),
    # a proxy's second Date header: requests joins them; the e-mail parser alone would read
    # a date without a zone, which Python then takes as local time
    ("Wed, 02 Dec 2026 18:38:35 GMT, Wed, 02 Dec 2026 18:38:35 GMT", True),
    ("Wed, 02 Dec 2026 18:38:35 GMT, Wed, 02 Dec 2026 18:40:00 GMT", False),  # disagree
    ("Thu, 01 Jan 1970 00:00:00 GMT", False),  # a clock this far off is not believed
    ("Wed, 02 Dec 2099 18:38:35 GMT", False),
    ("garbage", False),
])
def test_a_duplicated_or_odd_date_header_is_not_trusted(header: str, trusted: bool) -> None:
    import datetime as dt

    from adapters.jira.client import server_clock

    local = dt.datetime(2026, 12, 2, 18, 30, tzinfo=dt.UTC)
    clock = server_clock(header, local)
    if trusted:
        assert clock == dt.datetime(2026, 12, 2, 18, 38, 35, tzinfo=dt.UTC)
    else:
        assert clock is None


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_the_search_window_is_right_when_the_date_header_is_doubled(
        monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    """Behind a proxy that doubles the Date header, on a machine east or west of UTC: a
    quiet round lists nothing again (east, the window fell hours behind and every round
    re-listed everything) and an edit made later is found (west, it jumped hours ahead)."""
    import time

    from adapters.jira.emulator import JiraEmulator
    from tests.adapters.jira.conftest import build

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    sb = JiraSandbox()
    try:
        original = JiraEmulator.handle

        def doubled(self: JiraEmulator, req: Any) -> Any:
            resp = original(self, req)
            stamp = self.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
            resp.headers["Date"] = f"{stamp}, {stamp}"
            return resp

        monkeypatch.setattr(JiraEmulator, "handle", doubled)
        for n in range(3):
            sb.emu.create({"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                           "summary": f"Issue {n}"})
        adapter = build(sb)
        first = adapter.changes(None)
        assert len(first.items) == 3
        sb.emu.clock_offset = dt.timedelta(minutes=10)  # time passes, nothing changes
        quiet = adapter.changes(first.cursor)
        assert not quiet.items
        sb.emu.clock_offset = dt.timedelta(minutes=20)
        sb.emu.edit("OPS-2", summary="Edited later")
        later = adapter.changes(quiet.cursor)
        assert [i.item.title for i in later.items] == ["Edited later"]
    finally:
        sb.emu.stop()
        monkeypatch.undo()
        time.tzset()


def test_a_whole_issue_has_jiras_system_fields(site: tuple[JiraSandbox, JIRA]) -> None:
    """What a client reading whole issues finds (bugwarrior reads comments from the issue):
    the system fields and nested keys Jira Cloud answers with, sub-tasks listed on the
    parent, comments on the issue."""
    sb, jira = site
    parent = jira.create_issue(project="OPS", summary="Parent", issuetype={"name": "Task"})
    child = jira.create_issue(project="OPS", summary="Child", issuetype={"name": "Sub-task"},
                              parent={"key": parent.key})
    jira.add_comment(parent, ADF)  # type: ignore[arg-type]
    raw = requests.get(f"{sb.emu.base_url}/rest/api/3/issue/{parent.key}",
                       auth=(sb.emu.email, sb.emu.token), timeout=10).json()["fields"]
    for key in ("reporter", "creator", "resolution", "resolutiondate", "comment", "subtasks",
                "issuelinks", "watches", "votes", "worklog", "timetracking", "fixVersions",
                "components", "attachment", "statuscategorychangedate"):
        assert key in raw, key
    assert [s["key"] for s in raw["subtasks"]] == [child.key]
    assert raw["comment"]["total"] == 1 and raw["comment"]["comments"][0]["body"] == ADF
    assert raw["creator"]["accountId"] == sb.emu.me and "self" in raw["creator"]
    assert {"id", "self", "iconUrl", "name"} <= set(raw["priority"])
    assert {"id", "self", "statusCategory"} <= set(raw["status"])
    assert raw["project"]["projectTypeKey"] == "software"
    assert {"self", "iconUrl", "subtask", "hierarchyLevel"} <= set(raw["issuetype"])
    assert "parent" not in raw
    assert jira.issue(child.key).fields.parent.key == parent.key


def test_watchers_worklogs_remote_links_editmeta_links_and_count(
        site: tuple[JiraSandbox, JIRA]) -> None:
    """The rest of a whole issue a tool may touch, through the jira client's own calls."""
    sb, jira = site
    a = jira.create_issue(project="OPS", summary="Blocker", issuetype={"name": "Task"})
    b = jira.create_issue(project="OPS", summary="Blocked", issuetype={"name": "Task"})
    jira.add_watcher(a, sb.emu.me)
    watchers = jira.watchers(a)
    assert watchers.watchCount == 1 and watchers.isWatching
    jira.add_worklog(a, timeSpent="1h 30m")
    assert [w.timeSpentSeconds for w in jira.worklogs(a)] == [5400]
    jira.add_simple_link(a, {"url": "https://example.com/spec", "title": "Spec"})
    assert [r.object.title for r in jira.remote_links(a)] == ["Spec"]
    meta = jira.editmeta(a)
    assert "labels" in meta["fields"] and "add" in meta["fields"]["labels"]["operations"]
    jira.create_issue_link("Blocks", a.key, b.key)
    links = jira.issue(a.key).fields.issuelinks
    assert [link.outwardIssue.key for link in links] == [b.key]
    assert [link.inwardIssue.key for link in jira.issue(b.key).fields.issuelinks] == [a.key]
    count = requests.post(f"{sb.emu.base_url}/rest/api/3/search/approximate-count",
                          json={"jql": "project = OPS"}, auth=(sb.emu.email, sb.emu.token),
                          timeout=10).json()
    assert count == {"count": 2}
    with pytest.raises(JIRAError) as unknown:
        jira.create_issue_link("Nope", a.key, b.key)
    assert unknown.value.status_code == 404


def test_bulk_create_answers_each_issue_on_its_own(site: tuple[JiraSandbox, JIRA]) -> None:
    """``create_issues``: the refused ones in ``errors`` by their place in the request
    (``failedElementNumber``), the others created; the project and type by name, as the
    client looks them up."""
    sb, jira = site
    results = jira.create_issues([
        {"project": "OPS", "summary": "One", "issuetype": {"name": "Task"}},
        {"project": "OPS", "summary": "Bad", "issuetype": {"name": "Task"},
         "priority": {"name": "Bogus"}},
        {"project": "OPS", "summary": "Three", "issuetype": "Task", "labels": ["x"]}])
    assert [r["status"] for r in results] == ["Success", "Error", "Success"]
    assert "priority" in results[1]["error"]
    assert [r["issue"].key for r in results if r["issue"]] == ["OPS-1", "OPS-2"]
    assert jira.issue("OPS-2").fields.labels == ["x"]
    raw = requests.post(f"{sb.emu.base_url}/rest/api/3/issue/bulk", auth=(
        sb.emu.email, sb.emu.token), timeout=10, json={"issueUpdates": [
            {"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}}}]})
    assert raw.status_code == 400  # none created: Jira's 400, the errors in the same shape
    (error,) = raw.json()["errors"]
    assert error["failedElementNumber"] == 0 and "summary" in error["elementErrors"]["errors"]
    assert raw.json()["issues"] == [] and len(sb.emu.issues) == 2


def test_resolutions_set_by_a_transition_and_searched(site: tuple[JiraSandbox, JIRA]) -> None:
    _, jira = site
    assert [r.name for r in jira.resolutions()] == ["Done", "Won't Do", "Duplicate",
                                                    "Cannot Reproduce"]
    assert jira.resolution("10001").name == "Won't Do"
    kept, dropped, open_ = (jira.create_issue(project="OPS", summary=s,
                                              issuetype={"name": "Task"})
                            for s in ("Kept", "Dropped", "Open"))
    ids = {t["name"]: t["id"] for t in jira.transitions(kept)}
    jira.transition_issue(kept, ids["Done"])  # Done unless the transition says otherwise
    jira.transition_issue(dropped, ids["Done"], fields={"resolution": {"name": "Won't Do"}})
    with pytest.raises(JIRAError) as refused:  # not on a transition that resolves nothing
        jira.transition_issue(open_, ids["Start"], fields={"resolution": {"name": "Done"}})
    assert refused.value.status_code == 400
    assert jira.issue(kept.key).fields.resolution.name == "Done"
    fresh = jira.issue(dropped.key)
    assert fresh.fields.resolution.name == "Won't Do" and fresh.fields.resolutiondate

    def keys(jql: str) -> list[str]:
        return [i.key for i in jira.enhanced_search_issues(f"project = OPS AND {jql}",
                                                            fields="resolution")]

    assert keys("resolution = Done") == [kept.key]
    assert keys('resolution = "Won\'t Do"') == [dropped.key]
    assert keys("resolution is EMPTY") == [open_.key]
    assert keys("resolution = Unresolved") == [open_.key]
    reopen = {t["name"]: t["id"] for t in jira.transitions(kept)}["Reopen"]
    jira.transition_issue(kept, reopen)
    assert jira.issue(kept.key).fields.resolution is None


def test_priorities_statuses_and_categories(site: tuple[JiraSandbox, JIRA]) -> None:
    from jira.resources import Priority

    sb, jira = site
    names = ["Highest", "High", "Medium", "Low", "Lowest"]
    listed = jira.priorities()
    assert [p.name for p in listed] == names and all(p.iconUrl for p in listed)
    assert jira.priority("3").name == "Medium"
    assert [p.name for p in jira._fetch_pages(Priority, "values", "priority/search",
                                              maxResults=False)] == names
    url: str | None = f"{sb.emu.base_url}/rest/api/3/priority/search?maxResults=2"
    paged = []
    while url:  # page by page, following nextPage
        page = requests.get(url, auth=(sb.emu.email, sb.emu.token), timeout=10).json()
        paged += [p["name"] for p in page["values"]]
        url = None if page["isLast"] else page["nextPage"]
    assert paged == names
    found = requests.get(f"{sb.emu.base_url}/rest/api/3/priority/search", auth=(
        sb.emu.email, sb.emu.token), params={"priorityName": "high"}, timeout=10).json()
    assert [p["name"] for p in found["values"]] == ["Highest", "High"] and found["isLast"]
    statuses = jira.statuses()
    assert [s.name for s in statuses] == ["To Do", "In Progress", "In Review", "Done"]
    assert jira.status(statuses[-1].id).statusCategory.key == "done"
    assert [c.key for c in jira.statuscategories()] == ["undefined", "new", "indeterminate",
                                                        "done"]
    assert jira.statuscategory(4).name == "In Progress"


def test_the_agile_api_sprints_and_their_issues(site: tuple[JiraSandbox, JIRA]) -> None:
    from jira.resources import Issue

    sb, jira = site
    board = sb.emu.add_board("OPS board", "OPS")
    flow = sb.emu.add_board("OPS flow", "OPS", kind="kanban")
    done = sb.emu.add_sprint("Sprint 0", "closed", goal="Ship 1.0")
    now = sb.emu.add_sprint("Sprint 1")
    later = sb.emu.add_sprint("Sprint 2", "future")
    assert [s.name for s in jira.sprints(board)] == ["Sprint 0", "Sprint 1", "Sprint 2"]
    assert [s.id for s in jira.sprints(board, state="active,future")] == [now, later]
    sprint = jira.sprint(done)
    assert (sprint.state, sprint.goal, sprint.originBoardId) == ("closed", "Ship 1.0", board)
    assert sprint.completeDate and not hasattr(jira.sprint(later), "startDate")
    with pytest.raises(JIRAError) as kanban:
        jira.sprints(flow)
    assert kanban.value.status_code == 400
    a, b, c = (jira.create_issue(project="OPS", summary=s, issuetype={"name": "Task"})
               for s in ("Alpha", "Beta", "Gamma"))
    sb.emu.set_sprint(a.key, done)
    jira.add_issues_to_sprint(now, [a.key, b.key])
    held = jira.issue(a.key).raw["fields"]["customfield_10020"]
    assert [s["name"] for s in held] == ["Sprint 0", "Sprint 1"]  # closed ones stay
    assert [i.key for i in jira.enhanced_search_issues("sprint in openSprints()")] == [
        b.key, a.key]
    jira.add_issues_to_sprint(later, [b.key])  # out of the open sprint, into the next
    in_sprint = jira._fetch_pages(Issue, "issues", f"sprint/{now}/issue",
                                  base=jira.AGILE_BASE_URL)
    assert [i.key for i in in_sprint] == [a.key]
    on_board = jira._fetch_pages(Issue, "issues", f"board/{board}/issue", maxResults=2,
                                 params={"jql": "summary ~ Alpha OR summary ~ Gamma"},
                                 base=jira.AGILE_BASE_URL)
    assert [i.key for i in on_board] == [a.key, c.key]
    with pytest.raises(JIRAError) as closed:
        jira.add_issues_to_sprint(done, [c.key])
    assert closed.value.status_code == 400
    with pytest.raises(JIRAError) as missing:  # all or nothing: c is not moved either
        jira.add_issues_to_sprint(now, [c.key, "OPS-99"])
    assert missing.value.status_code == 400
    assert not jira.issue(c.key).raw["fields"].get("customfield_10020")
