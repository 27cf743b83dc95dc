"""Watch channels and push messages from the emulator, and the adapter under Google's 403
rate limit (which carries no Retry-After: the executor must still back off)."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from googleapiclient.errors import HttpError

from adapters.base import WriteKind, WriteOp
from adapters.gcal.webhook import parse_webhook
from hub.errors import RateLimited, ValidationRejected
from hub.model import DateOnly, Item
from hub.round.calls import RetryPolicy
from hub.round.executor import Executor
from tests.adapters.gcal.conftest import GcalHarness

DAY = DateOnly(date=dt.date(2026, 12, 1))


class Receiver:
    """A web hook on 127.0.0.1 that keeps the headers (names lower-cased) of every POST."""

    def __init__(self) -> None:
        self.got: queue.Queue[dict[str, str]] = queue.Queue()
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                got.put({k.lower(): v for k, v in self.headers.items()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/gcal"

    def next(self) -> dict[str, str]:
        return self.got.get(timeout=30)  # waits for the message; nothing is timed


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _watch(h: GcalHarness, address: str, cid: str = "ch-1") -> dict[str, str]:
    a = h.adapter
    return dict(a.client.call(lambda: a.client.service.events().watch(
        calendarId="primary", body={"id": cid, "type": "web_hook", "address": address,
                                    "token": "s3cret"})))


def test_watch_sends_sync_then_a_message_per_change(harness: GcalHarness,
                                                    receiver: Receiver) -> None:
    channel = _watch(harness, receiver.address)
    assert channel["id"] == "ch-1" and channel["resourceId"] != "primary"
    assert int(channel["expiration"]) > 0
    sync = receiver.next()
    assert sync["x-goog-resource-state"] == "sync" and sync["x-goog-message-number"] == "1"
    assert sync["x-goog-channel-id"] == "ch-1" and sync["x-goog-channel-token"] == "s3cret"
    assert sync["x-goog-resource-id"] == channel["resourceId"]
    assert parse_webhook(sync, b"", "s3cret") == []  # sync: nothing to fetch

    ref = harness.user_create(Item(title="x", due=DAY))
    created = receiver.next()
    assert created["x-goog-resource-state"] == "exists"
    assert created["x-goog-message-number"] == "2"
    (notice,) = parse_webhook(created, b"", "s3cret")
    assert notice.event_id == "ch-1:2"
    harness.user_delete(ref)
    assert receiver.next()["x-goog-message-number"] == "3"  # deletes are changes too


def test_stop_ends_the_messages(harness: GcalHarness, receiver: Receiver) -> None:
    channel = _watch(harness, receiver.address)
    a = harness.adapter
    with pytest.raises(HttpError) as info:  # the resourceId must be the channel's
        a.client.service.channels().stop(body={"id": "ch-1", "resourceId": "primary"}
                                         ).execute()
    assert info.value.resp.status == 404
    a.client.call(lambda: a.client.service.channels().stop(
        body={"id": "ch-1", "resourceId": channel["resourceId"]}))
    harness.user_create(Item(title="after stop", due=DAY))
    assert harness.emu.push.sent == [("ch-1", "sync", 1)]  # nothing queued after the stop


def test_each_channel_has_its_own_numbers_and_one_resource_id(
        harness: GcalHarness, receiver: Receiver) -> None:
    one = _watch(harness, receiver.address, "ch-a")
    two = _watch(harness, receiver.address, "ch-b")
    assert one["resourceId"] == two["resourceId"]  # the same watched collection
    harness.user_create(Item(title="x", due=DAY))
    assert sorted(harness.emu.push.sent) == [("ch-a", "exists", 2), ("ch-a", "sync", 1),
                                             ("ch-b", "exists", 2), ("ch-b", "sync", 1)]
    with pytest.raises(ValidationRejected, match="not unique"):  # channel ids are unique
        _watch(harness, receiver.address, "ch-a")


def test_a_403_rate_limit_makes_the_executor_back_off(harness: GcalHarness) -> None:
    harness.emu.inject_quota_error(op="create", count=1, reason="rateLimitExceeded")
    sleeps: list[float] = []
    ex = Executor("t", store=None, adapters={"gcal": harness.adapter},  # type: ignore[arg-type]
                  retry=RetryPolicy(sleep=sleeps.append, clock=lambda: 0.0))
    made = ex.call("gcal", lambda: harness.adapter.create(
        Item(title="x", due=DAY), origin="L", idempotency_key="rl"))
    assert harness.emu.events["primary"][made.ref]["summary"] == "x"
    assert sleeps and min(sleeps) > 0  # waited before trying again
    assert ex.stats.retries == {"gcal": 1}
    assert len(harness.emu.events["primary"]) == 1


def test_a_403_rate_limit_in_a_batch_part_fails_only_that_part(harness: GcalHarness) -> None:
    harness.emu.inject_quota_error(op="create", count=1, reason="userRateLimitExceeded")
    ops = [WriteOp(WriteKind.CREATE, f"b{i}", item=Item(title=f"t{i}", due=DAY), origin=f"L{i}")
           for i in range(3)]
    results = harness.adapter.write_batch(ops)
    assert isinstance(results[0].error, RateLimited)
    assert results[0].error.retry_after == 30.0  # no Retry-After from Google: our default
    assert [r.error is None for r in results[1:]] == [True, True]
