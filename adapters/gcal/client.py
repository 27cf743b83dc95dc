"""google-api-python-client, offline: the discovery document bundled in the package, an
``api_endpoint`` pointed anywhere (the emulator in tests), its retries off (``num_retries``
stays 0; the executor retries with Retry-After), and the one error table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

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

SERVICE = "gcal"
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


class Gone(NotFound):
    """410: a sync token that expired (full sync needed) or an event already deleted."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, service=SERVICE)
        self.reason = reason


def error_for(status: int, content: bytes | str, headers: Any = None) -> SyncHubError:
    try:
        err = json.loads(content or b"{}").get("error", {})
    except ValueError:
        err = {}
    reasons = {e.get("reason") for e in err.get("errors", [])}
    msg = f"HTTP {status}: {err.get('message', '')}".rstrip(": ")
    retry = headers.get("retry-after") if headers is not None else None
    if status == 429 or (status == 403 and reasons & RATE_REASONS):
        return RateLimited(msg, retry_after=retry_after_seconds(retry, 30.0), service=SERVICE)
    if status in (401, 403):
        return AuthError(f"{msg} (the Google token may be expired or revoked: run "
                         "`synchub check --probe`)", service=SERVICE)
    if status == 404:
        return NotFound(msg, service=SERVICE)
    if status == 410:
        return Gone(msg, next(iter(reasons), "deleted"))
    if status in (409, 412):
        return Conflict(msg, service=SERVICE)
    if status >= 500:
        return Transient(msg, service=SERVICE)
    return ValidationRejected(msg, service=SERVICE)


class GcalClient:
    def __init__(self, base_url: str, http: Any = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or httplib2.Http(timeout=30)
        self.service = build("calendar", "v3", http=self.http, static_discovery=True,
                             cache_discovery=False,
                             client_options={"api_endpoint": self.base_url + "/calendar/v3/"})
        self.batch_uri = self.base_url + "/batch/calendar/v3"
        self.requests = 0

    def call(self, make: Callable[[], Any], *, write: bool = False) -> Any:
        self.requests += 1
        try:
            return make().execute()
        except HttpError as exc:
            raise error_for(exc.resp.status, exc.content, exc.resp) from None
        except (httplib2.HttpLib2Error, OSError) as exc:
            raise Transient(type(exc).__name__, service=SERVICE, maybe_applied=write) from None
