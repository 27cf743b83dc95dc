"""Google's limits as the emulator holds them and the adapter uses them: 2,500 events a page,
1,000 calls a batch request, and the per-user quota (600 calls a sliding minute, each call
inside a batch counted; off unless asked for)."""

from __future__ import annotations

import datetime as dt
import uuid

import httplib2
import pytest
from googleapiclient.http import BatchHttpRequest

from adapters.base import WriteKind, WriteOp
from adapters.gcal.adapter import BATCH_MAX, PAGE, batch_size
from adapters.gcal.emu_wire import MAX_BATCH_CALLS
from hub.errors import RateLimited
from hub.model import DateOnly, Item
from tests.adapters.gcal.conftest import GcalHarness, build

DAY = {"start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}}


def _plant(harness: GcalHarness, n: int) -> None:
    for i in range(n):
        harness.emu.insert("primary", {"id": f"ev{i:05d}", "summary": str(i), **DAY})


def _creates(n: int, tag: str = "c") -> list[WriteOp]:
    return [WriteOp(WriteKind.CREATE, f"{tag}{i}", item=Item(
        title=f"t{i}", due=DateOnly(date=dt.date(2026, 12, 1))), origin=f"L{tag}{i}")
        for i in range(n)]


def test_a_listing_reads_2500_events_a_page(harness: GcalHarness) -> None:
    _plant(harness, PAGE + 1)
    harness.emu.reset_counts()
    got = harness.adapter.changes(None)
    assert len(got.items) == PAGE + 1 and got.requests == 2
    assert harness.emu.requests["GET /calendar/v3/calendars/primary/events"] == 2


def test_the_emulator_clamps_a_page_above_2500_like_google(service: object,
                                                           harness: GcalHarness) -> None:
    _plant(harness, PAGE + 1)
    page = service.events().list(calendarId="primary", maxResults=5000).execute()  # type: ignore[attr-defined]
    assert len(page["items"]) == PAGE and "nextPageToken" in page


def test_batch_size_is_the_quota_less_some_room_at_most_1000() -> None:
    assert batch_size(600) == 590  # Google's default quota
    assert batch_size(20) == 10
    assert batch_size(10_000) == BATCH_MAX == MAX_BATCH_CALLS == 1000
    assert batch_size(1) == 1


def test_a_raised_quota_sends_1000_calls_in_one_batch_request(harness: GcalHarness) -> None:
    a = build(harness.sandbox, quota_per_minute=2000)
    assert a.capabilities.batch_size == 1000
    assert a.capabilities.request_budget is not None
    assert a.capabilities.request_budget.requests == 2000
    assert a.capabilities.request_budget.batch_calls
    harness.emu.reset_counts()
    results = a.write_batch(_creates(1000))
    assert all(r.error is None for r in results)
    assert harness.emu.requests["POST /batch/calendar/v3"] == 1
    assert len(harness.emu.events["primary"]) == 1000


def test_the_default_adapter_batches_590_calls(harness: GcalHarness) -> None:
    harness.emu.reset_counts()
    assert all(r.error is None for r in harness.adapter.write_batch(_creates(591)))
    assert harness.emu.requests["POST /batch/calendar/v3"] == 2


def _raw_batch(harness: GcalHarness, parts: int) -> tuple[int, bytes]:
    boundary = "b" + uuid.uuid4().hex
    body = "".join(
        f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <x+{i}>\r\n\r\n"
        "GET /calendar/v3/calendars/primary HTTP/1.1\r\n\r\n\r\n" for i in range(parts))
    body += f"--{boundary}--\r\n"
    resp, content = httplib2.Http().request(
        harness.emu.base_url + "/batch/calendar/v3", "POST", body=body,
        headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})
    return resp.status, content


def test_the_emulator_refuses_more_than_1000_calls_in_a_batch(harness: GcalHarness) -> None:
    status, _ = _raw_batch(harness, MAX_BATCH_CALLS)
    assert status == 200
    status, content = _raw_batch(harness, MAX_BATCH_CALLS + 1)
    assert status == 400 and b"1000" in content


# -- the per-user quota ------------------------------------------------------------------------

def test_the_quota_is_off_unless_asked_for(harness: GcalHarness) -> None:
    assert harness.emu.quota is None
    _plant(harness, 3)
    for _ in range(3):
        harness.adapter.changes(None)
    assert harness.emu.quota_calls == 0


