"""Jira specifics: transitions, the removed search endpoint, bounded JQL, reconcile, one
request per quiet round, error classes, webhooks, whole rounds."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest
import responses

from adapters.base import WebhookRejected
from adapters.jira import JiraAdapterFactory, JiraScope
from adapters.jira.client import JiraClient, error_for
from adapters.jira.webhook import parse_webhook
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.errors import (
    AuthError,
    Conflict,
    Fatal,
    NotFound,
    RateLimited,
    Transient,
    ValidationRejected,
)
from hub.model import Item, StatusKind
from hub.round.engine import run_flow
from tests.adapters.jira.conftest import JiraHarness, build
from tests.support.memstore import MemStore


def test_status_moves_through_transitions(harness: JiraHarness) -> None:
    a = harness.adapter
    created = a.create(Item(title="x", status={"kind": "in_progress"}), origin="L",
                       idempotency_key="k")
    assert harness.emu.issues[created.ref]["fields"]["status"]["name"] == "In Progress"
    a.update(created.ref, Item(title="x", status={"kind": "done"}),
             fields=frozenset({"status"}), expected_version=None, idempotency_key="u")
    got = a.get(created.ref)
    assert got is not None and got.item.status.kind is StatusKind.DONE


def test_a_workflow_without_a_path_is_a_clear_error(sandbox) -> None:  # type: ignore[no-untyped-def]
    sandbox.emu.workflow = {"To Do": {"Start": "In Progress"}, "In Progress": {}}
    a = build(sandbox)
    created = a.create(Item(title="x", status={"kind": "in_progress"}), origin="L",
                       idempotency_key="k")
    with pytest.raises(ValidationRejected, match="no transition from 'In Progress' to 'Done'"):
        a.update(created.ref, Item(title="x", status={"kind": "done"}),
                 fields=frozenset({"status"}), expected_version=None, idempotency_key="u")


def test_removed_search_endpoint_answers_410(harness: JiraHarness) -> None:
    resp = httpx.get(f"{harness.emu.base_url}/rest/api/3/search", params={"jql": "x"},
                     auth=(harness.emu.email, harness.emu.token))
    assert resp.status_code == 410 and "search/jql" in resp.text
    assert isinstance(error_for(410, resp.text), Fatal)
    assert "update synchub" in str(error_for(410, resp.text))


def test_unbounded_jql_is_refused_by_config_and_by_the_emulator(harness: JiraHarness) -> None:
    for bad in ("", "ORDER BY updated"):
        with pytest.raises(ValueError, match="must restrict the search"):
            JiraScope(jql=bad)
    with pytest.raises(ValueError, match="leave out ORDER BY"):
        JiraScope(jql="project = OPS ORDER BY key")
    quoted = 'project = OPS AND summary ~ "order by"'  # text in quotes is no ORDER BY
    assert JiraScope(jql=quoted).jql == quoted
    resp = httpx.post(f"{harness.emu.base_url}/rest/api/3/search/jql", json={"jql": ""},
                      auth=(harness.emu.email, harness.emu.token))
    assert resp.status_code == 400 and "Unbounded" in resp.json()["errorMessages"][0]


def test_quiet_round_is_one_search_and_reconcile_finds_deletes(sandbox) -> None:  # type: ignore[no-untyped-def]
    a = build(sandbox, reconcile_every=4)
    harness = JiraHarness(sandbox)
    ref = harness.user_create(harness.sample(1))
    cur = a.changes(None).cursor
    sandbox.emu.reset_counts()
    quiet = a.changes(cur)
    assert quiet.items == () and sandbox.emu.total_requests == 1
    sandbox.emu.delete(ref)
    second = a.changes(quiet.cursor)  # round 3: no reconcile yet, nothing deleted by absence
    assert dict(second.gone) == {}
    third = a.changes(second.cursor)  # round 4: reconcile
    assert dict(third.gone) == {ref: "deleted"}


def test_updated_window_is_minute_precision_with_overlap(harness: JiraHarness) -> None:
    a = harness.adapter
    ref = harness.user_create(harness.sample(1))
    cur = a.changes(None).cursor
    assert cur is not None and json.loads(cur)["since"].count(":") == 1  # yyyy/MM/dd HH:mm
    harness.user_edit(ref, title="same minute")
    assert [r.item.title for r in a.changes(cur).items] == ["same minute"]


def test_an_update_is_one_edit_without_a_version_check(harness: JiraHarness) -> None:
    # Jira has no conditional update (no ETag, no If-Match): the read before each update that
    # compared ``updated`` cost a request and left the race open, so it is gone (the hub's
    # merge of the listing is the check); nor is the issue read back after the edit.
    created = harness.adapter.create(Item(title="x"), origin="L", idempotency_key="k")
    harness.user_edit(created.ref, labels=["theirs"])
    harness.emu.reset_counts()
    got = harness.adapter.update(created.ref, Item(title="ours"), fields=frozenset({"title"}),
                                 expected_version="2000-01-01T00:00:00.000+0000",
                                 idempotency_key="u")
    assert harness.emu.request_log == [("PUT", f"/rest/api/3/issue/{created.ref}")]
    assert got.item.title == "ours"
    issue = harness.emu.issues[created.ref]["fields"]
    assert (issue["summary"], issue["labels"]) == ("ours", ["theirs"])  # only what was sent


@responses.activate
@pytest.mark.parametrize(("status", "cls"), [
    (401, AuthError), (403, AuthError), (404, NotFound), (409, Conflict), (412, Conflict),
    (429, RateLimited), (500, Transient), (503, Transient), (400, ValidationRejected),
    (410, Fatal)])
def test_every_status_maps_to_its_error_class(status: int, cls: type) -> None:
    base = "https://acme.atlassian.net"
    responses.get(f"{base}/rest/api/3/serverInfo", json={
        "baseUrl": base, "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud"})
    responses.get(f"{base}/rest/api/3/issue/1", status=status,
                  json={"errorMessages": ["nope"], "errors": {}},
                  headers={"Retry-After": "42"} if status == 429 else {})
    client = JiraClient(base, "me@acme.com", "t")
    with pytest.raises(cls) as info:
        client.raw("GET", "issue/1")
    if status == 429:
        assert info.value.retry_after == 42  # the full Retry-After, not the client's own cap


def test_validate_endpoint_asks_for_project_and_issue_type() -> None:
    ep = EndpointConfig(connection="j")
    assert JiraAdapterFactory().validate_endpoint(ep) == [
        "creating Jira issues needs options.project",
        "creating Jira issues needs options.issue_type"]
    assert JiraAdapterFactory().validate_endpoint(EndpointConfig(
        connection="j", read_only=True)) == []


def test_webhook_signature_and_events() -> None:
    body = json.dumps({"webhookEvent": "jira:issue_deleted",
                       "issue": {"id": "10001", "fields": {"project": {"key": "OPS"}}}}).encode()
    sig = "sha256=" + hmac.new(b"s3", body, hashlib.sha256).hexdigest()
    (n,) = parse_webhook({"X-Hub-Signature": sig, "X-Atlassian-Webhook-Identifier": "d1"},
                         body, "s3")
    assert (n.kind, n.ref, n.resource, n.event_id) == ("deleted", "10001", "OPS", "d1")
    for headers in ({}, {"X-Hub-Signature": "sha256=00"}):
        with pytest.raises(WebhookRejected) as info:
            parse_webhook(headers, body, "s3")
        assert info.value.status == 401
    bad = b"[]"
    with pytest.raises(WebhookRejected) as info:
        parse_webhook({"X-Hub-Signature": "sha256=" + hmac.new(
            b"s3", bad, hashlib.sha256).hexdigest()}, bad, "s3")
    assert info.value.status == 400


def test_rounds_with_an_in_memory_service(harness: JiraHarness) -> None:
    mem = MemoryService(name="mem")
    adapters = {"mem": MemoryAdapter(mem, name="mem"), "jira": harness.adapter}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters})
    store = MemStore()
    harness.user_create(Item(title="from jira", priority=3))
    ref = mem.user_create(Item(title="from mem", description="**bold** text"))
    rep = run_flow("f", cfg, adapters, store)
    assert rep.status == "ok" and rep.counts["create"] == 2
    assert {i.title for i in mem.live().values()} == {"from jira", "from mem"}
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0
    mem.user_edit(ref, status={"kind": "done"})
    run_flow("f", cfg, adapters, store)
    done = next(i for i in harness.emu.issues.values()
                if i["fields"]["summary"] == "from mem")
    assert done["fields"]["status"]["name"] == "Done"
    assert run_flow("f", cfg, adapters, store).counts["writes"] == 0


def test_jql_window_is_written_in_the_users_zone(sandbox) -> None:  # type: ignore[no-untyped-def]
    """Jira reads `updated >= "..."` in the API user's zone (New York here, UTC-5): a window
    written in UTC would start five hours late and miss a change made just now."""
    harness = JiraHarness(sandbox)
    a = build(sandbox, reconcile_every=100)
    ref = harness.user_create(harness.sample(1))
    cur = a.changes(None).cursor
    harness.user_edit(ref, title="edited just now")
    assert [r.item.title for r in a.changes(cur).items] == ["edited just now"]
    sent = [json.loads(b) for b in sandbox.emu.request_bodies if b"updated >=" in b]
    assert sent and sandbox.emu.user_zone == "America/New_York"
