"""The status-to-error table every service shares, and the overrides each one adds.

The design keeps one table per service from HTTP statuses to :mod:`hub.errors` (errors are
grouped by what the caller should do). Most of every table is the same, so it is written
once in :func:`status_error`:

====================  ======================================================================
401, 403              :class:`hub.errors.AuthError`
404                   :class:`hub.errors.NotFound`
409, 412              :class:`hub.errors.Conflict` (re-plan)
429                   :class:`hub.errors.RateLimited`, ``Retry-After`` read by
                      :func:`hub.errors.retry_after_seconds` (``retry_default`` without one)
5xx, no status        :class:`hub.errors.Transient`
any other 4xx         :class:`hub.errors.ValidationRejected`
====================  ======================================================================

A service's ``client.py`` passes only what differs: ``overrides`` (status -> error class:
410 is :class:`hub.errors.Fatal` where an API was removed) and ``advice`` (status -> what to
append to the message so a person knows what to do: which token to check). What no status
can tell (Google's 403 that means "slow down", Notion's error codes) is read by the service
before it asks the table.
"""

from __future__ import annotations

from collections.abc import Mapping

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

DEFAULT_TABLE: Mapping[int, type[SyncHubError]] = {
    401: AuthError, 403: AuthError, 404: NotFound, 409: Conflict, 412: Conflict,
    429: RateLimited,
}
DEFAULT_RETRY_AFTER = 60.0  # a 429 without a usable Retry-After: back off a minute


def status_error(status: int | None, message: str, *, service: str,
                 overrides: Mapping[int, type[SyncHubError]] | None = None,
                 advice: Mapping[int, str] | None = None, retry_after: str | None = None,
                 retry_default: float = DEFAULT_RETRY_AFTER) -> SyncHubError:
    """The error for an answer with ``status`` (None: no answer), worded ``message`` plus
    the service's ``advice`` for that status (appended as given: it brings its own
    separator). ``retry_after`` is the answer's ``Retry-After`` header, if any."""
    cls = (overrides or {}).get(status or 0) or DEFAULT_TABLE.get(status or 0)
    if cls is None:
        cls = Transient if status is None or status >= 500 else ValidationRejected
    text = message + (advice or {}).get(status or 0, "")
    if cls is RateLimited:
        return RateLimited(text, retry_after=retry_after_seconds(retry_after, retry_default),
                           service=service)
    return cls(text, service=service)
