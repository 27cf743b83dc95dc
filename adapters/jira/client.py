"""The official ``jira`` client (REST API v3, Cloud code path) and the one error table.

The client's own retries are off (``max_retries=0``): it under-waits a long Retry-After, and
the executor already retries, honouring it in full.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Callable
from typing import Any

import requests
from jira import JIRA, JIRAError

from adapters.toolkit import status_error
from hub.errors import Fatal, SyncHubError, Transient

SERVICE = "jira"


#: Jira's part of the one status table (:func:`adapters.toolkit.status_error` has the shared
#: rest: auth, not found, conflict, Retry-After, transient, rejected).
OVERRIDES: dict[int, type[SyncHubError]] = {410: Fatal}
_CREDENTIALS = " (check the e-mail and API token, and project permissions)"
ADVICE = {401: _CREDENTIALS, 403: _CREDENTIALS,
          410: ": this Jira endpoint was removed: update synchub"}
#: what Jira Cloud's /serverInfo reports as ``versionNumbers`` (the client compares it for
#: Server-only features, none of which Cloud uses)
CLOUD_VERSION = (1001, 0, 0)
DEFAULT_RETRY_AFTER = 60.0  # Jira's 429 without a usable Retry-After: back off a minute


def _retry_after(headers: Any) -> str | None:
    """The wait a 429 asks for: ``Retry-After`` (seconds), else the seconds until
    ``X-RateLimit-Reset`` (``yyyy-MM-ddTHH:mmZ``, Jira's request time plus the wait)."""
    if headers is None:
        return None
    if headers.get("Retry-After"):
        return str(headers.get("Retry-After"))
    reset = headers.get("X-RateLimit-Reset")
    try:
        at = dt.datetime.strptime(str(reset), "%Y-%m-%dT%H:%MZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return str(max(1, round((at - dt.datetime.now(dt.UTC)).total_seconds())))


def error_for(status: int | None, text: str, headers: Any = None) -> SyncHubError:
    try:
        body = json.loads(text or "{}")
        detail = "; ".join([*body.get("errorMessages", []),
                            *(f"{k}: {v}" for k, v in (body.get("errors") or {}).items())])
    except (ValueError, AttributeError):
        detail = (text or "")[:200]
    msg = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    return status_error(status, msg, service=SERVICE, overrides=OVERRIDES, advice=ADVICE,
                        retry_after=_retry_after(headers), retry_default=DEFAULT_RETRY_AFTER)


#: how far Jira's clock may be from ours before its Date header is not believed
CLOCK_TRUST = dt.timedelta(hours=12)
_DATE = re.compile(r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


def server_clock(header: str, local: dt.datetime) -> dt.datetime | None:
    """Jira's clock from a ``Date`` header, or None when the header cannot be trusted: a
    proxy that adds a second one (requests joins them with ", ", which the e-mail parser
    reads as a date without a zone, taken as local time: hours off), two that disagree, a
    malformed one, or one further than :data:`CLOCK_TRUST` from ours (a 1970 or 2099 clock
    would stall or skip the search window). None makes the window move by the issues'
    own ``updated`` times, which is always safe."""
    found = {email.utils.parsedate_to_datetime(d) for d in _DATE.findall(header)}
    if len(found) != 1:
        return None
    (clock,) = found
    if clock.tzinfo is None or abs(clock - local) > CLOCK_TRUST:
        return None
    return clock


class JiraClient:
    def __init__(self, url: str, email: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.email = email  # the account, as the discovery cache keys it (never the token)
        self.requests = 0  # HTTP requests made (every page of a search counts)
        #: Jira's own clock, from the ``Date`` header of its latest answer: the search window
        #: moves on in Jira's time, so our clock's skew cannot make it skip changes.
        self.server_time: dt.datetime | None = None
        # No request here: building the hub must not fail because Jira is down (the first
        # request is made inside a listing, read or write, where a failure is this
        # endpoint's error alone). The client would ask /serverInfo which deployment it
        # talks to; synchub speaks to Jira Cloud only, so it is told: the Cloud code path
        # (enhanced_search_issues, accountIds) is what the adapter relies on.
        self.jira = self.call(lambda: JIRA(
            server=self.url, basic_auth=(email, token), max_retries=0, timeout=30,
            get_server_info=False,
            options={"rest_api_version": "3", "check_update": False}))
        self.jira.deploymentType = "Cloud"
        self.jira._version = CLOUD_VERSION
        self.jira._session.hooks["response"].append(self._observe)

    def _observe(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.requests += 1
        with_date = resp.headers.get("Date")
        if with_date:
            self.server_time = server_clock(with_date, dt.datetime.now(dt.UTC))

    def call(self, fn: Callable[[], Any], *, write: bool = False) -> Any:
        try:
            return fn()
        except JIRAError as exc:
            headers = exc.response.headers if exc.response is not None else None
            raise error_for(exc.status_code, exc.text or "", headers) from None
        except requests.exceptions.RequestException as exc:
            raise Transient(type(exc).__name__, service=SERVICE, maybe_applied=write) from None

    def raw(self, method: str, path: str, body: Any = None, *, write: bool = False,
            agile: bool = False) -> Any:
        """A REST call through the client's own session (auth, headers, error mapping) for
        what it has no method for (create with entity properties, field edits by id);
        ``agile``: of the agile API (``/rest/agile/1.0``), not the platform's."""
        session = self.jira._session
        url = self.jira._get_url(path, self.jira.AGILE_BASE_URL) if agile else \
            self.jira._get_url(path)
        data = json.dumps(body) if body is not None else None

        def go() -> Any:
            resp = session.request(method, url, data=data)
            return resp.json() if resp.content else None
        return self.call(go, write=write)

    def bulk_create(self, updates: list[dict[str, Any]]) -> dict[str, Any]:
        """``POST /issue/bulk``: ``{"issues": [...], "errors": [...]}``, the answer both to a
        201 (some created) and to Jira's 400 when every element was refused (each element's
        error is in ``errors``, by ``failedElementNumber``); any other failure raised."""
        session = self.jira._session
        url = self.jira._get_url("issue/bulk")
        data = json.dumps({"issueUpdates": updates})

        def go() -> Any:
            try:
                resp = session.post(url, data=data)
            except JIRAError as exc:
                answer = _bulk_refusal(exc)
                if answer is None:
                    raise
                return answer
            return resp.json()
        return dict(self.call(go, write=True))


def _bulk_refusal(exc: JIRAError) -> dict[str, Any] | None:
    """A bulk create's 400 that refuses each element by itself (not the request)."""
    if exc.status_code != 400 or exc.response is None:
        return None
    try:
        body = json.loads(exc.response.text or "")
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return body
    return None
