"""The settled shortcut with every real adapter (issue 17): after a sync over the emulator,
a quiet round plans no link at all, so a quiet round costs what the changes cost, not what
the state holds. Each adapter is paired with an in-memory service, with items made on both
sides (so both the copies synchub wrote and the ones it read are settled), carrying the
fields people set: priority (Jira writes "Medium" for none, Todoist holds 1), labels, a due
date or time, a description.

Before this held, the stored copies carried ``url`` (and services' own spellings) their
bases did not, so every link was planned every round."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import Adapter, EndpointContext, load_factory, sandbox_factory
from adapters.memory import MemoryAdapter, MemoryService
from hub.config.models import EndpointConfig, FlowConfig
from hub.model import DateOnly, Item, ZonedDateTime
from hub.round.engine import RoundReport, run_flow
from tests.support.memstore import MemStore

SERVICES = ("jira", "todoist", "notion", "gcal")
TODAY = dt.date(2026, 12, 7)


def _items() -> list[Item]:
    """A spread of what people set; every item has a date, so the calendar holds them all."""
    at = dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC)
    return [
        Item(title="no priority, date", due=DateOnly(date=TODAY)),
        Item(title="urgent, labelled", priority=4, labels=("ops", "q4"),
             due=DateOnly(date=TODAY + dt.timedelta(days=1))),
        Item(title="low, described", priority=1, description="Some **notes**",
             due=DateOnly(date=TODAY + dt.timedelta(days=2))),
        Item(title="timed", priority=2, due=ZonedDateTime(at=at, tz="Europe/Berlin")),
    ]


@pytest.fixture(params=SERVICES)
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Any, dict[str, Adapter],
                                                               MemoryService]]:
    name = request.param
    factory = load_factory(name)
    sb = sandbox_factory(factory).sandbox()
    real = factory.build(factory.connection_model.model_validate(sb.connection),
                         factory.scope_model.model_validate(sb.scope),
                         EndpointContext(name=name, flow="f", value_maps=sb.value_maps,
                                         options=sb.options, timezone="Europe/Berlin"))
    mem = MemoryService(name="mem")
    try:
        yield sb, {name: real, "mem": MemoryAdapter(mem, name="mem")}, mem
    finally:
        real.close()
        sb.stop()


def _round(adapters: dict[str, Adapter], store: MemStore) -> RoundReport:
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    rep = run_flow("f", cfg, adapters, store)
    assert not rep.errors, rep.errors
    return rep


def test_a_quiet_round_after_a_sync_plans_no_link(
        world: tuple[Any, dict[str, Adapter], MemoryService]) -> None:
    sb, adapters, mem = world
    for item in _items():
        sb.user_create(item.evolve(title=f"{item.title} (service)"))
        mem.user_create(item.evolve(title=f"{item.title} (memory)"))
    store = MemStore()
    first = _round(adapters, store)
    assert first.counts["create"] == 2 * len(_items())
    _round(adapters, store)  # reads back what the first round wrote (own writes listed)
    quiet = _round(adapters, store)
    assert quiet.plan is not None
    assert quiet.plan.total_links == 2 * len(_items())
    assert quiet.plan.planned == 0, [lp.link_id for lp in quiet.plan.links]
    assert quiet.counts["writes"] == 0


def test_an_edit_plans_only_its_link(
        world: tuple[Any, dict[str, Adapter], MemoryService]) -> None:
    sb, adapters, mem = world
    refs = [mem.user_create(item) for item in _items()]
    store = MemStore()
    _round(adapters, store)
    _round(adapters, store)
    mem.user_edit(refs[1], title="urgent, labelled (edited)")
    edited = _round(adapters, store)
    assert edited.plan is not None
    assert edited.plan.planned == 1
    assert edited.counts["update"] == 1
    assert "urgent, labelled (edited)" in {i.title for i in sb.items().values()}
