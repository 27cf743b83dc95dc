"""Notion's rate limit is per integration (token), about three requests a second: every
endpoint on one token shares one pace, and the configured rate is the declared budget."""

from __future__ import annotations

import itertools
from typing import Any

from adapters.base import EndpointContext, RequestBudget
from adapters.notion import NotionAdapterFactory, NotionConnection, NotionScope
from adapters.notion.adapter import NotionAdapter
from adapters.notion.client import budget
from adapters.notion.sandbox import NotionSandbox


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


def test_the_configured_rate_is_the_declared_budget(sandbox: NotionSandbox) -> None:
    assert budget(3) == RequestBudget(requests=3, per_seconds=1.0)
    assert budget(2.5) == RequestBudget(requests=2, per_seconds=0.8)
    assert budget(0.5) == RequestBudget(requests=1, per_seconds=2.0)
    assert _adapter(sandbox, rps=2.5).capabilities.request_budget == \
        RequestBudget(requests=2, per_seconds=0.8)
