"""Todoist specifics: versions, batching and idempotent retries, recurrence, completion,
status sections, clearing, errors and retired API versions."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import pytest

from adapters.base import EndpointContext, ValueMap, WebhookRejected, WriteKind, WriteOp
from adapters.todoist import TodoistAdapterFactory
from adapters.todoist.emulator import TodoistEmulator
from adapters.todoist.sandbox import TodoistSandbox
from adapters.todoist.webhook import parse_webhook
from hub.errors import AuthError, Conflict, Fatal, RateLimited
from hub.model import DateOnly, Item, StatusKind
from tests.adapters.todoist.conftest import TodoistHarness, build


def test_a_stale_listed_version_conflicts(harness: TodoistHarness) -> None:
    ref = harness.user_create(harness.sample(1))
    listed = {r.ref: r for r in harness.adapter.changes(None).items}[ref]
    assert listed.version
    harness.user_edit(ref, title="changed in the app")
    with pytest.raises(Conflict):
        harness.adapter.update(ref, Item(title="ours"), fields=frozenset({"title"}),
                               expected_version=listed.version, idempotency_key="k")


def test_quiet_round_is_one_request(harness: TodoistHarness) -> None:
    harness.user_create(harness.sample(1))
    cur = harness.adapter.changes(None).cursor
    harness.emu.reset_counts()
    assert harness.adapter.changes(cur).items == ()
    assert harness.emu.total_requests == 1


def test_writes_go_in_batches_of_100_and_a_retried_batch_applies_once(
        harness: TodoistHarness) -> None:
    a = harness.adapter
    ops = [WriteOp(WriteKind.CREATE, f"key-{i}", item=Item(title=f"t{i}"), origin=f"L{i}")
           for i in range(120)]
    harness.emu.reset_counts()
    results = a.write_batch(ops)
    assert all(r.error is None for r in results)
    # each create is one command (the marker rides in the task): 120 commands -> 2 requests
    assert harness.emu.requests["POST /api/v1/sync"] == 2
    again = a.write_batch(ops)  # the same uuids: answered, not applied again
    assert [r.remote.ref for r in again] == [r.remote.ref for r in results]  # type: ignore[union-attr]
    live = [i for i in harness.emu.items.values() if not i["is_deleted"]]
    assert len(live) == 120


def test_one_failed_command_fails_only_its_op(harness: TodoistHarness) -> None:
    ok = harness.user_create(harness.sample(1))
    results = harness.adapter.write_batch([
        WriteOp(WriteKind.UPDATE, "u1", item=Item(title="fine"), ref=ok,
                fields=frozenset({"title"})),
        WriteOp(WriteKind.UPDATE, "u2", item=Item(title="x"), ref="t-missing",
                fields=frozenset({"title"})),
    ])
    assert results[0].error is None and results[1].error is not None
    assert harness.emu.items[ok]["content"] == "fine"


def test_recurring_due_round_trips_and_completing_it_moves_the_due(
        harness: TodoistHarness) -> None:
    a = harness.adapter
    item = Item(title="standup", due=DateOnly(date=dt.date(2026, 12, 1)),
                recurrence="FREQ=WEEKLY;BYDAY=MO,WE")
    created = a.create(item, origin="L", idempotency_key="rec")
    got = a.get(created.ref)
    assert got is not None and got.item.recurrence == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert harness.emu.items[created.ref]["due"]["string"] == "every monday, wednesday"
    cur = a.changes(None).cursor
    harness.emu.complete_item(created.ref)
    (seen,) = a.changes(cur).items
    assert seen.item.status.kind is StatusKind.OPEN  # not closed everywhere
    assert seen.item.due == DateOnly(date=dt.date(2026, 12, 2))


def test_completed_is_done_not_deleted(harness: TodoistHarness) -> None:
    ref = harness.user_create(harness.sample(2))
    cur = harness.adapter.changes(None).cursor
    harness.emu.complete_item(ref)
    result = harness.adapter.changes(cur)
    assert dict(result.gone) == {}
    assert [r.item.status.kind for r in result.items] == [StatusKind.DONE]


def test_sections_as_status(sandbox: TodoistSandbox) -> None:
    harness = TodoistHarness(sandbox)
    emu = sandbox.emu
    emu.add_section(harness.project, "Doing")
    emu.add_section(harness.project, "Backlog")
    status = ValueMap.from_pairs({"Backlog": "open", "Doing": "in_progress"})
    a = build(emu, value_maps={"status": status})
    a.changes(None)
    created = a.create(Item(title="x", status={"kind": "in_progress"}), origin="L",
                       idempotency_key="s")
    sections = {s["id"]: s["name"] for s in emu.sections.values()}
    assert sections[emu.items[created.ref]["section_id"]] == "Doing"
    got = a.get(created.ref)
    assert got is not None and got.item.status.kind is StatusKind.IN_PROGRESS


def test_priority_one_and_none_are_stored_alike(harness: TodoistHarness) -> None:
    a = harness.adapter
    assert a.represent("priority", 1) is None and a.represent("priority", 4) == 4
    created = a.create(Item(title="x", priority=4), origin="L", idempotency_key="p")
    assert harness.emu.items[created.ref]["priority"] == 4  # urgent stays urgent


def test_origin_marker_is_the_descriptions_last_line_not_the_title(
        harness: TodoistHarness) -> None:
    a = harness.adapter
    created = a.create(Item(title="clean title", description="the *plan*"), origin="L9",
                       idempotency_key="o")
    task = harness.emu.items[created.ref]
    assert task["content"] == "clean title"
    assert task["description"] == "the *plan*\n\nsynchub-origin: L9"
    assert not [n for n in harness.emu.notes.values() if n["item_id"] == created.ref]
    got = a.get(created.ref)
    assert got is not None and (got.item.description, got.item.origin) == ("the *plan*", "L9")
    a.update(created.ref, Item(title="clean title", description=None),
             fields=frozenset({"description"}), expected_version=None, idempotency_key="d")
    assert task["description"] == "synchub-origin: L9"  # the marker stays
    got = a.get(created.ref)
    assert got is not None and (got.item.description, got.item.origin) == (None, "L9")


def test_retired_apis_answer_410_and_map_to_fatal(emu: TodoistEmulator) -> None:
    for path in ("/rest/v2/tasks", "/sync/v9/sync"):
        assert httpx.get(emu.base_url + path).status_code == 410
    from adapters.todoist.client import error_for

    assert isinstance(error_for(410, {"error": "gone"}), Fatal)


def test_bad_token_is_an_auth_error(emu: TodoistEmulator) -> None:
    emu.add_project("Work")
    emu.token = "other"
    a = build(emu)
    with pytest.raises(AuthError, match="token"):
        a.changes(None)


def test_over_the_request_limit_todoist_answers_429_limits_reached(emu: TodoistEmulator
                                                                   ) -> None:
    """Every request counts (1,000 a quarter-hour), a full sync against 100 as well; the
    answer is Todoist's (emu_quota.py cites it): ``LIMITS_REACHED``, ``retry_after``."""
    emu.set_quota(requests=4, full_syncs=1)
    emu.add_project("Work")
    a = build(emu)
    cur = a.changes(None).cursor  # projects, the full sync, completed tasks: 3
    with pytest.raises(RateLimited) as info:
        a.find_by_origin("L1")  # a second full sync: over its limit of 1
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 900
    a.changes(cur)  # an incremental one: the 4th request
    with pytest.raises(RateLimited):
        a.changes(cur)
    assert emu.quota is not None and emu.quota.limited == 2
    r = httpx.post(emu.base_url + "/api/v1/sync", data={"sync_token": "*"},
                   headers={"Authorization": f"Bearer {emu.token}"})
    body = r.json()
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert (body["error_tag"], body["error_code"], body["http_code"]) == (
        "LIMITS_REACHED", 35, 429)
    assert body["error_extra"]["retry_after"] == int(r.headers["Retry-After"])
    emu.set_quota(None)  # off: unit tests that do not test it
    a.changes(cur)


