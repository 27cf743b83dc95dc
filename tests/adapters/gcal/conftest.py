"""A Google Calendar emulator on 127.0.0.1 and an adapter through google-api-python-client."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from adapters.base import EndpointContext
from adapters.gcal import GcalAdapterFactory, GcalConnection, GcalScope
from adapters.gcal.adapter import GcalAdapter
from adapters.gcal.client import GcalClient
from adapters.gcal.sandbox import GcalSandbox
from hub.model import DateOnly, Item, ZonedDateTime
from tests.contract.harness import SandboxHarness


def build(sandbox: GcalSandbox, **options: Any) -> GcalAdapter:
    return GcalAdapterFactory().build(
        GcalConnection.model_validate(sandbox.connection),
        GcalScope.model_validate(sandbox.scope),
        EndpointContext(name="gcal", flow="t", timezone="Europe/Berlin",
                        options=sandbox.options | options))


class GcalHarness(SandboxHarness):
    supports_versions = True

    ops: ClassVar[dict[str, str]] = {"changes": "list"}

    def __init__(self, sandbox: GcalSandbox) -> None:
        super().__init__(sandbox)
        self.adapter = build(sandbox)
        self.sized = "duration" in self.adapter.capabilities.fields

    def sample(self, n: int) -> Item:
        dues = [DateOnly(date=dt.date(2026, 12, 1 + n % 28)),
                ZonedDateTime(at=dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC),
                              tz="Europe/Berlin")]
        # a duration the calendar shows: whole days on an all-day event, any on a timed one
        durations = [2880 if n % 4 == 0 else None, 60 + n]
        return Item(title=f"Block {n}", description=f"about {n}", due=dues[n % 2],
                    duration=durations[n % 2] if self.sized else None,
                    recurrence="FREQ=WEEKLY;BYDAY=MO" if n % 3 == 0 else None)

    def plant_unreadable(self, title: str) -> str:
        """An all-day event on 9999-12-30: Google holds it, synchub's date range does not."""
        return str(self.emu.insert("primary", {
            "id": uuid.uuid4().hex, "summary": title,
            "start": {"date": "9999-12-30"}, "end": {"date": "9999-12-31"}})["id"])

    def edit(self, n: int) -> dict[str, Any]:
        return {"title": f"Edited {n}", "description": f"changed {n}"}


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


@pytest.fixture
def service(sandbox: GcalSandbox) -> Any:
    """googleapiclient's Calendar service against the sandbox's emulator, as a user's
    everyday tools build it."""
    return GcalClient(sandbox.emu.base_url).service
