"""Replicas take their fair share of the flows (hub.daemon.balance): the rule itself, then
three replicas over one state store (PostgreSQL when SYNCHUB_TEST_POSTGRES_URL is set, and
SQLite), each with its own connection and one shared fake wall clock, so expiry is exact
and nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.daemon.balance import Leases, fair_share, plan
from hub.store import open_store

FLOWS = [f"f{n:02d}" for n in range(10)]


def test_the_fair_share_is_the_flows_over_the_live_replicas_rounded_up() -> None:
    assert [fair_share(10, n) for n in (0, 1, 2, 3, 4)] == [10, 10, 5, 4, 3]
    assert fair_share(300, 3) == 100


def test_a_replica_under_its_share_takes_free_flows_only() -> None:
    holders = {f: "b" for f in FLOWS[:3]}
    p = plan(FLOWS, "a", holders=holders, alive=["a", "b"], held=[], running=[])
    assert p.share == 5 and len(p.take) == 5 and not p.give
    assert not set(p.take) & set(holders)  # never a flow another live lease holds


def test_a_replica_over_its_share_gives_up_idle_flows_and_never_a_running_one() -> None:
    running = set(FLOWS[:8])
    p = plan(FLOWS, "a", holders={f: "a" for f in FLOWS}, alive=["a", "b", "c"],
             held=FLOWS, running=running)
    assert p.share == 4 and not p.take
    assert set(p.give) == set(FLOWS[8:])  # 6 too many, but only 2 are between rounds
    settled = plan(FLOWS, "a", holders={f: "a" for f in FLOWS[:4]}, alive=["a", "b", "c"],
                   held=FLOWS[:4], running=[])
    assert not settled.take and not settled.give  # at its share: nothing moves


@pytest.fixture
def cluster(store_url: str) -> Iterator[Any]:
    now = [1_000_000.0]
    stores: list[Any] = []
    due: dict[str, list[str]] = {}

    def replica(name: str) -> Leases:
        s = open_store(store_url)
        s.migrate()
        s.clock = lambda: now[0]
        stores.append(s)
        due[name] = []
        return Leases(s, name, FLOWS, 30, due[name].append)

    replica.now = now  # type: ignore[attr-defined]
    replica.due = due  # type: ignore[attr-defined]
    yield replica
    for s in stores:
        s.close()


def held_by(*replicas: Leases) -> list[int]:
    return [len(r.held) for r in replicas]


def tick(*replicas: Leases) -> None:
    for r in replicas:
        r.beat()
    for r in replicas:
        r.balance()


def test_replicas_joining_one_by_one_end_with_an_even_spread(cluster: Any) -> None:
    a = cluster("a")
    tick(a)
    assert held_by(a) == [10]  # alone: every flow, each made due at once
    assert sorted(cluster.due["a"]) == FLOWS
    b, c = cluster("b"), cluster("c")
    for _ in range(3):
        tick(a, b, c)
    assert sorted(held_by(a, b, c)) in ([2, 4, 4], [3, 3, 4])
    assert max(held_by(a, b, c)) <= fair_share(10, 3)
    everyone = [f for r in (a, b, c) for f in r.held]
    assert sorted(everyone) == FLOWS  # each flow held once, none dropped
    assert a.store.lease_holders() == {f: r.me for r in (a, b, c) for f in r.held}


def test_a_running_round_keeps_its_lease_until_it_is_over(cluster: Any) -> None:
    a = cluster("a")
    tick(a)
    with a.round("f00") as allowed:
        assert allowed
        b = cluster("b")
        tick(a, b)
        tick(a, b)
        assert "f00" in a.held  # given up only between rounds
    assert held_by(a, b) == [5, 5]


def test_a_dead_replicas_flows_move_to_the_others_once_its_lease_expires(cluster: Any
                                                                          ) -> None:
    a, b, c = cluster("a"), cluster("b"), cluster("c")
    for _ in range(3):
        tick(a, b, c)
    dead = set(c.held)
    assert dead
    cluster.now[0] += 20  # c is killed: it renews nothing from now on
    tick(a, b)
    assert not dead & (a.held | b.held)  # its leases still run: nobody takes them
    cluster.now[0] += 11  # 31 s since c's last renewal, lease_seconds 30
    tick(a, b)
    tick(a, b)
    assert (a.held | b.held) == set(FLOWS) and max(held_by(a, b)) == 5
    assert dead <= set(cluster.due["a"]) | set(cluster.due["b"])  # run at once


def test_a_replica_that_leaves_is_no_longer_counted(cluster: Any) -> None:
    a, b = cluster("a"), cluster("b")
    tick(a, b)
    assert sorted(a.store.replicas_alive()) == ["a", "b"]
    b.leave()
    for f in sorted(b.held):
        b.store.release_lease(f, "b")
    tick(a)
    assert a.store.replicas_alive() == ["a"] and held_by(a) == [10]


def test_the_store_renews_in_one_go_only_what_the_holder_still_has(store: Any) -> None:
    now = [1_000_000.0]
    store.clock = lambda: now[0]
    assert store.try_lease("x", "a", 10) and store.try_lease("y", "a", 10)
    now[0] += 11  # both expired; y is taken over
    assert store.try_lease("y", "b", 10)
    assert store.renew_leases({"x", "y"}, "a", 10) == set()  # an expired lease is not renewed
    assert store.try_lease("x", "a", 10)
    assert store.renew_leases({"x", "y"}, "a", 10) == {"x"}
    assert store.lease_holders() == {"x": "a", "y": "b"}
    store.add_notice("x")
    store.add_notice("x")
    assert store.notice_marks() == {"x": 2}
