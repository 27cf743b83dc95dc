"""notion-client 3.x pointed at a configurable base URL, its own retries off (the executor
retries and honours Retry-After), and the one table from Notion errors to ours."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from hub.errors import (
    AuthError,
    Conflict,
    NotFound,
    RateLimited,
    SyncHubError,
    Transient,
    ValidationRejected,
    retry_after_seconds,
)

SERVICE = "notion"
VERSION = "2025-09-03"


def error_for(status: int, code: str | None, message: str, headers: Any = None
              ) -> SyncHubError:
    text = f"HTTP {status} {code or ''}: {message}".strip()
    if code in ("unauthorized",) or status == 401:
        return AuthError(f"{text} (check the integration token)", service=SERVICE)
    if code == "restricted_resource" or status == 403:
        return AuthError(f"{text} (share the database with the integration)", service=SERVICE)
    if code == "object_not_found" or status == 404:
        return NotFound(text, service=SERVICE)
    if code == "conflict_error" or status == 409:
        return Conflict(text, service=SERVICE)
    if status in (429, 529) or code in ("rate_limited", "service_overload"):
        retry = headers.get("retry-after") if headers is not None else None
        return RateLimited(text, retry_after=retry_after_seconds(retry, 1.0), service=SERVICE)
    if status >= 500:
        return Transient(text, service=SERVICE)
    return ValidationRejected(text, service=SERVICE)


class Pacer:
    """Client-side budget: about ``rate`` requests per second per integration."""

    def __init__(self, rate: float) -> None:
        # 5% under the limit: exactly 3/s lands a 4th request inside some 1 s window
        self.interval = 1.05 / rate if rate > 0 else 0.0
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            delay = max(0.0, self.next - now)
            self.next = max(now, self.next) + self.interval
        if delay:
            time.sleep(delay)


class NotionClient:
    def __init__(self, token: str, base_url: str = "https://api.notion.com",
                 requests_per_second: float = 3.0) -> None:
        self.http = httpx.Client(timeout=30)
        # Not `with Client(client=...)`: that would replace the injected client.
        self.sdk = Client(auth=token, base_url=base_url.rstrip("/"), notion_version=VERSION,
                          retry=False, client=self.http, log_level=logging.CRITICAL)
        self.pacer = Pacer(requests_per_second)
        self.requests = 0

    def call(self, fn: Callable[[], Any], *, write: bool = False) -> Any:
        """Run one SDK call (typed ``Any``: the SDK's sync/async union is not useful here)."""
        self.pacer.wait()
        self.requests += 1
        try:
            return fn()
        except APIResponseError as exc:
            raise error_for(exc.status, str(exc.code), str(exc), exc.headers) from None
        except HTTPResponseError as exc:
            raise error_for(exc.status, None, str(exc), exc.headers) from None
        except RequestTimeoutError:
            raise Transient("request timed out", service=SERVICE, maybe_applied=write) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise Transient(f"{type(exc).__name__}", service=SERVICE,
                            maybe_applied=write) from None

    def close(self) -> None:
        self.http.close()