def test_webhook_signature(harness: TodoistHarness) -> None:
    body = json.dumps({"event_name": "item:updated", "event_data": {"id": "t1",
                                                                    "project_id": "p1"}}).encode()
    sig = base64.b64encode(hmac.new(b"secret", body, hashlib.sha256).digest()).decode()
    (notice,) = parse_webhook({"X-Todoist-Hmac-SHA256": sig}, body, "secret")
    assert (notice.kind, notice.ref, notice.resource) == ("updated", "t1", "p1")
    for headers, secret in (({}, "secret"), ({"X-Todoist-Hmac-SHA256": "bad"}, "secret"),
                            ({"X-Todoist-Hmac-SHA256": sig}, None)):
        with pytest.raises(WebhookRejected) as info:
            parse_webhook(headers, body, secret)
        assert info.value.status == 401
    bad = b"not json"
    bad_sig = base64.b64encode(hmac.new(b"secret", bad, hashlib.sha256).digest()).decode()
    with pytest.raises(WebhookRejected) as info:
        parse_webhook({"X-Todoist-Hmac-SHA256": bad_sig}, bad, "secret")
    assert info.value.status == 400
    assert TodoistAdapterFactory().parse_webhook({"X-Todoist-Hmac-SHA256": sig}, body, "secret")


