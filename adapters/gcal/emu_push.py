"""Push notification channels for the Calendar emulator (``events.watch``, ``channels.stop``).

Google answers a watch with a Channel whose ``resourceId`` is an opaque id of the watched
collection (not the calendar id: clients must echo it to ``channels.stop``), then POSTs an
empty-bodied ``sync`` message to the channel's address, and an ``exists`` message whenever an
event of the calendar changes. Each message carries ``X-Goog-Channel-ID``,
``X-Goog-Channel-Token``, ``X-Goog-Channel-Expiration``, ``X-Goog-Resource-ID``,
``X-Goog-Resource-URI``, ``X-Goog-Resource-State`` and ``X-Goog-Message-Number`` (1 for the
sync message, then increasing). Messages leave from one worker thread, in order, and never
while the emulator holds its lock: a receiver may call the emulator back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from adapters.gcal.emu_wire import GError

log = logging.getLogger("synchub.gcal.emulator")
WEEK_MS = 7 * 24 * 3600 * 1000
API = "https://www.googleapis.com/calendar/v3"
#: the key of the calendar list's channels (``calendarList.watch``); others are calendar ids
CALENDAR_LIST = "users/me/calendarList"


@dataclass
class Channel:
    id: str
    calendar: str
    address: str
    resource_id: str
    resource_uri: str
    expiration: int  # milliseconds since the epoch
    token: str | None = None
    messages: int = 0

    def public(self) -> dict[str, Any]:
        out = {"kind": "api#channel", "id": self.id, "resourceId": self.resource_id,
               "resourceUri": self.resource_uri, "expiration": str(self.expiration)}
        return out | ({"token": self.token} if self.token is not None else {})


@dataclass
class Channels:
    """The channels of one emulator and their outgoing messages."""

    now: Callable[[], dt.datetime]
    channels: dict[str, Channel] = field(default_factory=dict)
    #: every message queued, in order: (channel id, resource state, message number)
    sent: list[tuple[str, str, int]] = field(default_factory=list)
    #: delivery outcomes: (channel id, message number, HTTP status or the error's name)
    delivered: list[tuple[str, int, int | str]] = field(default_factory=list)
    _queue: queue.Queue[tuple[str, dict[str, str]] | None] = field(
        default_factory=queue.Queue)
    _worker: threading.Thread | None = None

    @staticmethod
    def resource_id(calendar: str) -> str:
        return hashlib.sha256(f"events:{calendar}".encode()).hexdigest()[:26]

    @staticmethod
    def resource_uri(calendar: str) -> str:
        if calendar == CALENDAR_LIST:
            return f"{API}/{CALENDAR_LIST}?alt=json"
        return f"{API}/calendars/{calendar}/events?alt=json"

    def watch(self, calendar: str, body: dict[str, Any]) -> dict[str, Any]:
        """A channel on a calendar's events, or on the calendar list (:data:`CALENDAR_LIST`):
        :meth:`changed` with the same key sends its messages."""
        cid, address = body.get("id"), body.get("address")
        if not cid or not address:
            raise GError(400, "Required: id and address", "required")
        if body.get("type", "web_hook") not in ("web_hook", "webhook"):
            raise GError(400, f"Invalid value for: {body.get('type')}", "invalid")
        if cid in self.channels:
            raise GError(400, f"Channel id {cid} not unique", "channelIdNotUnique")
        now_ms = int(self.now().timestamp() * 1000)
        requested = int(body.get("expiration") or now_ms + WEEK_MS)
        ch = Channel(id=cid, calendar=calendar, address=address,
                     resource_id=self.resource_id(calendar),
                     resource_uri=self.resource_uri(calendar),
                     expiration=min(requested, now_ms + WEEK_MS), token=body.get("token"))
        self.channels[cid] = ch
        self._notify(ch, "sync")
        return ch.public()

    def stop(self, body: dict[str, Any]) -> None:
        ch = self.channels.get(body.get("id", ""))
        if ch is None or body.get("resourceId") != ch.resource_id:
            raise GError(404, f"Channel '{body.get('id')}' not found for project", "notFound")
        del self.channels[ch.id]

    def changed(self, calendar: str) -> None:
        """An event of ``calendar`` (or the calendar list) changed: an ``exists`` message to
        each live channel."""
        now_ms = int(self.now().timestamp() * 1000)
        for ch in list(self.channels.values()):
            if ch.calendar == calendar and ch.expiration > now_ms:
                self._notify(ch, "exists")

    def _notify(self, ch: Channel, state: str) -> None:
        ch.messages += 1
        headers = {"X-Goog-Channel-ID": ch.id, "X-Goog-Resource-ID": ch.resource_id,
                   "X-Goog-Resource-URI": ch.resource_uri, "X-Goog-Resource-State": state,
                   "X-Goog-Message-Number": str(ch.messages),
                   "X-Goog-Channel-Expiration": dt.datetime.fromtimestamp(
                       ch.expiration / 1000, dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")}
        if ch.token is not None:
            headers["X-Goog-Channel-Token"] = ch.token
        self.sent.append((ch.id, state, ch.messages))
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="gcal-emu-push",
                                            daemon=True)
            self._worker.start()
        self._queue.put((ch.address, headers))

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            address, headers = job
            url = urlsplit(address)
            conn_type = (http.client.HTTPSConnection if url.scheme == "https"
                         else http.client.HTTPConnection)
            key = (headers["X-Goog-Channel-ID"], int(headers["X-Goog-Message-Number"]))
            try:
                conn = conn_type(url.hostname or "127.0.0.1", url.port, timeout=10)
                conn.request("POST", url.path or "/", body=b"",
                             headers=headers | {"Content-Length": "0"})
                status: int | str = conn.getresponse().status
                conn.close()
            except OSError as exc:  # a receiver that is down: Google would retry later
                status = type(exc).__name__
                log.info("push to %s failed: %s", address, status)
            self.delivered.append((*key, status))

    def close(self) -> None:
        if self._worker is not None:
            self._queue.put(None)
