"""A Google Calendar emulator on 127.0.0.1 and an adapter through google-api-python-client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.faults import FaultKind
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.adapter import GcalAdapter
from adapters.gcal.sandbox import GcalSandbox
from hub.model import DateOnly, Item, ZonedDateTime


def build(sandbox: GcalSandbox, **options: Any) -> GcalAdapter:
    return GcalAdapterFactory().build(
        GcalConnection.model_validate(sandbox.connection),
        GcalScope.model_validate(sandbox.scope),
        EndpointContext(name="gcal", flow="t", timezone="Europe/Berlin",
                        options=sandbox.options | options))


class GcalHarness:
    supports_versions = True

    def __init__(self, sandbox: GcalSandbox) -> None:
        self.sandbox = sandbox
        self.emu = sandbox.emu
        self.adapter = build(sandbox)

    def sample(self, n: int) -> Item:
        dues = [DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                              tz="Europe/Berlin")]
        return Item(title=f"Block {n}", description=f"about {n}", due=dues[n % 2],
                    recurrence="FREQ=WEEKLY;BYDAY=MO" if n % 3 == 0 else None)

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "description": f"changed {n}"}

    def user_create(self, item: Item) -> str:
        return self.sandbox.user_create(item)

    def user_edit(self, ref: str, **changes: Any) -> None:
        self.sandbox.user_edit(ref, **changes)

    def user_delete(self, ref: str) -> None:
        self.sandbox.user_delete(ref)

    def inject(self, kind: FaultKind, op: str = "*", count: int | None = 1,
               retry_after: float = 1.0) -> None:
        op = {"changes": "list"}.get(op, op)
        self.emu.faults.inject(kind, op=op, count=count, retry_after=retry_after)


@pytest.fixture
def sandbox() -> Iterator[GcalSandbox]:
    s = GcalSandbox()
    yield s
    s.stop()


@pytest.fixture
def harness(sandbox: GcalSandbox) -> Iterator[GcalHarness]:
    h = GcalHarness(sandbox)
    yield h
    h.adapter.close()