def test_probe_reports_the_account(emu: TodoistEmulator) -> None:
    from adapters.todoist import TodoistConnection

    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    assert "token accepted" in TodoistAdapterFactory().probe(conn)
    emu.token = "x"
    with pytest.raises(AuthError):
        TodoistAdapterFactory().probe(conn)


def test_command_uuids_are_stable_per_key() -> None:
    from adapters.todoist.adapter import command_uuid

    assert command_uuid("k") == command_uuid("k") != command_uuid("k", "origin")
    uuid.UUID(command_uuid("k"))


def test_filter_scope_sees_tasks_entering_and_leaving_without_changes(
        sandbox: TodoistSandbox) -> None:
    from adapters.todoist import TodoistConnection, TodoistScope

    harness = TodoistHarness(sandbox)
    emu = sandbox.emu
    urgent = emu.add_item(harness.project, "urgent", priority=4)
    calm = emu.add_item(harness.project, "calm", priority=1)
    conn = TodoistConnection(token="test-token", base_url=emu.base_url)  # type: ignore[arg-type]
    a = TodoistAdapterFactory().build(conn, TodoistScope(project="Work", filter="p1"),
                                      EndpointContext(name="todoist", flow="t"))
    first = a.changes(None)
    assert [r.ref for r in first.items] == [urgent]
    # Edit the stored priority directly (no change seen by /sync's token): the filter decides.
    emu.items[urgent]["priority"] = 1
    emu.items[calm]["priority"] = 4
    second = a.changes(first.cursor)
    assert [r.ref for r in second.items] == [calm]
    assert dict(second.gone) == {urgent: "out_of_scope"}


def test_parent_moves_are_written(harness: TodoistHarness) -> None:
    a = harness.adapter
    parent = a.create(Item(title="epic"), origin="P", idempotency_key="p")
    child = a.create(Item(title="story"), origin="C", idempotency_key="c")
    a.update(child.ref, Item(title="story", parent=parent.ref), fields=frozenset({"parent"}),
             expected_version=None, idempotency_key="mv")
    assert harness.emu.items[child.ref]["parent_id"] == parent.ref
    got = a.get(child.ref)
    assert got is not None and got.item.parent == parent.ref
    a.update(child.ref, Item(title="story"), fields=frozenset({"parent"}),
             expected_version=None, idempotency_key="mv2")
    assert harness.emu.items[child.ref]["parent_id"] is None


def test_rest_listing_pages_with_cursor(harness: TodoistHarness) -> None:
    for i in range(5):
        harness.emu.add_item(harness.project, f"t{i}")
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{harness.emu.base_url}/api/v1/tasks", params=params,
                         headers={"Authorization": "Bearer test-token"}).json()
        seen += [t["content"] for t in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"t{i}" for i in range(5)]


def test_a_later_process_reads_the_marker_of_a_task_listed_incrementally(
        harness: TodoistHarness) -> None:
    """An incremental sync lists only the comments that changed: a task synchub created,
    edited (or reopened) when another process runs, must still read as marked, not as an item
    new to synchub (which would be copied everywhere again)."""
    created = harness.adapter.create(Item(title="ours"), origin="L7", idempotency_key="m")
    cursor = harness.adapter.changes(None).cursor
    later = build(harness.emu)  # another process: nothing in memory, the stored cursor
    harness.emu.complete_item(created.ref)
    harness.emu.reset_counts()
    listed = later.changes(cursor)
    assert [(r.ref, r.item.origin) for r in listed.items] == [(created.ref, "L7")]
    assert listed.requests == 2  # project lookup, the sync: the task carries its marker
    harness.emu.edit_item(created.ref, content="edited")
    assert later.changes(listed.cursor).requests == 1
    later.close()


