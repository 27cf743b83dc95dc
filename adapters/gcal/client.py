"""google-api-python-client, offline: the discovery document bundled in the package, an
``api_endpoint`` pointed anywhere (the emulator in tests), its retries off (``num_retries``
stays 0; the executor retries with Retry-After), and the one error table.

A 403 means three different things at Google, told apart by ``errors[0].reason``: slow down
(``rateLimitExceeded``, ``userRateLimitExceeded``, ``quotaExceeded``), this account may not
write to this calendar (``requiredAccessLevel``, ``forbidden``, ...), or the credentials are
not accepted. Each gets its own advice; a revoked token surfaces as google-auth's
``RefreshError`` (raised while refreshing on a 401), which becomes the same plain AuthError.
Messages never carry a token."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError
from google.auth.exceptions import TransportError as GoogleAuthTransportError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from adapters.pacing import paced
from adapters.toolkit import status_error
from hub.errors import AuthError, NotFound, SyncHubError, Transient

SERVICE = "gcal"
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
#: 403 reasons that mean "this account may not change this calendar" (shared read-only, not
#: the organizer, a token authorised without write scope)
ACCESS_REASONS = {"forbidden", "requiredAccessLevel", "forbiddenForNonOrganizer",
                  "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
REAUTHORISE = ("the Google token was revoked or expired: run `synchub check --probe` / "
               "re-authorise")
ADVICE = {401: f" ({REAUTHORISE})", 403: f" ({REAUTHORISE})"}


def _grant_reason(exc: Exception) -> str:
    """`` (Google said: invalid_grant: ...)`` from a RefreshError, or nothing: its first
    argument when it is the ``code: description`` google-auth makes of the answer."""
    first = exc.args[0] if exc.args else ""
    if isinstance(first, str) and re.fullmatch(r"[a-z_]+: [^\n]{0,200}", first):
        return f" (Google said: {first})"
    return ""


class Gone(NotFound):
    """410: a sync token that expired (full sync needed) or an event already deleted."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, service=SERVICE)
        self.reason = reason


def error_for(status: int, content: bytes | str, headers: Any = None,
              calendar: str | None = None) -> SyncHubError:
    try:
        err = json.loads(content or b"{}").get("error", {})
    except ValueError:
        err = {}
    if not isinstance(err, dict):  # OAuth-style bodies: {"error": "invalid_grant", ...}
        err = {"message": str(err)}
    reasons = {str(e.get("reason")) for e in err.get("errors", []) if isinstance(e, dict)}
    msg = f"HTTP {status}: {err.get('message', '')}".rstrip(": ")
    if status == 403 and reasons & ACCESS_REASONS and not reasons & RATE_REASONS:
        where = f"calendar {calendar!r}" if calendar else "this calendar"
        return AuthError(f"{msg} (the Google account lacks write access to {where}: ask its "
                         "owner to share it with \"Make changes to events\", re-authorise "
                         "with the calendar scope, or set read_only: true on the endpoint)",
                         service=SERVICE)
    if status == 410:
        return Gone(msg, next(iter(reasons), "deleted"))
    # Google's 403 also means "slow down": the reason tells, and it is read as a 429
    meant = 429 if status == 403 and reasons & RATE_REASONS else status
    return status_error(meant, msg, service=SERVICE, advice=ADVICE,
                        retry_after=headers.get("retry-after") if headers is not None else None,
                        retry_default=30.0)


class GcalClient:
    def __init__(self, base_url: str, http: Any = None, calendar: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or httplib2.Http(timeout=30)
        self.calendar = calendar  # named in "no write access" errors
        self.service = build("calendar", "v3", http=self.http, static_discovery=True,
                             cache_discovery=False,
                             client_options={"api_endpoint": self.base_url + "/calendar/v3/"})
        self.batch_uri = self.base_url + "/batch/calendar/v3"
        self.requests = 0

    def error(self, status: int, content: bytes | str, headers: Any = None) -> SyncHubError:
        return error_for(status, content, headers, self.calendar)

    def call(self, make: Callable[[], Any], *, write: bool = False) -> Any:
        """One request (``make`` builds it: a call, or a batch whose ``calls`` say how many
        it carries), paced by the hub's budget as Google's quota counts it: a listing's
        page is one query, a batch of n calls n (:mod:`adapters.pacing`)."""
        self.requests += 1
        request = make()
        try:
            with paced(getattr(request, "calls", 1)):
                return request.execute()
        except HttpError as exc:
            raise self.error(exc.resp.status, exc.content, exc.resp) from None
        except RefreshError as exc:
            # Only the OAuth error code and its description are kept from Google's answer
            # (``invalid_grant: Invalid JWT Signature.``): they say what to do, and nothing
            # else from the token exchange belongs in a log line.
            if getattr(exc, "retryable", False):  # the token endpoint's 5xx: not revoked
                raise Transient("refreshing the Google token failed (Google's token "
                                "endpoint is unavailable)", service=SERVICE) from None
            raise AuthError(f"{REAUTHORISE}{_grant_reason(exc)}", service=SERVICE) from None
        except GoogleAuthTransportError as exc:  # refreshing failed to reach Google
            raise Transient(f"refreshing the Google token failed ({type(exc).__name__})",
                            service=SERVICE) from None
        except (httplib2.HttpLib2Error, OSError) as exc:
            raise Transient(type(exc).__name__, service=SERVICE, maybe_applied=write) from None
