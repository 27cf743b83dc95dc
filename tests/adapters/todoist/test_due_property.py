"""Due dates in all three forms plus recurrence survive Todoist exactly, both ways."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.todoist import convert
from adapters.todoist.sandbox import TodoistSandbox
from hub.model import DateOnly, FloatingDateTime, Item, ZonedDateTime, normalise_rrule
from tests.adapters.todoist.conftest import TodoistHarness
from tests.support.budget import examples

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
naive = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)
                     ).map(lambda d: d.replace(microsecond=0))
dues = st.one_of(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)).map(
        lambda d: DateOnly(date=d)),
    naive.map(lambda d: FloatingDateTime(at=d)),
    st.builds(lambda d, z: ZonedDateTime(at=d.replace(tzinfo=dt.UTC), tz=z), naive,
              st.sampled_from(ZONES)),
)
rrules = st.one_of(
    st.none(),
    st.builds(lambda f, n: f"FREQ={f}" + (f";INTERVAL={n}" if n > 1 else ""),
              st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]), st.integers(1, 6)),
    st.lists(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1,
             max_size=3, unique=True).map(lambda d: "FREQ=WEEKLY;BYDAY=" + ",".join(d)),
)


@given(dues, rrules)
def test_due_and_recurrence_round_trip_through_the_wire_format(due, rrule) -> None:  # type: ignore[no-untyped-def]
    wire = convert.write_due(due, rrule)
    assert wire is not None
    # What the service stores: the same date text, and recurring iff the string says so.
    stored = {**wire, "is_recurring": str(wire["string"]).startswith("every")}
    back, back_rrule = convert.read_due(stored)
    assert back == due
    assert back_rrule == (normalise_rrule(rrule) if rrule else None)


@pytest.fixture(scope="module")
def shared() -> Iterator[TodoistHarness]:
    sandbox = TodoistSandbox()
    harness = TodoistHarness(sandbox)
    yield harness
    harness.adapter.close()
    sandbox.stop()


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(due=dues, rrule=rrules)
def test_due_round_trips_through_the_emulator_and_the_real_client(  # type: ignore[no-untyped-def]
        shared: TodoistHarness, due, rrule) -> None:
    item = Item(title="d", due=due, recurrence=rrule)
    created = shared.adapter.create(item, origin="L", idempotency_key=uuid.uuid4().hex)
    got = shared.adapter.get(created.ref)
    assert got is not None
    assert got.item.due == due
    assert got.item.recurrence == item.recurrence
