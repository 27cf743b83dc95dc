"""Jira's discoveries through the discovery cache: a second adapter (a new process) asks
neither ``/myself`` nor ``/field``, and a write refused for a field id from a stale cached
list reads the list again and is retried once, landing in the site's real field."""

from __future__ import annotations

import json

from adapters.base import EndpointContext
from adapters.context import DiscoveryCache, DiscoveryKey
from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope
from adapters.jira.adapter import JiraAdapter
from adapters.jira.sandbox import JiraSandbox
from hub.model import Item
from tests.support.memstore import MemStore

POINTS_FIELD = "customfield_10016"


def _build(sandbox: JiraSandbox, store: MemStore) -> JiraAdapter:
    conn = JiraConnection.model_validate(sandbox.connection)
    return JiraAdapterFactory().build(
        conn, JiraScope.model_validate(sandbox.scope),
        EndpointContext(name="jira", flow="t", value_maps=sandbox.value_maps,
                        options=sandbox.options, cache=DiscoveryCache(store)))


def _asked(sandbox: JiraSandbox) -> list[str]:
    return [p for _, p in sandbox.emu.request_log
            if p.endswith(("/myself", "/field"))]


def test_a_second_adapter_asks_nothing_the_first_discovered() -> None:
    sandbox, store = JiraSandbox(), MemStore()
    try:
        first = _build(sandbox, store)
        first.changes(None)
        first.close()
        assert sorted(_asked(sandbox)) == ["/rest/api/3/field", "/rest/api/3/myself"]
        sandbox.emu.reset_counts()
        second = _build(sandbox, store)
        second.changes(None)
        second.close()
        assert _asked(sandbox) == []
    finally:
        sandbox.stop()


def test_a_write_refused_for_a_stale_cached_field_id_is_retried_once_on_a_fresh_list() -> None:
    sandbox, store = JiraSandbox(), MemStore()
    try:
        a = _build(sandbox, store)
        a.changes(None)
        a.close()
        key = DiscoveryKey("jira.fields", sandbox.connection["url"],
                           sandbox.connection["email"]).text
        fields = json.loads(store.discovery[key][0])
        for f in fields:  # the site's points field replaced since it was cached
            if f["id"] == POINTS_FIELD:
                f["id"] = "customfield_99999"
        store.discovery[key] = (json.dumps(fields), store.discovery[key][1])
        b = _build(sandbox, store)
        sandbox.emu.reset_counts()
        made = b.create(Item(title="t"), origin="l1", idempotency_key="k1")
        moved = b.update(made.ref, made.item.evolve(points=5),
                         fields=frozenset({"points"}), expected_version=None,
                         idempotency_key="k2")
        assert moved.item.points == 5
        raw = b.client.raw("GET", f"issue/{made.ref}")["fields"]
        assert raw[POINTS_FIELD] == 5
        assert made.item.title == "t"  # the create, refused for the stale id, retried too
        assert _asked(sandbox) == ["/rest/api/3/field"]  # read again once
        assert POINTS_FIELD in store.discovery[key][0]  # and cached fresh
        b.close()
    finally:
        sandbox.stop()
