"""Each endpoint's health after a round (hub.round.health): the service's own message,
since when it fails (the start of the streak, kept while it lasts), the last success, and
what synchub does next; an item refused for good is the quarantine's, not the service's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.faults import FaultKind
from hub.errors import AuthError, Transient, ValidationRejected
from hub.round.engine import unavailable
from hub.round.health import failures, health_json, last_error
from tests.support.world import World

T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def test_only_the_service_failing_counts_not_an_item_it_refuses() -> None:
    found = failures([("b", Transient("HTTP 503")), ("a", ValidationRejected("too long")),
                      ("c", AuthError("token expired")), ("", Transient("?"))],
                     unreachable=["d"], endpoints=["a", "b", "c", "d"])
    assert found == {"b": "HTTP 503", "c": "token expired", "d": "did not answer"}


def test_a_failure_streak_keeps_its_start_and_a_success_keeps_the_last_error() -> None:
    w = World(("a", "b"))
    clock = [T0]
    w.sync(now=lambda: clock[0])
    w.services["b"].faults.inject(FaultKind.OUTAGE, count=None)
    for minute in (5, 10):
        clock[0] = T0 + dt.timedelta(minutes=minute)
        rep = w.sync(now=lambda: clock[0])
        assert rep.status == "partial"
    a, b = w.store.health("f")
    assert a.ok and a.last_success == T0 + dt.timedelta(minutes=10)
    assert not b.ok and b.since == T0 + dt.timedelta(minutes=5) and b.failures == 2
    assert b.last_success == T0 and b.error
    shown = health_json(b)
    assert shown["state"] == "failing" and shown["next"].startswith("retries next round")
    assert last_error([a, b]).startswith(f"b: {b.error} (failing since ")

    w.services["b"].faults.clear()
    clock[0] = T0 + dt.timedelta(minutes=15)
    w.sync(now=lambda: clock[0])
    b = w.store.health("f")[1]
    assert b.ok and b.since is None and b.failures == 0 and b.error  # why it last failed
    assert b.last_failure == T0 + dt.timedelta(minutes=10)
    assert last_error(w.store.health("f")) == ""


def test_a_dry_run_records_nothing() -> None:
    w = World(("a", "b"))
    w.sync(dry_run=True)
    assert w.store.health("f") == []


def test_a_failure_that_stops_the_round_early_is_recorded_for_its_endpoint() -> None:
    w = World(("a", "b"))
    err = Transient("HTTP 503 while reading the schema", service="b")
    err.endpoint = "b"
    report = unavailable("f", w.cfg, w.store, err, now=lambda: T0)
    assert report is not None and report.unreachable == ["b"]
    (b,) = w.store.health("f")
    assert (b.endpoint, b.ok, b.since, b.error) == ("b", False, T0,
                                                    "HTTP 503 while reading the schema")
    assert unavailable("f", w.cfg, w.store, ValidationRejected("no")) is None


def test_an_endpoint_removed_while_failing_fails_no_more() -> None:
    """Its incident must end (a recovery message) and no alert on it stay on (found in
    review): the next round's record for the flow marks it answered."""
    from hub.round.health import record

    w = World(("a", "b"))
    w.services["b"].faults.inject(FaultKind.OUTAGE, count=None)
    w.sync(now=lambda: T0)
    assert not {h.endpoint: h for h in w.store.health("f")}["b"].ok
    later = T0 + dt.timedelta(minutes=5)
    record(w.store, "f", ["a"], {}, later, dt.timedelta(minutes=1))
    b = {h.endpoint: h for h in w.store.health("f")}["b"]
    assert b.ok and b.since is None and b.last_success == later


def test_a_health_record_that_cannot_be_written_leaves_the_round_as_it_ended(
        monkeypatch: Any) -> None:
    from hub.round import health

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(health, "record", broken)
    w = World(("a", "b"))
    rep = w.sync()
    assert rep.status == "ok"
    assert any("health could not be recorded" in n for n in rep.notes)
    assert w.store.runs("f")[0].status == "ok"
