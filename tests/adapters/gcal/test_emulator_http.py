"""The emulator's HTTP surface where clients depend on details: ETag headers, page tokens
that survive edits between pages, bad sync tokens and page sizes."""

from __future__ import annotations

import datetime as dt

import httpx

from hub.model import DateOnly, Item
from tests.adapters.gcal.conftest import GcalHarness

DAY = DateOnly(date=dt.date(2026, 12, 1))


def _events(h: GcalHarness) -> str:
    return f"{h.emu.base_url}/calendar/v3/calendars/primary/events"


def test_event_answers_carry_the_etag_header(harness: GcalHarness) -> None:
    made = httpx.post(_events(harness), json={"summary": "x", "start": {"date": "2026-12-01"},
                                              "end": {"date": "2026-12-02"}})
    assert made.headers["etag"] == made.json()["etag"]
    url = f"{_events(harness)}/{made.json()['id']}"
    got = httpx.get(url)
    assert got.headers["etag"] == got.json()["etag"] == made.json()["etag"]
    patched = httpx.patch(url, json={"summary": "y"})
    assert patched.headers["etag"] == patched.json()["etag"] != made.json()["etag"]
    put = httpx.put(url, json={"summary": "z", "start": {"date": "2026-12-01"},
                               "end": {"date": "2026-12-02"}})
    assert put.headers["etag"] == put.json()["etag"] != patched.json()["etag"]


def test_batch_parts_carry_the_etag_header_too(harness: GcalHarness) -> None:
    from googleapiclient.http import BatchHttpRequest

    ref = harness.user_create(Item(title="x", due=DAY))
    a = harness.adapter
    seen: list[object] = []
    batch = BatchHttpRequest(callback=lambda rid, resp, exc: seen.append((resp, exc)),
                             batch_uri=a.client.batch_uri)
    batch.add(a.events.get(calendarId="primary", eventId=ref))
    batch.execute(http=a.client.http)
    ((resp, exc),) = seen
    assert exc is None and resp["etag"] == harness.emu.events["primary"][ref]["etag"]
    headers = batch._responses["1"][0]  # the part's own response headers
    assert headers["etag"] == resp["etag"]
