"""What adapters discover (schema 8) survives a reopen on SQLite, PostgreSQL and the in-memory
test store alike; the cache in front of it keeps each value for its kind's TTL, misses on a
changed connection, and a preview's store reads it without writing it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from adapters.context import DISCOVERY_TTL, DiscoveryCache, DiscoveryKey, secret_id
from hub.store.preview import open_preview
from tests.store.test_store import reopen
from tests.support.memstore import MemStore

JIRA = DiscoveryKey("jira.fields", "https://acme.atlassian.net/", "me@acme.test")


def _exercise(store: Any, again: Any) -> None:
    assert store.discovered("k1") is None
    store.put_discovered("k1", '{"a": 1}')
    store.put_discovered("k1%", "[2]")  # a LIKE wildcard in a key is only a character
    store.put_discovered("other", "3")
    store = again(store)
    value, at = store.discovered("k1")
    assert value == '{"a": 1}' and abs(at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    store.put_discovered("k1", "[9]")  # replaced, fetched again
    assert store.discovered("k1")[0] == "[9]"
    assert store.drop_discovered("k1%") == 1
    assert store.discovered("k1") is not None and store.discovered("k1%") is None
    assert store.drop_discovered("k") == 1
    store = again(store)
    assert store.discovered("k1") is None and store.discovered("other")[0] == "3"
    assert store.drop_discovered() == 1 and store.discovered("other") is None


def test_discovered_values_survive_a_reopen(store: Any) -> None:
    _exercise(store, reopen)


def test_the_memory_store_behaves_the_same() -> None:
    _exercise(MemStore(), lambda s: s)


def test_a_value_holds_for_its_kinds_ttl_and_a_changed_connection_misses() -> None:
    store = MemStore()
    cache = DiscoveryCache(store)
    asked: list[str] = []

    def fetch(what: str) -> Any:
        asked.append(what)
        return [{"id": what}]

    assert cache.recall(JIRA, lambda: fetch("one")) == ([{"id": "one"}], False)
    assert cache.recall(JIRA, lambda: fetch("two")) == ([{"id": "one"}], True)
    # another flow on the same Jira shares it; another account or site does not
    other = DiscoveryKey("jira.fields", "https://acme.atlassian.net", "bot@acme.test")
    assert cache.recall(other, lambda: fetch("three")) == ([{"id": "three"}], False)
    assert asked == ["one", "three"]
    # past the TTL the service is asked again
    value, at = store.discovery[JIRA.text]
    store.discovery[JIRA.text] = (value, at - DISCOVERY_TTL["jira.fields"])
    assert cache.recall(JIRA, lambda: fetch("four")) == ([{"id": "four"}], False)
    cache.forget(JIRA)
    assert cache.recall(JIRA, lambda: fetch("five"))[1] is False
    # no secret in any key: a token is held as its hash
    assert "s3cret" not in secret_id("s3cret") and secret_id("s3cret") != secret_id("other")


def test_a_broken_store_is_a_miss_not_a_failure() -> None:
    class Broken:
        def discovered(self, key: str) -> Any:
            raise OSError("disk gone")

        def put_discovered(self, key: str, value: str) -> None:
            raise OSError("disk gone")

        def drop_discovered(self, prefix: str = "") -> int:
            raise OSError("disk gone")

    cache = DiscoveryCache(Broken())
    assert cache.recall(JIRA, lambda: 7) == (7, False)
    cache.forget(JIRA)


def test_a_preview_reads_the_cache_and_writes_nothing(tmp_path: Path) -> None:
    from hub.store import open_store

    url = f"sqlite:///{tmp_path / 'state.db'}"
    s = open_store(url)
    s.migrate()
    s.put_discovered(JIRA.text, "[1]")
    s.close()
    preview = open_preview(url)
    assert DiscoveryCache(preview).recall(JIRA, lambda: [2]) == ([1], True)
    preview.put_discovered("new", "[3]")  # lands in the preview's copy at most
    preview.close()
    s = open_store(url)
    s.migrate()
    assert s.discovered("new") is None and s.discovered(JIRA.text)[0] == "[1]"
    s.close()
