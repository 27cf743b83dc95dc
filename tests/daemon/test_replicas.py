"""The daemon beside other writers and other replicas (P13): it waits for a manual sync
instead of writing beside it, never plans against links another process changed, keeps its
lease through a long round, and hands webhook notices to the replica that runs the flow.

Two daemons in one process stand for two replicas (each with its own store connection and
replica name); the memory services are shared through the adapter registry."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from adapters.base import ChangeNotice
from adapters.memory import get_service
from hub.daemon.service import Daemon
from hub.daemon.web import create_app
from hub.model import Item
from hub.round.engine import run_flow
from hub.runtime import open_runtime
from tests.support.daemon_config import write_memory_config


def write_config(tmp_path: Path, state_url: str, tag: str, *, writer_wait: str = "0.3s",
                 lease: int = 30) -> Path:
    return write_memory_config(tmp_path / f"synchub-{uuid.uuid4().hex[:6]}.yaml", tag,
                               state=f'url: "{state_url}", writer_wait: {writer_wait}',
                               daemon=f"lease_seconds: {lease}", interval="1h")


@pytest.fixture
def replicas(tmp_path: Path, store_url: str) -> Iterator[Any]:
    made: list[Daemon] = []
    tag = uuid.uuid4().hex[:8]

    def make(name: str, **kw: Any) -> Daemon:
        d = Daemon(open_runtime(str(write_config(tmp_path, store_url, tag, **kw))))
        d.replica = name
        made.append(d)
        return d

    make.tag = tag  # type: ignore[attr-defined]
    yield make
    for d in made:
        d.rt.close()


def titles(service: str) -> list[str]:
    return sorted(i.title for i in get_service(service).live().values())


def test_a_round_waits_for_a_manual_sync_and_then_skips_writing_nothing(replicas: Any
                                                                         ) -> None:
    daemon = replicas("r1")
    get_service(f"a-{replicas.tag}").user_create(Item(title="new"))
    cli = open_runtime(str(write_config(Path(daemon.rt.loaded.path).parent,
                                        daemon.rt.store.url, replicas.tag)))
    try:
        with cli.store.writer("work", "synchub sync, pid 1 on test", wait=0):
            assert daemon.run_round("work") == "busy"
            assert titles(f"b-{replicas.tag}") == []  # the daemon wrote nothing beside it
        assert daemon.run_round("work") == "ok"
        assert titles(f"b-{replicas.tag}") == ["new"]
    finally:
        cli.close()


def test_a_daemon_never_plans_against_links_another_process_changed(replicas: Any) -> None:
    """The daemon caches links; a `synchub sync` beside it links new items; the daemon's next
    round must see those links (the store-level check of the cache is in
    tests/store/test_processes.py), and nothing is duplicated."""
    daemon = replicas("r1")
    a, b = f"a-{replicas.tag}", f"b-{replicas.tag}"
    get_service(a).user_create(Item(title="first"))
    assert daemon.run_round("work") == "ok"  # its cache now holds one link
    cli = open_runtime(str(write_config(Path(daemon.rt.loaded.path).parent,
                                        daemon.rt.store.url, replicas.tag)))
    try:
        for n in range(5):
            get_service(a).user_create(Item(title=f"typed {n}"))
        with cli.store.writer("work", "synchub sync", wait=0):
            report = run_flow("work", cli.config.flows["work"], cli.adapters("work"), cli.store)
        assert report.status == "ok"
    finally:
        cli.close()
    get_service(b).user_create(Item(title="later"))
    assert daemon.run_round("work") == "ok"
    assert titles(b) == sorted(["first", "later", *(f"typed {n}" for n in range(5))])
    assert titles(a) == titles(b)  # no duplicate anywhere


def test_a_lease_is_renewed_during_a_long_round_and_taken_over_after_a_dead_holder(
        replicas: Any) -> None:
    one, two = replicas("r1", lease=3), replicas("r2", lease=3)
    now = [1_000_000.0]
    for d in (one, two):
        d.rt.store.clock = lambda: now[0]
    assert one.run_round("work") == "ok"
    now[0] += 2.0
    one.renew_leases()  # the heartbeat, while a round would still be running
    now[0] += 2.0  # past the first expiry: without renewal, two would take it now
    assert two.run_round("work") == "leased elsewhere"
    now[0] += 1.5  # one died: nobody renews; three seconds after the last renewal...
    assert two.run_round("work") == "ok"  # ... the flow moves on (take-over = lease_seconds)
    assert "work" in two.leased


def test_a_notice_accepted_by_another_replica_reaches_the_one_that_runs_the_flow(
        replicas: Any) -> None:
    holder, other = replicas("r1"), replicas("r2")
    assert holder.run_round("work") == "ok"
    assert other.run_round("work") == "leased elsewhere"
    holder.poll_notices()  # learns the current marks
    fs = holder.scheduler.flows["work"]
    holder.scheduler.finished("work", "ok")  # next round an hour away
    due_before = fs.next_due
    other.notice("work")  # the webhook reached the replica that does not hold the flow
    holder.poll_notices()
    assert fs.next_due < due_before and fs.next_due <= holder.scheduler.clock()
    # and a notice already acted on is not replayed
    holder.scheduler.finished("work", "ok")
    holder.poll_notices()
    assert fs.next_due > holder.scheduler.clock()


def test_the_webhook_route_records_the_notice_for_every_replica(replicas: Any) -> None:
    d = replicas("r1")
    state = d.web_state()
    state.parsers = {"a": ("memory", lambda headers, body: [ChangeNotice("memory", "sync")])}
    state.flows_by_connection = {"a": ["work"]}
    before = d.store.notice_mark("work")
    with TestClient(create_app(state), base_url="http://127.0.0.1") as client:
        assert client.post("/webhooks/a", content=b"{}").status_code == 200
    assert d.store.notice_mark("work") == before + 1


def test_status_json_names_items_set_aside(replicas: Any) -> None:
    d = replicas("r1")
    svc = get_service(f"a-{replicas.tag}")
    ref = svc.user_create(Item(title="odd"))
    svc.poison(ref, "date 9999-12-31 is out of range")
    assert d.run_round("work") == "partial"
    with TestClient(create_app(d.web_state()), base_url="http://127.0.0.1") as client:
        [row] = client.get("/status.json").json()
        page = client.get("/").text
    [aside] = row["set_aside"]
    assert (aside["service"], aside["id"], aside["title"]) == ("x", ref, "odd")
    assert "9999-12-31" in aside["problem"]
    assert "Set aside" in page and "9999-12-31" in page
