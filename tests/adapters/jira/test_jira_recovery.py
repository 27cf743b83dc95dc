"""Jira: the read window after a burst, marker recovery without JQL on the property, the
issue-type hierarchy for sub-tasks, and what the emulator refuses as real Jira does."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from adapters.faults import FaultKind
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import RateLimited, ValidationRejected
from hub.model import Item, ZonedDateTime
from hub.round.calls import RetryPolicy
from hub.round.engine import run_flow
from tests.adapters.jira.conftest import JiraHarness, build
from tests.support.memstore import Crash, MemStore


def _api(harness: JiraHarness) -> tuple[str, tuple[str, str]]:
    return f"{harness.emu.base_url}/rest/api/3", (harness.emu.email, harness.emu.token)


def test_a_quiet_round_after_a_burst_is_one_request_once_jira_has_moved_on(sandbox) -> None:  # type: ignore[no-untyped-def]
    harness = JiraHarness(sandbox)
    a = build(sandbox, reconcile_every=100)
    refs = [harness.user_create(Item(title=f"burst {n}")) for n in range(250)]  # 3 pages
    cur = a.changes(None).cursor
    sandbox.emu.clock_offset += dt.timedelta(minutes=5)  # the next round, an interval later
    # The burst is younger than Jira's index may lag, so the next round lists it once more
    # (and drops it as seen); then the window starts after it: a quiet round is one request.
    again = a.changes(cur)
    assert again.items == ()
    sandbox.emu.reset_counts()
    quieter = a.changes(again.cursor)
    assert quieter.items == () and sandbox.emu.total_requests == 1
    harness.user_edit(refs[7], title="edited after the burst")  # P7: still seen
    assert [r.item.title for r in a.changes(quieter.cursor).items] == ["edited after the burst"]


def test_an_edit_just_after_a_read_is_not_skipped_by_the_moving_window(sandbox) -> None:  # type: ignore[no-untyped-def]
    harness = JiraHarness(sandbox)
    a = build(sandbox, reconcile_every=100)
    ref = harness.user_create(Item(title="x"))
    cur = a.changes(None).cursor
    for n in range(3):  # rounds in quick succession, the issue edited between them
        harness.user_edit(ref, title=f"edit {n}")
        got = a.changes(cur)
        assert [r.item.title for r in got.items] == [f"edit {n}"]
        cur = got.cursor


def test_property_jql_is_refused_unless_an_app_indexes_it(harness: JiraHarness) -> None:
    api, auth = _api(harness)
    query = {"jql": 'issue.property[synchub].origin = "L"'}
    refused = httpx.post(f"{api}/search/jql", auth=auth, json=query)
    assert refused.status_code == 400
    assert "does not exist" in refused.json()["errorMessages"][0]
    harness.emu.indexed_properties.add("synchub")
    assert httpx.post(f"{api}/search/jql", auth=auth, json=query).status_code == 200


def test_marker_found_without_jql_on_the_property(harness: JiraHarness) -> None:
    a = harness.adapter
    created = a.create(Item(title="mine"), origin="L-42", idempotency_key="k")
    harness.user_create(Item(title="someone else's"))
    found = a.find_by_origin("L-42")
    assert found is not None and found.ref == created.ref and found.item.origin == "L-42"
    assert a.find_by_origin("L-unknown") is None
    assert not [b for b in harness.emu.request_bodies if b"issue.property" in b]


def _flow(harness: JiraHarness) -> tuple[MemoryService, dict[str, object], FlowConfig]:
    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "jira": harness.adapter}
    return mem, adapters, FlowConfig(endpoints={n: EndpointConfig(connection=n)
                                                for n in adapters})


def _titles(harness: JiraHarness) -> list[str]:
    return sorted(i["fields"]["summary"] for i in harness.emu.issues.values())


def test_a_create_whose_answer_is_lost_is_relinked_not_duplicated(harness: JiraHarness) -> None:
    mem, adapters, cfg = _flow(harness)
    mem.user_create(Item(title="from mem"))
    harness.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="create")
    store = MemStore()
    retry = RetryPolicy(sleep=lambda s: None)
    run_flow("f", cfg, adapters, store, retry=retry)  # type: ignore[arg-type]
    assert _titles(harness) == ["from mem"]
    assert run_flow("f", cfg, adapters, store, retry=retry).counts["writes"] == 0  # type: ignore[arg-type]
    assert _titles(harness) == ["from mem"]


def test_a_crash_after_the_create_is_healed_by_the_marker(harness: JiraHarness) -> None:
    mem, adapters, cfg = _flow(harness)
    mem.user_create(Item(title="from mem"))
    store = MemStore()
    store.crash_at = 3  # the create's intent and interim state commit, the result does not
    with contextlib.suppress(Crash):
        run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    assert _titles(harness) == ["from mem"] and store.pending_intents("f")
    rep = run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    assert _titles(harness) == ["from mem"] and store.pending_intents("f") == []
    assert any("found by its marker" in n for n in rep.notes)
    assert [i.priority for i in mem.live().values()] == [None]  # Jira's default stays there
    # A lost state file re-links too. (Without a base, Jira's Medium, which it cannot leave
    # out, looks like a choice and may be copied: an update, never a second issue.)
    assert run_flow("f", cfg, adapters, MemStore()).counts["create"] == 0  # type: ignore[arg-type]
    assert _titles(harness) == ["from mem"]


def test_a_child_of_a_standard_issue_is_created_as_a_sub_task(harness: JiraHarness) -> None:
    a = harness.adapter
    story = a.create(Item(title="story"), origin="L1", idempotency_key="k1")
    child = a.create(Item(title="child", parent=story.ref), origin="L2", idempotency_key="k2")
    fields = harness.emu.issues[child.ref]["fields"]
    assert fields["issuetype"]["name"] == "Sub-task" and fields["parent"]["id"] == story.ref
    assert child.item.parent == story.ref
    epic = harness.emu.create({"project": {"key": "OPS"}, "issuetype": {"name": "Epic"},
                               "summary": "epic"})
    under_epic = a.create(Item(title="task", parent=epic["id"]), origin="L3",
                          idempotency_key="k3")
    assert harness.emu.issues[under_epic.ref]["fields"]["issuetype"]["name"] == "Task"


def test_jira_refuses_a_parent_outside_the_hierarchy(harness: JiraHarness) -> None:
    api, auth = _api(harness)
    story = harness.user_create(Item(title="story"))
    bad = httpx.post(f"{api}/issue", auth=auth, json={"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "x",
        "parent": {"id": story}}})
    assert bad.status_code == 400 and "parentId" in bad.json()["errors"]
    orphan = httpx.post(f"{api}/issue", auth=auth, json={"fields": {
        "project": {"key": "OPS"}, "issuetype": {"name": "Sub-task"}, "summary": "x"}})
    assert orphan.status_code == 400 and "parent" in orphan.json()["errors"]


def test_status_cannot_be_set_by_an_edit(harness: JiraHarness) -> None:
    api, auth = _api(harness)
    ref = harness.user_create(Item(title="x"))
    resp = httpx.put(f"{api}/issue/{ref}", auth=auth,
                     json={"fields": {"status": {"name": "Done"}}})
    assert resp.status_code == 400 and "status" in resp.json()["errors"]
    assert harness.emu.issues[ref]["fields"]["status"]["name"] == "To Do"


def test_a_plain_string_description_is_refused(harness: JiraHarness) -> None:
    api, auth = _api(harness)
    ref = harness.user_create(Item(title="x"))
    resp = httpx.put(f"{api}/issue/{ref}", auth=auth, json={"fields": {"description": "hi"}})
    assert resp.status_code == 400 and "Atlassian Document" in resp.json()["errors"][
        "description"]


def test_deleting_an_issue_with_sub_tasks_deletes_nothing(harness: JiraHarness) -> None:
    a = harness.adapter
    story = a.create(Item(title="story"), origin="L1", idempotency_key="k1")
    a.create(Item(title="child", parent=story.ref), origin="L2", idempotency_key="k2")
    with pytest.raises(ValidationRejected, match="subtasks"):
        a.delete(story.ref, expected_version=None)
    assert _titles(harness) == ["child", "story"]  # a delete never takes unrelated issues


def test_rate_limit_answer_carries_jiras_headers(harness: JiraHarness) -> None:
    harness.emu.faults.inject(FaultKind.RATE_LIMIT, op="search", retry_after=17)
    api, auth = _api(harness)
    resp = httpx.post(f"{api}/search/jql", auth=auth, json={"jql": "project = OPS"})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "17"
    assert resp.headers["X-RateLimit-Remaining"] == "0" and "RateLimit-Reason" in resp.headers
    harness.emu.faults.inject(FaultKind.RATE_LIMIT, op="search", retry_after=17)
    with pytest.raises(RateLimited) as info:
        harness.adapter.changes(None)
    assert info.value.retry_after == 17


def test_a_slow_answer_still_arrives(harness: JiraHarness) -> None:
    harness.emu.faults.inject(FaultKind.LATENCY, op="search", delay=0.3)
    harness.user_create(Item(title="slow"))
    got = harness.adapter.changes(None)
    assert [r.item.title for r in got.items] == ["slow"]
    assert ("search", FaultKind.LATENCY) in harness.emu.faults.fired


def test_an_assignee_jira_does_not_know_leaves_it_unassigned_and_the_rest_syncs(
        harness: JiraHarness) -> None:
    mem, adapters, cfg = _flow(harness)
    ref = mem.user_create(Item(title="x", assignee="u1@example.com"))
    store = MemStore()
    run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    mem.user_edit(ref, assignee="stranger@elsewhere.org")
    run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    mem.user_edit(ref, title="renamed")  # later edits are not blocked by the assignee
    run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    issue = next(iter(harness.emu.issues.values()))["fields"]
    assert issue["summary"] == "renamed" and issue["assignee"] is None
    assert [i.assignee for i in mem.live().values()] == ["stranger@elsewhere.org"]
    searches = harness.emu.requests["GET /rest/api/3/user/search"]
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0  # type: ignore[arg-type]
    assert harness.emu.requests["GET /rest/api/3/user/search"] == searches  # not looked up again



def test_a_timed_due_is_held_as_its_own_day_and_does_not_flow_back(harness: JiraHarness) -> None:
    # 00:30 in Berlin is still the previous day in UTC: Jira must get the Berlin day
    due = ZonedDateTime(at=dt.datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")),
                        tz="Europe/Berlin")
    created = harness.adapter.create(Item(title="x", due=due), origin="L", idempotency_key="k")
    assert harness.emu.issues[created.ref]["fields"]["duedate"] == "2026-12-01"
    assert harness.adapter.represent("due", due) == created.item.due
    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "jira": harness.adapter}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters})
    store = MemStore()
    mem.user_create(Item(title="timed", due=due))
    run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0  # type: ignore[arg-type]
    timed = [i.due for i in mem.live().values() if i.title == "timed"]
    assert timed == [due]  # the time is not lost in mem


def test_an_assignee_whose_email_jira_hides_survives_a_restart(sandbox) -> None:  # type: ignore[no-untyped-def]
    hidden = next(aid for aid, u in sandbox.emu.users.items()
                  if u["emailAddress"] == "u3@example.com")
    sandbox.emu.hidden_emails.add(hidden)
    mem = MemoryService(name="mem")
    store = MemStore()
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in ("mem", "jira")})
    mem.user_create(Item(title="x", assignee="u3@example.com"))
    first = {"mem": MemoryAdapter(mem, name="mem"), "jira": build(sandbox)}
    run_flow("f", cfg, first, store)  # type: ignore[arg-type]
    issue = next(iter(sandbox.emu.issues.values()))
    assert issue["fields"]["assignee"]["accountId"] == hidden
    # a new process (one-shot `synchub sync`, or a restarted daemon): Jira still hides it
    again = {"mem": MemoryAdapter(mem, name="mem"), "jira": build(sandbox)}
    sandbox.emu.edit(issue["id"], summary="renamed in Jira")
    assert run_flow("f", cfg, again, store).counts["writes"] == 1  # type: ignore[arg-type]
    assert [(i.title, i.assignee) for i in mem.live().values()] == [
        ("renamed in Jira", "u3@example.com")]



def test_a_description_jira_spells_differently_is_not_written_back(harness: JiraHarness) -> None:
    mem, adapters, cfg = _flow(harness)
    text = "**_b_** 2 \\* 3 _u_"
    mem.user_create(Item(title="md", description=text))
    store = MemStore()
    run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0  # type: ignore[arg-type]
    assert [i.description for i in mem.live().values()] == [text]  # the user's spelling stays


def test_a_create_whose_transition_fails_is_not_made_twice(sandbox) -> None:  # type: ignore[no-untyped-def]
    # The workflow cannot reach the status: the issue exists once; the refused status is named
    # once and set aside (P14), not sent again every round while nothing changes.
    sandbox.emu.workflow = {"To Do": {}}
    harness = JiraHarness(sandbox)
    mem, adapters, cfg = _flow(harness)
    mem.user_create(Item(title="started", status={"kind": "in_progress"}))
    store = MemStore()
    retry = RetryPolicy(sleep=lambda s: None)
    reports = [run_flow("f", cfg, adapters, store, retry=retry)  # type: ignore[arg-type]
               for _ in range(3)]
    assert _titles(harness) == ["started"]
    named = [r for r in reports if any("no transition" in str(err) for _, err in r.errors)]
    assert len(named) == 1 and "'started'" in str(named[0].errors)
    rep = reports[-1]
    assert rep.held == 1 and rep.quarantined_new == []
    assert any("no transition" in q.reason for q in rep.quarantined)
    assert [i.status.kind.value for i in mem.live().values()] == ["in_progress"]
