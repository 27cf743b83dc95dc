"""Notion's rate limit is per integration (token), about three requests a second: every
endpoint on one token shares one pace, and that pace is the only one (the executor adds no
request budget of its own)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.adapter import NotionAdapter
from adapters.notion.sandbox import NotionSandbox
from hub.model import Item
from hub.round.calls import RetryPolicy
from hub.round.executor import Executor
from tests.support.memstore import MemStore


def _adapter(sandbox: NotionSandbox, token: str | None = None, rps: float = 3.0,
             name: str = "n") -> NotionAdapter:
    conn = NotionConnection(token=token or sandbox.emu.token,  # type: ignore[arg-type]
                            base_url=sandbox.emu.base_url, requests_per_second=rps)
    return NotionAdapterFactory().build(conn, NotionScope(database_id=sandbox.db),
                                        EndpointContext(name=name, flow="t"))


def test_two_endpoints_on_one_token_stay_under_three_a_second(sandbox: NotionSandbox) -> None:
    a, b = _adapter(sandbox, name="a"), _adapter(sandbox, name="b")
    assert a.client.pacer is b.client.pacer
    assert _adapter(sandbox, token="secret-other").client.pacer is not a.client.pacer
    now = [1000.0]  # a fake clock: the pacer's sleeps move it on
    pacer = a.client.pacer
    pacer.clock, pacer.sleep, pacer.next = (lambda: now[0]), (
        lambda s: now.__setitem__(0, now[0] + s)), 0.0
    sent: list[float] = []

    def me(adapter: NotionAdapter) -> Any:
        sent.append(now[0])
        return adapter.client.sdk.users.me()
    for adapter in itertools.islice(itertools.cycle([a, b]), 12):
        adapter.client.call(lambda adapter=adapter: me(adapter))  # type: ignore[misc]
    # Any four consecutive requests of the integration span more than a second.
    assert all(later - first > 1.0 for first, later in zip(sent, sent[3:], strict=False))
    assert sandbox.emu.total_requests >= 12


def test_the_slower_configured_rate_wins_on_a_shared_token(sandbox: NotionSandbox) -> None:
    fast = _adapter(sandbox, rps=3.0)
    slow = _adapter(sandbox, rps=1.5)
    assert fast.client.pacer is slow.client.pacer and slow.client.pacer.rate == 1.5


def test_a_burst_of_writes_is_paced_once(sandbox: NotionSandbox) -> None:
    """The integration's pacer spaces every request; the executor does not pace them again
    (its own budget paused the fourth write of a burst, then the pacer paused it once more)."""
    a = _adapter(sandbox, rps=3.0)
    a.map, a._users()  # the schema and the people are read before the burst
    now = [1000.0]  # a fake clock for the pacer and the executor: sleeping moves it on
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    pacer = a.client.pacer
    pacer.clock, pacer.sleep, pacer.next = (lambda: now[0]), sleep, 0.0  # idle
    ex = Executor("f", MemStore(), {"notion": a},  # type: ignore[arg-type]
                  retry=RetryPolicy(sleep=sleep, clock=lambda: now[0]))
    before = a.client.requests
    for n in range(10):
        ex.call("notion", lambda n=n: a.create(  # type: ignore[misc]
            Item(title=f"task {n}"), origin=f"L{n}", idempotency_key=f"k{n}"))
    assert a.client.requests - before == 10 and len(sandbox.emu.pages) == 10
    # One pause before each request but the first, each one the pacer's interval.
    assert pauses == pytest.approx([pacer.interval] * 9)
    assert ex.stats.rate_limit_waits == []


def test_the_probe_keeps_the_integrations_configured_pace(sandbox: NotionSandbox) -> None:
    """`synchub check --probe` signs in, then verifies each endpoint on the same pacer: the
    probe's client once took the default 3/s and slowed every endpoint of a faster-configured
    integration for as long as they shared it."""
    a = _adapter(sandbox, rps=50)
    conn = NotionConnection(token=sandbox.emu.token,  # type: ignore[arg-type]
                            base_url=sandbox.emu.base_url, requests_per_second=50)
    assert "token accepted" in NotionAdapterFactory().probe(conn)
    assert a.client.pacer.rate == 50
