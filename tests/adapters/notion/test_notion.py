"""Notion specifics: shapes against recorded real traffic, schema checks, property round
trips for every type, trash and filters, rate limits, the origin property, webhooks.

The recorded answers are notion-sdk-py's cassettes (``cassettes/``, MIT licence, recorded
against the real API with Notion-Version 2025-09-03)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from adapters.base import ValueMap, WebhookRejected
from adapters.notion import NotionScope, emu_blocks
from adapters.notion.client import error_for
from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import SCHEMA, NotionSandbox
from adapters.notion.webhook import parse_webhook
from hub.errors import AuthError, ConfigError, RateLimited
from hub.model import Item, StatusKind
from tests.adapters.notion.conftest import NotionHarness, build
from tests.adapters.notion.recorded import answer

HEADERS = {"Authorization": "Bearer secret-test", "Notion-Version": "2025-09-03"}


def recorded(cassette: str, method: str, path: str = "") -> Any:
    return answer(cassette, method, path).body


def test_shapes_match_recorded_real_traffic(harness: NotionHarness) -> None:
    emu = harness.emu
    base = emu.base_url + "/v1"
    page = httpx.post(f"{base}/pages", headers=HEADERS, json={
        "parent": {"type": "data_source_id", "data_source_id": harness.ds},
        "properties": {"Name": {"title": [{"text": {"content": "x"}}]}}}).json()
    real_page = recorded("test_pages_create", "POST")
    assert set(real_page) <= set(page)
    assert page["properties"]["Name"]["title"][0].keys() == \
        real_page["properties"]["title"]["title"][0].keys()
    query = httpx.post(f"{base}/data_sources/{harness.ds}/query", headers=HEADERS,
                       json={}).json()
    assert set(recorded("test_data_sources_query", "POST", "/query$")) <= set(query)
    users = httpx.get(f"{base}/users", headers=HEADERS).json()
    assert set(recorded("test_users_list", "GET")) <= set(users)
    db = httpx.get(f"{base}/databases/{harness.db}", headers=HEADERS).json()
    real_db = recorded("test_databases_retrieve", "GET", "/databases/")
    assert {"object", "id", "title", "data_sources", "in_trash"} <= set(real_db) & set(db)
    err = httpx.get(f"{base}/pages/nope", headers=HEADERS)
    real_err = recorded("test_api_response_error", "GET", "/invalid$")
    assert set(real_err) <= set(err.json()) and err.json()["object"] == "error"


def test_wrong_property_type_and_missing_status_option_are_config_errors() -> None:
    schema = dict(SCHEMA) | {"Priority": {"rich_text": {}},
                             "Status": {"select": {"options": [{"name": "Todo"}]}}}
    sandbox = NotionSandbox(schema)
    harness = NotionHarness(sandbox)
    with pytest.raises(ConfigError) as info:
        harness.adapter.changes(None)
    text = str(info.value)
    assert "property 'Priority' is a rich_text property; priority needs one of number, select" \
        in text
    assert "status is mapped onto the select property 'Status', which lacks the option(s)" \
        in text and "'Done'" in text
    sandbox.stop()


def test_origin_property_is_created_or_explained(harness: NotionHarness) -> None:
    harness.adapter.changes(None)
    assert "synchub origin" in harness.emu.sources[harness.ds]["properties"]
    locked = NotionSandbox()
    try:
        locked.emu.allow_schema_edits = False
        h2 = NotionHarness(locked)
        with pytest.raises(AuthError, match="Text property named 'synchub origin'"):
            h2.adapter.changes(None)
    finally:
        locked.stop()


def test_trash_is_a_delete_and_quiet_rounds_are_two_queries(harness: NotionHarness) -> None:
    ref = harness.user_create(harness.sample(1))
    cur = harness.adapter.changes(None).cursor
    harness.emu.reset_counts()
    quiet = harness.adapter.changes(cur)
    assert quiet.items == () and harness.emu.total_requests == 2  # live + trashed
    harness.user_delete(ref)
    assert dict(harness.adapter.changes(quiet.cursor).gone) == {ref: "deleted"}


def test_two_edits_in_one_minute_are_both_seen(harness: NotionHarness) -> None:
    ref = harness.user_create(harness.sample(1))
    cur = harness.adapter.changes(None).cursor
    harness.user_edit(ref, title="first")
    r1 = harness.adapter.changes(cur)
    harness.user_edit(ref, title="second")  # same minute, same last_edited_time
    r2 = harness.adapter.changes(r1.cursor)
    assert [r.item.title for r in r2.items] == ["second"]


def test_filter_scope_reports_pages_leaving_it(harness: NotionHarness) -> None:
    emu = harness.emu
    from adapters.base import EndpointContext
    from adapters.notion import NotionAdapterFactory, NotionConnection

    conn = NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                            requests_per_second=1000)
    flt = {"property": "Tags", "multi_select": {"contains": "work"}}
    harness.adapter.map  # noqa: B018 (reads the schema)
    a = NotionAdapterFactory().build(
        conn, NotionScope(database_id=harness.db, filter=flt),
        EndpointContext(name="n", flow="t", value_maps={"status": harness.adapter.map.status_map}))
    inside = harness.user_create(Item(title="in", labels=["work"]))
    harness.user_create(Item(title="out", labels=["home"]))
    first = a.changes(None)
    assert [r.item.title for r in first.items] == ["in"]
    harness.user_edit(inside, labels=["home"])
    assert a.changes(first.cursor).gone.get(inside) == "out_of_scope"


def test_rate_limit_429_and_529(harness: NotionHarness) -> None:
    emu = harness.emu
    harness.adapter.map  # noqa: B018 (reads the schema)
    emu.rps = 1
    with pytest.raises(RateLimited) as info:
        for _ in range(5):
            harness.adapter.changes(None)
    assert info.value.retry_after == 1
    overload = error_for(529, "service_overload", "busy", httpx.Headers({"retry-after": "3"}))
    assert isinstance(overload, RateLimited) and overload.retry_after == 3
    assert harness.adapter.capabilities.request_budget is None  # the client paces (test_rate)


def test_checkbox_status_and_select_priority(emu: NotionEmulator) -> None:
    schema = {"Done": {"checkbox": {}},
              "Prio": {"select": {"options": [{"name": "High"}, {"name": "Low"}]}}}
    db, _ = emu.add_database("Other", schema)
    prio = ValueMap.from_pairs({"High": "4", "Low": "1"})
    a = build(emu, db, value_maps={"priority": prio}, options={"targets": {
        "status": "Done", "priority": "Prio"}})
    created = a.create(Item(title="x", status={"kind": "done"}, priority=4), origin="L",
                       idempotency_key="k")
    got = a.get(created.ref)
    assert got is not None and got.item.status.kind is StatusKind.DONE
    assert got.item.priority == 4


def test_webhook_handshake_and_signature() -> None:
    handshake = json.dumps({"verification_token": "secret_abc"}).encode()
    assert parse_webhook({}, handshake, None) == []
    body = json.dumps({"id": "ev1", "type": "page.properties_updated",
                       "entity": {"id": "p1", "type": "page"}}).encode()
    sig = "sha256=" + hmac.new(b"secret_abc", body, hashlib.sha256).hexdigest()
    (notice,) = parse_webhook({"X-Notion-Signature": sig}, body, "secret_abc")
    assert (notice.kind, notice.ref, notice.event_id) == ("updated", "p1", "ev1")
    for headers in ({}, {"X-Notion-Signature": "sha256=00"}):
        with pytest.raises(WebhookRejected) as info:
            parse_webhook(headers, body, "secret_abc")
        assert info.value.status == 401
    bad = b"{nope"  # signed, but not JSON: 400 (unsigned it would be 401)
    bad_sig = "sha256=" + hmac.new(b"secret_abc", bad, hashlib.sha256).hexdigest()
    with pytest.raises(WebhookRejected) as info:
        parse_webhook({"X-Notion-Signature": bad_sig}, bad, "secret_abc")
    assert info.value.status == 400
    with pytest.raises(WebhookRejected) as info:
        parse_webhook({"X-Notion-Signature": sig}, bad, "secret_abc")
    assert info.value.status == 401


def test_scope_validates_notion_ids() -> None:
    assert NotionScope(database_id="0123456789ABCDEF0123456789abcdef").database_id == \
        "01234567-89ab-cdef-0123-456789abcdef"
    with pytest.raises(ValueError, match="not a Notion id"):
        NotionScope(database_id="my-database")


def test_description_in_the_page_body(harness: NotionHarness) -> None:
    emu = harness.emu
    a = build(emu, harness.db, options={"targets": {"description": "body"}})
    text = "First **line**\nSecond with [a link](https://ex.org)"
    created = a.create(Item(title="x", description=text), origin="L", idempotency_key="k")
    blocks = emu.children[created.ref]
    assert [b["type"] for b in blocks] == ["paragraph", "paragraph"]
    with emu.lock:  # a heading the user added in Notion
        emu_blocks.append_children(emu, created.ref, [{"type": "heading_1",
                                                       "heading_1": {"rich_text": []}}])
    got = a.get(created.ref)
    assert got is not None and got.item.description == text
    a.update(created.ref, Item(title="x", description="Only this"),
             fields=frozenset({"description"}), expected_version=None, idempotency_key="u")
    got = a.get(created.ref)
    assert got is not None and got.item.description == "Only this"
    assert [b["type"] for b in emu.children[created.ref]] == ["heading_1", "paragraph"]


def _left_the_filter(harness: NotionHarness, reconcile_every: int) -> tuple[Any, str, Any]:
    """An adapter with a filter, a page listed once and then out of the filter long after the
    overlap window (as a date filter would do): (adapter, its ref, the cursor)."""
    from adapters.base import EndpointContext
    from adapters.notion import NotionAdapterFactory, NotionConnection

    emu = harness.emu
    conn = NotionConnection(token="secret-test", base_url=emu.base_url,  # type: ignore[arg-type]
                            requests_per_second=1000)
    flt = {"property": "Tags", "multi_select": {"contains": "work"}}
    harness.adapter.map  # noqa: B018 (reads the schema)
    a = NotionAdapterFactory().build(
        conn, NotionScope(database_id=harness.db, filter=flt, reconcile_every=reconcile_every),
        EndpointContext(name="n", flow="t", value_maps={"status": harness.adapter.map.status_map}))
    ref = harness.user_create(Item(title="in", labels=["work"]))
    cur = a.changes(None).cursor
    page = emu.pages[ref]
    page["properties"]["Tags"]["multi_select"] = []
    page["last_edited_time"] = "2020-01-01T00:00:00.000Z"
    return a, ref, cur


def test_reconcile_finds_pages_that_left_the_filter_without_an_edit(
        harness: NotionHarness) -> None:
    a, ref, cur = _left_the_filter(harness, 3)
    second = a.changes(cur)  # round 2: the timestamp queries cannot see it
    assert dict(second.gone) == {}
    third = a.changes(second.cursor)  # round 3: reconcile
    assert dict(third.gone) == {ref: "out_of_scope"}


def test_a_webhook_round_leaves_the_reconcile_to_the_next_full_round(
        harness: NotionHarness) -> None:
    """The reconcile lists every page (a request a hundred, at 3 a second): not in a round a
    webhook started, which someone waits for; the next full round does it (issue 17)."""
    from adapters.ratewindow import Urgency, urgency

    a, ref, cur = _left_the_filter(harness, 2)
    with urgency(Urgency(urgent=True)):
        for _ in range(3):  # round 2 is due for the reconcile: put off, however often
            urgent = a.changes(cur)
            assert dict(urgent.gone) == {}
            cur = urgent.cursor
    assert dict(a.changes(cur).gone) == {ref: "out_of_scope"}  # the full round
