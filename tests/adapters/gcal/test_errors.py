"""What the user is told when Google refuses: a revoked token, an account that may only read a
calendar, and the three meanings of a 403 (slow down / no write access / not authorised)."""

from __future__ import annotations

import datetime as dt
import json

import google_auth_httplib2
import httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.http import HttpMockSequence

from adapters.base import EndpointContext, WriteKind, WriteOp
from adapters.gcal.adapter import GcalAdapter
from adapters.gcal.client import GcalClient, error_for
from adapters.gcal.sandbox import GcalSandbox
from hub.errors import AuthError, RateLimited
from hub.model import DateOnly, Item

ACCESS, REFRESH, SECRET = "ya29.access-SECRET-1", "1//refresh-SECRET-2", "client-SECRET-3"


def _oauth_client(sandbox: GcalSandbox) -> tuple[GcalClient, Credentials]:
    emu = sandbox.emu
    emu.require_oauth(ACCESS, REFRESH)
    creds = Credentials(token=ACCESS, refresh_token=REFRESH, token_uri=f"{emu.base_url}/token",
                        client_id="synchub.apps", client_secret=SECRET)
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=10))
    return GcalClient(emu.base_url, http, calendar="primary"), creds


def test_an_expired_access_token_is_refreshed_and_the_call_succeeds(
        sandbox: GcalSandbox) -> None:
    client, creds = _oauth_client(sandbox)
    sandbox.emu.expire_access()
    listing = client.call(lambda: client.service.events().list(calendarId="primary"))
    assert listing["kind"] == "calendar#events"
    assert creds.token != ACCESS  # a new one from the token endpoint


def test_a_token_revoked_during_a_run_is_a_plain_auth_error(sandbox: GcalSandbox) -> None:
    client, _ = _oauth_client(sandbox)
    client.call(lambda: client.service.events().list(calendarId="primary"))  # works
    sandbox.emu.revoke()
    with pytest.raises(AuthError) as info:
        client.call(lambda: client.service.events().list(calendarId="primary"))
    text = str(info.value)
    assert "revoked or expired" in text and "synchub check --probe" in text
    assert "SECRET" not in text and "SECRET" not in repr(info.value.__cause__)


def test_a_revoked_token_in_a_batch_is_the_same_auth_error(sandbox: GcalSandbox) -> None:
    client, _ = _oauth_client(sandbox)
    adapter = GcalAdapter(client, EndpointContext(name="g", flow="t"), calendar_id="primary")
    sandbox.emu.revoke()
    op = WriteOp(WriteKind.CREATE, "k", item=Item(title="x", due=DateOnly(
        date=dt.date(2026, 1, 5))), origin="L")
    with pytest.raises(AuthError, match="re-authorise"):
        adapter.write_batch([op])


def test_writing_to_a_read_only_calendar_says_so(sandbox: GcalSandbox) -> None:
    sandbox.emu.add_calendar("team@group.calendar.google.com", "Team", access_role="reader")
    client = GcalClient(sandbox.emu.base_url, calendar="team@group.calendar.google.com")
    adapter = GcalAdapter(client, EndpointContext(name="g", flow="t"),
                          calendar_id="team@group.calendar.google.com")
    item = Item(title="x", due=DateOnly(date=dt.date(2026, 1, 5)))
    with pytest.raises(AuthError) as info:
        adapter.create(item, origin="L", idempotency_key="k")
    assert "lacks write access to calendar 'team@group.calendar.google.com'" in str(info.value)
    (result,) = adapter.write_batch([WriteOp(WriteKind.CREATE, "k2", item=item, origin="M")])
    assert isinstance(result.error, AuthError) and "write access" in str(result.error)
    assert "revoked" not in str(result.error)


def _google_error(status: int, reason: str, message: str, domain: str = "global") -> bytes:
    return json.dumps({"error": {"errors": [{"domain": domain, "reason": reason,
                                             "message": message}],
                                 "code": status, "message": message}}).encode()


@pytest.mark.parametrize(("status", "reason", "kind", "words"), [
    (403, "rateLimitExceeded", RateLimited, "Rate Limit"),
    (403, "userRateLimitExceeded", RateLimited, "Rate Limit"),
    (403, "quotaExceeded", RateLimited, "Rate Limit"),
    (429, "rateLimitExceeded", RateLimited, "Rate Limit"),
    (403, "requiredAccessLevel", AuthError, "lacks write access to calendar 'primary'"),
    (403, "forbidden", AuthError, "lacks write access to calendar 'primary'"),
    (403, "forbiddenForNonOrganizer", AuthError, "lacks write access"),
    (403, "insufficientPermissions", AuthError, "lacks write access"),
    (401, "authError", AuthError, "revoked or expired"),
    (403, "accessNotConfigured", AuthError, "revoked or expired"),
])
def test_403_reasons_through_the_official_client(status: int, reason: str, kind: type,
                                                 words: str) -> None:
    """A narrow error-mapping test: the official client raises HttpError, the table maps it."""
    http = HttpMockSequence([({"status": str(status)},
                              _google_error(status, reason, "Rate Limit Exceeded"
                                            if kind is RateLimited else "Forbidden"))])
    client = GcalClient("http://127.0.0.1:9", http, calendar="primary")
    with pytest.raises(kind) as info:
        client.call(lambda: client.service.events().list(calendarId="primary"))
    assert words in str(info.value)


def test_an_oauth_style_error_body_does_not_crash_the_table() -> None:
    err = error_for(401, b'{"error": "invalid_grant"}')
    assert isinstance(err, AuthError) and "re-authorise" in str(err)