def test_a_later_process_reads_the_comment_marker_of_an_older_task(
        harness: TodoistHarness) -> None:
    """A task an earlier version created carries its marker as a comment, which an
    incremental sync lists only when it changed: every comment is read once a process."""
    old = harness.emu.add_item(harness.project, "made by an earlier synchub")
    harness.emu.add_note(old, "synchub-origin: L8")
    cursor = harness.adapter.changes(None).cursor
    later = build(harness.emu)
    harness.emu.complete_item(old)
    harness.emu.reset_counts()
    listed = later.changes(cursor)
    assert [(r.ref, r.item.origin) for r in listed.items] == [(old, "L8")]
    assert listed.requests == 3  # project lookup, the sync, once per process every comment
    harness.emu.edit_item(old, content="edited")
    assert later.changes(listed.cursor).requests == 1  # known from then on
    later.close()


def test_a_marked_task_is_not_marked_twice_by_another_process(harness: TodoistHarness) -> None:
    created = harness.adapter.create(Item(title="ours"), origin="L8", idempotency_key="n")
    later = build(harness.emu)
    later.update(created.ref, Item(title="ours"), fields=frozenset(), expected_version=None,
                 idempotency_key="n2", origin="L8")
    notes = [n["content"] for n in harness.emu.notes.values() if n["item_id"] == created.ref]
    assert notes == ["synchub-origin: L8"]
    later.close()


def test_a_full_listing_returns_recently_completed_tasks_to_rejoin_only(
        harness: TodoistHarness) -> None:
    """A full sync omits completed tasks; after a lost state file a task completed meanwhile
    must still be seen (done) so its completion reaches the other services."""
    emu = harness.emu
    open_ref = harness.user_create(Item(title="open"))
    recent = harness.user_create(Item(title="done lately"))
    old = harness.user_create(Item(title="done long ago"))
    emu.complete_item(recent)
    emu.complete_item(old)
    emu.items[old]["completed_at"] = "2020-01-01T00:00:00.000000Z"
    emu.reset_counts()
    listed = {r.ref: r for r in build(emu).changes(None).items}
    assert set(listed) == {open_ref, recent}
    assert listed[recent].rejoin_only and listed[recent].item.status.kind is StatusKind.DONE
    assert not listed[open_ref].rejoin_only
    assert emu.requests["GET /api/v1/tasks/completed/by_completion_date"] == 1


def test_completed_tasks_query_is_refused_over_three_months(emu: TodoistEmulator) -> None:
    resp = httpx.get(f"{emu.base_url}/api/v1/tasks/completed/by_completion_date",
                     params={"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"},
                     headers={"Authorization": "Bearer test-token"})
    assert resp.status_code == 400


def test_a_task_completed_between_the_two_reads_is_listed_once(harness: TodoistHarness,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """The full sync lists it open; by the time the completed tasks are read it is done:
    one listing must not hold two versions of one task."""
    emu = harness.emu
    ref = harness.user_create(Item(title="finishing now"))
    a = build(emu)
    real = a.client.completed

    def completed_meanwhile(*args: Any) -> list[dict[str, Any]]:
        emu.complete_item(ref)
        return real(*args)

    monkeypatch.setattr(a.client, "completed", completed_meanwhile)
    refs = [r.ref for r in a.changes(None).items]
    assert refs.count(ref) == 1


def test_a_rule_with_exclusions_is_not_held_and_never_written_as_its_plain_rule(
        harness: TodoistHarness) -> None:
    """Todoist's recurring dues have no exclusions: "every day" would bring back the
    occurrence taken out, so a rule with EXDATE is held as the current occurrence alone
    (the hub rolls it), and reads back as no rule: nothing to write again next round."""
    from hub.model import DateOnly

    a = harness.adapter
    rule = "FREQ=DAILY;EXDATE=20260603"
    assert a.represent("recurrence", rule) is None
    assert a.represent("recurrence", "FREQ=DAILY") == "FREQ=DAILY"
    day = DateOnly(date=dt.date(2026, 6, 2))
    created = a.create(Item(title="x", due=day, recurrence=rule), origin="L",
                       idempotency_key="ex")
    due = harness.emu.items[created.ref]["due"]
    assert (due["string"], due["is_recurring"]) == ("2026-06-02", False)
    got = a.get(created.ref)
    assert got is not None and (got.item.due, got.item.recurrence) == (day, None)