def test_over_the_quota_a_call_is_googles_403_rate_limit(service: object,
                                                         harness: GcalHarness) -> None:
    from googleapiclient.errors import HttpError

    harness.emu.set_quota(2)
    events = service.events()  # type: ignore[attr-defined]
    events.list(calendarId="primary").execute()
    events.list(calendarId="primary").execute()
    with pytest.raises(HttpError) as err:
        events.list(calendarId="primary").execute()
    assert err.value.resp.status == 403 and "retry-after" not in err.value.resp
    body = __import__("json").loads(err.value.content)["error"]
    assert body["code"] == 403 and body["message"] == "Rate Limit Exceeded"
    assert body["errors"] == [{"domain": "usageLimits", "reason": "rateLimitExceeded",
                               "message": "Rate Limit Exceeded"}]
    harness.emu.clock_offset += dt.timedelta(seconds=61)  # the sliding minute has passed
    events.list(calendarId="primary").execute()
    assert harness.emu.quota_calls == 4


def test_each_call_in_a_batch_counts_and_only_the_calls_over_it_fail(
        harness: GcalHarness) -> None:
    harness.emu.set_quota(5)
    results = harness.adapter.write_batch(_creates(8))
    errors = [r.error for r in results]
    assert errors[:5] == [None] * 5
    assert all(isinstance(e, RateLimited) for e in errors[5:])
    assert len(harness.emu.events["primary"]) == 5 and harness.emu.quota_calls == 8
    assert harness.emu.quota_refused == 3


def test_a_batch_part_over_the_quota_is_answered_like_google(harness: GcalHarness) -> None:
    harness.emu.set_quota(1)
    seen: list[object] = []
    a = harness.adapter
    batch = BatchHttpRequest(callback=lambda rid, resp, exc: seen.append(exc),
                             batch_uri=a.client.batch_uri)
    batch.add(a.events.list(calendarId="primary"))
    batch.add(a.events.list(calendarId="primary"))
    batch.execute(http=a.client.http)
    assert seen[0] is None
    exc = seen[1]
    assert exc is not None and exc.resp.status == 403  # type: ignore[attr-defined]
    assert b'"reason": "rateLimitExceeded"' in exc.content  # type: ignore[attr-defined]
    assert b'"domain": "usageLimits"' in exc.content  # type: ignore[attr-defined]


def test_a_round_paces_its_batches_by_their_calls_under_the_quota(
        harness: GcalHarness) -> None:
    """The hub's budget counts each call inside a batch as the quota does: a round of 50
    creates at a quota of 20 a minute (batches of 10) meets no 403 and takes two waits of a
    minute (fake clock: the emulator's clock moves with the hub's sleeps)."""
    from adapters.memory import MemoryAdapter, MemoryService
    from hub.config.models import EndpointConfig, FlowConfig
    from hub.round.calls import RetryPolicy
    from hub.round.engine import run_flow
    from hub.store import open_store
    from tests.round.test_budget import FakeClock

    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        harness.emu.clock_offset += dt.timedelta(seconds=seconds)

    harness.emu.set_quota(20)
    gcal = build(harness.sandbox, quota_per_minute=20)
    assert gcal.capabilities.batch_size == 10
    mem = MemoryService(name="limits")
    for i in range(50):
        mem.user_create(Item(title=f"t{i}", due=DateOnly(date=dt.date(2026, 12, 1))))
    adapters = {"mem": MemoryAdapter(mem, name="mem", fields={"title", "due"}), "gcal": gcal}
    cfg = FlowConfig(endpoints={n: EndpointConfig(connection=n) for n in adapters},
                     mass_change_limit=1.0)
    store = open_store("sqlite://:memory:")
    store.migrate()
    rep = run_flow("limits", cfg, adapters, store,
                   retry=RetryPolicy(attempts=3, sleep=sleep, clock=clock))
    assert rep.status == "ok" and harness.emu.quota_refused == 0
    assert len(harness.emu.events["primary"]) == 50
    assert harness.emu.quota_calls == 51  # the listing and 50 inserts
    assert clock.now >= 120  # 51 calls at 20 a minute: two full windows waited out
    store.close()
