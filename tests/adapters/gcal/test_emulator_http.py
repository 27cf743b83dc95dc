"""The emulator's HTTP surface where clients depend on details: ETag headers, page tokens
that survive edits between pages, bad sync tokens and page sizes."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

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


def _page(h: GcalHarness, **params: object) -> dict[str, object]:
    a = h.adapter
    return dict(a.client.call(lambda: a.events.list(calendarId="primary", **params)))


def test_an_edit_between_pages_neither_skips_nor_loses_an_event(harness: GcalHarness) -> None:
    refs = [harness.user_create(Item(title=f"e{i}", due=DAY)) for i in range(5)]
    first = _page(harness, maxResults=2)
    harness.user_edit(refs[0], title="e0 edited")  # moves to the end of the change order
    seen = [e["id"] for e in first["items"]]  # type: ignore[union-attr]
    token = first["nextPageToken"]
    while True:
        page = _page(harness, maxResults=2, pageToken=token)
        seen += [e["id"] for e in page["items"]]  # type: ignore[union-attr]
        if "nextPageToken" not in page:
            break
        token = page["nextPageToken"]
    assert seen == refs  # every event once, in the first page's order
    later = _page(harness, syncToken=page["nextSyncToken"])
    assert [(e["id"], e["summary"]) for e in later["items"]] == [  # type: ignore[union-attr]
        (refs[0], "e0 edited")]  # the edit after the snapshot comes with the next token


def test_a_garbage_sync_token_is_410_full_sync_required(harness: GcalHarness) -> None:
    for token in ("garbage", "st", "st99999999"):
        r = httpx.get(_events(harness), params={"syncToken": token})
        assert r.status_code == 410, token
        assert r.json()["error"]["errors"][0]["reason"] == "fullSyncRequired"
    harness.user_create(Item(title="x", due=DAY))
    got = harness.adapter.changes('{"t": "garbage"}')  # the adapter lists everything again
    assert [r.item.title for r in got.items] == ["x"]


def test_bad_page_sizes_and_tokens_are_400(harness: GcalHarness) -> None:
    for size in ("0", "-1", "abc"):
        r = httpx.get(_events(harness), params={"maxResults": size})
        assert r.status_code == 400 and r.json()["error"]["errors"][0]["reason"] == "invalid"
    r = httpx.get(_events(harness), params={"pageToken": "not-a-token"})
    assert r.status_code == 400
    ok = httpx.get(_events(harness), params={"maxResults": "100000"})
    assert ok.status_code == 200  # capped at 2,500, as at Google



def _not_found(base: str, method: str, path: str) -> None:
    resp = httpx.request(method, base + path)
    assert resp.status_code == 404, (method, path)
    assert resp.json()["error"]["errors"][0]["reason"] == "notFound"


def test_a_method_a_path_lacks_is_googles_404(harness: GcalHarness) -> None:
    """The route table (adapters/gcal/emu_routes.py): a known path under a method it lacks
    is Google's 404 with its error body."""
    base = f"{harness.emu.base_url}/calendar/v3"
    _not_found(base, "DELETE", "/calendars/primary/events")
    _not_found(base, "GET", "/calendars/primary/events/abcde/move")


@pytest.mark.nonconforming("asks for paths the Calendar API does not have, on purpose")
def test_a_path_the_api_lacks_is_googles_404(harness: GcalHarness) -> None:
    base = f"{harness.emu.base_url}/calendar/v3"
    _not_found(base, "GET", "/calendars/primary/nothing")
    _not_found(base, "GET", "/nothing")
