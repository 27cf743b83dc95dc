"""Writing in bulk: ``POST /rest/api/3/issue/bulk`` in the emulator as Jira Cloud answers it,
the adapter's ``write_batch`` over it through the ``jira`` client (requests counted), a batch
whose answer is lost, and Jira's burst rate limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from adapters.contract import WriteKind, WriteOp
from adapters.faults import FaultKind
from adapters.jira.emu_quota import BurstLimit
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import RateLimited, Transient, ValidationRejected
from hub.model import DateOnly, Item, StatusKind
from hub.round.calls import RetryPolicy
from hub.round.engine import run_flow
from tests.adapters.jira.conftest import JiraHarness
from tests.support.memstore import MemStore

BULK = "/rest/api/3/issue/bulk"


def _post(harness: JiraHarness, body: Any) -> requests.Response:
    emu = harness.emu
    return requests.post(emu.base_url + BULK, json=body, auth=(emu.email, emu.token),
                         timeout=10)


def _issue(summary: str, **fields: Any) -> dict[str, Any]:
    return {"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"},
                       "summary": summary, **fields}}


# -- the emulator's endpoint --------------------------------------------------------------------


def test_bulk_create_makes_every_issue_with_its_properties(harness: JiraHarness) -> None:
    answer = _post(harness, {"issueUpdates": [
        _issue("one") | {"properties": [{"key": "synchub", "value": {"origin": "L1"}}]},
        _issue("two")]})
    assert answer.status_code == 201
    body = answer.json()
    assert body["errors"] == [] and [i["key"] for i in body["issues"]] == ["OPS-1", "OPS-2"]
    first = body["issues"][0]
    assert set(first) == {"id", "key", "self"} and first["self"].endswith(f"/{first['id']}")
    assert harness.emu.properties[first["id"]] == {"synchub": {"origin": "L1"}}


def test_bulk_create_refuses_one_without_failing_the_others(harness: JiraHarness) -> None:
    answer = _post(harness, {"issueUpdates": [
        _issue("one"), _issue("bad", priority={"name": "Bogus"}), _issue("three")]})
    assert answer.status_code == 201  # partial success is a 201 with errors
    body = answer.json()
    assert [i["key"] for i in body["issues"]] == ["OPS-1", "OPS-2"]
    (error,) = body["errors"]
    assert error["failedElementNumber"] == 1 and error["status"] == 400
    assert "priority" in error["elementErrors"]["errors"]


def test_bulk_create_takes_at_most_fifty(harness: JiraHarness) -> None:
    answer = _post(harness, {"issueUpdates": [_issue(f"i{n}") for n in range(51)]})
    assert answer.status_code == 400 and harness.emu.issues == {}
    assert "50" in answer.json()["errorMessages"][0]
    assert _post(harness, {"issueUpdates": [_issue(f"i{n}") for n in range(50)]}
                 ).status_code == 201


def test_a_transition_on_create_moves_the_issue_or_says_why_not(harness: JiraHarness) -> None:
    emu = harness.emu
    start = emu._transition_id("To Do", "Start")
    answer = _post(harness, {"issueUpdates": [
        _issue("moved") | {"transition": {"id": start}},
        _issue("kept") | {"transition": {"id": "999"}}]}).json()
    moved, kept = answer["issues"]
    assert moved["transition"]["status"] == 200
    assert kept["transition"]["status"] == 400  # created all the same, in the start status
    assert emu.issues[moved["id"]]["fields"]["status"]["name"] == "In Progress"
    assert emu.issues[kept["id"]]["fields"]["status"]["name"] == "To Do"


# -- the adapter's write_batch ------------------------------------------------------------------


def _creates(harness: JiraHarness, n: int, **fields: Any) -> list[WriteOp]:
    return [WriteOp(WriteKind.CREATE, f"k{i}", item=Item(title=f"t{i}", **fields),
                    origin=f"L{i}") for i in range(n)]


def test_write_batch_creates_fifty_a_request_and_reads_nothing_back(
        harness: JiraHarness) -> None:
    a = harness.adapter
    a.planning  # noqa: B018 (the site's field list, read once per adapter)
    harness.emu.reset_counts()
    results = a.write_batch(_creates(harness, 120, labels=["x"],
                                     due=DateOnly(date=dt.date(2026, 3, 1))))
    # 50 + 50 + 20; after the first, the start status of a new Task is read once
    assert harness.emu.request_log == [("POST", BULK), ("GET", "/rest/api/3/issue/10001"),
                                       ("POST", BULK), ("POST", BULK)]
    assert [r.error for r in results] == [None] * 120
    remote = results[7].remote
    assert remote is not None and remote.item.title == "t7" and remote.item.origin == "L7"
    assert remote.item.url == f"{harness.emu.base_url}/browse/OPS-8"
    got = a.get(remote.ref)
    assert got is not None
    for f in a.capabilities.fields:  # what was built is what a read finds
        assert getattr(got.item, f) == getattr(remote.item, f), f
    assert got.item.origin == "L7"


def test_write_batch_maps_a_refused_element_to_its_own_error(harness: JiraHarness) -> None:
    ops = _creates(harness, 3)
    ops[1] = WriteOp(WriteKind.CREATE, "bad", item=Item(title="x" * 300), origin="Lbad")
    results = harness.adapter.write_batch(ops)
    assert results[0].error is None and results[2].error is None
    assert isinstance(results[1].error, ValidationRejected)
    assert "summary" in str(results[1].error)
    assert sorted(i["fields"]["summary"] for i in harness.emu.issues.values()) == ["t0", "t2"]


def test_statuses_ride_in_the_create_once_the_workflow_is_known(harness: JiraHarness) -> None:
    a = harness.adapter
    a.planning  # noqa: B018
    started = {"status": {"kind": "in_progress"}}
    harness.emu.reset_counts()
    first = a.write_batch(_creates(harness, 3, **started))
    # the first batch learns the start (the issue's status, its transitions), then moves each
    assert harness.emu.requests["POST /rest/api/3/issue/bulk"] == 1
    assert harness.emu.total_requests == 1 + 2 + 3
    harness.emu.reset_counts()
    later = a.write_batch(_creates(harness, 3, **started))
    assert harness.emu.request_log == [("POST", BULK)]  # the transition is in the create
    for r in first + later:
        assert r.remote is not None and r.remote.item.status.kind is StatusKind.IN_PROGRESS
        assert harness.emu.issues[r.remote.ref]["fields"]["status"]["name"] == "In Progress"


def test_updates_are_one_request_each_and_a_status_two_more(harness: JiraHarness) -> None:
    a = harness.adapter
    made = [r.remote for r in a.write_batch(_creates(harness, 2))]
    assert made[0] is not None and made[1] is not None
    harness.emu.reset_counts()
    results = a.write_batch([
        WriteOp(WriteKind.UPDATE, "u0", item=Item(title="new"), ref=made[0].ref,
                fields=frozenset({"title"}), expected_version="stale"),
        WriteOp(WriteKind.UPDATE, "u1", item=Item(title="t1", status={"kind": "done"}),
                ref=made[1].ref, fields=frozenset({"status"}))])
    assert [r.error for r in results] == [None, None]
    assert harness.emu.total_requests == 1 + 2  # PUT; GET + POST transitions
    assert harness.emu.issues[made[1].ref]["fields"]["status"]["name"] == "Done"
    assert results[0].remote is not None and results[0].remote.item.title == "new"


def test_a_rate_limit_before_anything_landed_is_raised_with_its_wait(
        harness: JiraHarness) -> None:
    harness.emu.faults.inject(FaultKind.RATE_LIMIT, op="create", retry_after=7)
    with pytest.raises(RateLimited) as limited:
        harness.adapter.write_batch(_creates(harness, 2))
    assert limited.value.retry_after == 7 and harness.emu.issues == {}


def test_a_lost_batch_answer_is_maybe_applied_for_every_create(harness: JiraHarness) -> None:
    harness.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="create")
    results = harness.adapter.write_batch(_creates(harness, 3))
    assert all(isinstance(r.error, Transient) and r.error.maybe_applied for r in results)
    assert len(harness.emu.issues) == 3  # they landed, with their markers


def test_a_lost_batch_is_found_by_its_markers_next_round_never_twice(
        harness: JiraHarness) -> None:
    mem = MemoryService(name="mem")
    for n in range(60):  # two bulk requests; the first one's answer is lost
        mem.user_create(Item(title=f"from mem {n}"))
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "jira": harness.adapter}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    harness.emu.faults.inject(FaultKind.TIMEOUT_AFTER_WRITE, op="create")
    store = MemStore()
    retry = RetryPolicy(sleep=lambda s: None)
    run_flow("f", cfg, adapters, store, retry=retry)  # type: ignore[arg-type]
    assert len(harness.emu.issues) == 60
    harness.emu.clock_offset += dt.timedelta(minutes=5)  # past the search's lag
    rep = run_flow("f", cfg, adapters, store, retry=retry)  # type: ignore[arg-type]
    assert rep.counts["create"] == 0 and store.pending_intents("f") == []
    assert len(harness.emu.issues) == 60
    titles = sorted(i["fields"]["summary"] for i in harness.emu.issues.values())
    assert titles == sorted(f"from mem {n}" for n in range(60))
    assert run_flow("f", cfg, adapters, store, retry=retry).counts["writes"] == 0  # type: ignore[arg-type]


# -- Jira's burst rate limit ------------------------------------------------------------------


def test_the_burst_limit_answers_as_jira_cloud_does(harness: JiraHarness) -> None:
    now = [0.0]
    harness.emu.rate_limit = BurstLimit(capacity=2, rate=0.5, clock=lambda: now[0])
    emu = harness.emu
    url, auth = emu.base_url + "/rest/api/3/myself", (emu.email, emu.token)
    assert requests.get(url, auth=auth, timeout=10).status_code == 200
    near = requests.get(url, auth=auth, timeout=10)
    assert near.status_code == 200 and near.headers["X-RateLimit-NearLimit"] == "true"
    limited = requests.get(url, auth=auth, timeout=10)
    assert limited.status_code == 429
    h = limited.headers
    assert h["Retry-After"] == "2" and h["RateLimit-Reason"] == "jira-burst-based"
    assert h["X-RateLimit-Limit"] == "2" and h["X-RateLimit-Remaining"] == "0"
    dt.datetime.strptime(h["X-RateLimit-Reset"], "%Y-%m-%dT%H:%MZ")  # Jira's format
    assert limited.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    # per endpoint and method: another endpoint still has its burst
    assert requests.get(emu.base_url + "/rest/api/3/field", auth=auth,
                        timeout=10).status_code == 200
    now[0] += 2.0  # one token back
    assert requests.get(url, auth=auth, timeout=10).status_code == 200


def test_the_adapter_maps_the_burst_limit_to_rate_limited(harness: JiraHarness) -> None:
    harness.adapter.planning  # noqa: B018
    harness.emu.rate_limit = BurstLimit(capacity=1, rate=0.25, clock=lambda: 0.0)
    harness.adapter.write_batch(_creates(harness, 1))
    with pytest.raises(RateLimited) as limited:
        harness.adapter.write_batch(_creates(harness, 1))
    assert limited.value.retry_after == 4


def test_a_parent_and_its_child_made_in_one_round_are_made_in_two_waves(
        harness: JiraHarness) -> None:
    # The child waits for its parent's batch: Jira fixes a sub-task's type when it is made,
    # so it cannot be made a Task first and moved under its parent later.
    mem = MemoryService(name="mem")
    parent = mem.user_create(Item(title="story"))
    mem.user_create(Item(title="child", parent=parent))
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "jira": harness.adapter}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters})
    store = MemStore()
    rep = run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    assert not rep.errors and harness.emu.requests["POST " + BULK] == 2
    kinds = {i["fields"]["summary"]: (i["fields"]["issuetype"]["name"],
                                      (i["fields"]["parent"] or {}).get("id"))
             for i in harness.emu.issues.values()}
    story_id = next(i["id"] for i in harness.emu.issues.values()
                    if i["fields"]["summary"] == "story")
    assert kinds == {"story": ("Task", None), "child": ("Sub-task", story_id)}
    again = run_flow("f", cfg, adapters, store)  # type: ignore[arg-type]
    assert again.counts["writes"] == 0 and not again.errors


def test_a_round_under_the_burst_limit_waits_out_retry_after_and_makes_each_once(
        harness: JiraHarness) -> None:
    # The hub's retry honours Jira's Retry-After (its sleep moves the limit's clock on): every
    # issue is made, once, and the waits are counted as rate-limit waits.
    now = [0.0]
    harness.emu.rate_limit = BurstLimit(capacity=3, rate=1.0, clock=lambda: now[0])
    mem = MemoryService(name="mem")
    for n in range(200):  # 4 bulk creates, beside the round's reads
        mem.user_create(Item(title=f"m{n}"))
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "jira": harness.adapter}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    rep = run_flow("f", cfg, adapters, MemStore(),  # type: ignore[arg-type]
                   retry=RetryPolicy(sleep=sleep, attempts=8))
    assert harness.emu.rate_limit.limited > 0 and not rep.errors
    assert sorted(i["fields"]["summary"] for i in harness.emu.issues.values()) == sorted(
        f"m{n}" for n in range(200))


def test_without_retry_after_the_wait_is_read_from_the_reset_time() -> None:
    from adapters.jira.client import error_for

    reset = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%MZ")
    err = error_for(429, '{"errorMessages": ["Rate limit exceeded."]}',
                    {"X-RateLimit-Reset": reset})
    assert isinstance(err, RateLimited) and err.retry_after is not None
    assert 60 < err.retry_after <= 180
    assert error_for(429, "", {"Retry-After": "5"}).retry_after == 5  # type: ignore[attr-defined]


def test_time_tracking_off_sends_the_refused_creates_again_without_estimates(
        harness: JiraHarness) -> None:
    harness.emu.time_tracking = False
    ops = [WriteOp(WriteKind.CREATE, f"k{i}", item=Item(title=f"t{i}", duration=30 + i),
                   origin=f"L{i}") for i in range(3)]
    harness.emu.reset_counts()
    results = harness.adapter.write_batch(ops)
    assert [r.error for r in results] == [None] * 3
    assert "duration" not in harness.adapter.capabilities.fields
    assert harness.emu.requests["POST " + BULK] == 2 and len(harness.emu.issues) == 3
