"""notion-client 3.x pointed at a configurable base URL, its own retries off (the executor
retries and honours Retry-After), and the one table from Notion errors to ours.

Rate: Notion limits each *integration* (token) to about three requests a second, however many
endpoints use it, so every :class:`NotionClient` on one ``(base_url, token)`` shares one
:class:`Pacer` (two endpoints on one token stay under 3/s together, not 6/s). It is the only
pace: the adapter declares no ``request_budget``, so the executor does not pace the same
requests again.

Clock: the ``Date`` header of Notion's latest answer is kept as :attr:`NotionClient.server_time`;
the adapter moves its read window on in Notion's clock, so a skewed local clock cannot make it
skip changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import functools
import hashlib
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from enum import Enum
from typing import Any

import httpx
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from adapters.context import secret_id
from adapters.ratewindow import in_background
from adapters.toolkit import status_error
from hub.errors import SyncHubError, Transient

SERVICE = "notion"
VERSION = "2025-09-03"
#: Notion's error codes, read as the status whose row of the table they mean (a code says
#: more than the status: 529 and ``service_overload`` are "slow down" too)
CODE_STATUS = {"unauthorized": 401, "restricted_resource": 403, "object_not_found": 404,
               "conflict_error": 409, "rate_limited": 429, "service_overload": 429}
ADVICE = {401: " (check the integration token)",
          403: " (share the database with the integration)"}


def error_code(exc: HTTPResponseError) -> str | None:
    """Notion's error code as plain text. The SDK's ``code`` is a ``(str, Enum)``, whose
    ``str()`` is ``"APIErrorCode.ObjectNotFound"`` on Python 3.11, so the value is taken. Codes
    the SDK does not know (``service_overload``) come as its generic response error: those are
    read from the body."""
    code: Any = exc.code
    if isinstance(code, Enum):
        code = code.value
    if code == "notionhq_client_response_error":
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            body = json.loads(exc.body)
            return str(body["code"]) if isinstance(body, dict) and body.get("code") else None
        return None
    return str(code) if code else None


def error_for(status: int, code: str | None, message: str, headers: Any = None
              ) -> SyncHubError:
    text = f"HTTP {status} {code or ''}".rstrip() + f": {message}"
    meant = CODE_STATUS.get(code or "") or (429 if status == 529 else status)
    return status_error(meant, text, service=SERVICE, advice=ADVICE,
                        retry_after=headers.get("retry-after") if headers is not None else None,
                        retry_default=1.0)


class Pacer:
    """Client-side budget: about ``rate`` requests per second, in the order asked, except
    that a background request (:func:`adapters.ratewindow.background`: the comment pass's
    reads) takes only a slot nobody else has asked for: while requests are queued it waits
    and asks again, so an urgent round's or a write's request never queues behind it (it
    waits at most the one slot a background request already holds)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        # 5% under the limit: exactly 3/s lands a 4th request inside some 1 s window
        self.interval = 1.05 / rate if rate > 0 else 0.0
        self.next = 0.0
        self.lock = threading.Lock()
        self.clock, self.sleep = clock, sleep  # injectable: tests never sleep

    def slow_to(self, rate: float) -> None:
        """Two endpoints on one integration configured differently: the slower rate wins."""
        with self.lock:
            if rate > 0 and (self.rate <= 0 or rate < self.rate):
                self.rate, self.interval = rate, 1.05 / rate

    def wait(self) -> None:
        if in_background():
            self._wait_behind()
            return
        with self.lock:
            now = self.clock()
            delay = max(0.0, self.next - now)
            self.next = max(now, self.next) + self.interval
        if delay:
            self.sleep(delay)

    def _wait_behind(self) -> None:
        """A background request: a free slot now, or wait until the last one asked for is
        due and look again (whoever asked meanwhile goes first)."""
        while True:
            with self.lock:
                now = self.clock()
                if self.next <= now:
                    self.next = now + self.interval
                    return
                delay = self.next - now
            self.sleep(delay)


#: one pacer per integration while any client uses it (weak: gone with its last client)
_PACERS: weakref.WeakValueDictionary[tuple[str, str], Pacer] = weakref.WeakValueDictionary()
_PACERS_LOCK = threading.Lock()


def pacer_for(base_url: str, token: str, rate: float) -> Pacer:
    """The one pacer of an integration (keyed by a hash of the token, not the token), shared
    by every client on it: Notion's limit is per integration, not per endpoint."""
    key = (base_url.rstrip("/"), hashlib.sha256(token.encode()).hexdigest())
    with _PACERS_LOCK:
        pacer = _PACERS.get(key)
        if pacer is None:
            pacer = Pacer(rate)
            _PACERS[key] = pacer
        else:
            pacer.slow_to(rate)
        return pacer


def listed(call: Callable[[Callable[[], Any]], Any], fn: Callable[..., Any], **kwargs: Any
           ) -> list[dict[str, Any]]:
    """Every result of a listing Notion pages by ``start_cursor`` / ``has_more`` (blocks,
    comments), 100 a request, each request through ``call`` (:meth:`NotionClient.call`)."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        args = {**kwargs, "page_size": 100} | ({"start_cursor": cursor} if cursor else {})
        result = call(functools.partial(fn, **args))
        out += result["results"]
        if not result.get("has_more") or not result.get("next_cursor"):
            return out
        cursor = result["next_cursor"]


class NotionClient:
    def __init__(self, token: str, base_url: str = "https://api.notion.com",
                 requests_per_second: float = 3.0) -> None:
        self.http = httpx.Client(timeout=30, event_hooks={"response": [self._observe]})
        # Not `with Client(client=...)`: that would replace the injected client.
        self.sdk = Client(auth=token, base_url=base_url.rstrip("/"), notion_version=VERSION,
                          retry=False, client=self.http, log_level=logging.CRITICAL)
        self.requests_per_second = requests_per_second
        self.pacer = pacer_for(base_url, token, requests_per_second)
        #: the integration, as the discovery cache keys what it reads (a hash, not the token)
        self.base_url, self.account = base_url.rstrip("/"), secret_id(token)
        self.requests = 0
        #: Notion's clock, from the ``Date`` header of its latest answer (None until one came)
        self.server_time: dt.datetime | None = None

    def _observe(self, response: httpx.Response) -> None:
        value = response.headers.get("date")
        if value:
            with contextlib.suppress(TypeError, ValueError):
                when = email.utils.parsedate_to_datetime(value)
                if when.tzinfo is not None:
                    self.server_time = when.astimezone(dt.UTC)

    def call(self, fn: Callable[[], Any], *, write: bool = False) -> Any:
        """Run one SDK call (typed ``Any``: the SDK's sync/async union is not useful here)."""
        self.pacer.wait()
        self.requests += 1
        try:
            return fn()
        except HTTPResponseError as exc:  # APIResponseError and the SDK's unknown-code error
            raise error_for(exc.status, error_code(exc), str(exc), exc.headers) from None
        except RequestTimeoutError:
            raise Transient("request timed out", service=SERVICE, maybe_applied=write) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Transient(f"{type(exc).__name__}", service=SERVICE,
                            maybe_applied=write) from None

    def close(self) -> None:
        self.http.close()
