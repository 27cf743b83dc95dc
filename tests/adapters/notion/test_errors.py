"""Notion's error codes mapped to ours, over HTTP from the emulator through notion-client.

notion-client's ``code`` is a ``(str, Enum)``: on Python 3.11 its ``str()`` is
``"APIErrorCode.ObjectNotFound"``, which once made every code comparison fail. These tests
check the class *and* the code in the message for each error Notion documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from adapters.faults import FaultKind
from adapters.notion.client import NotionClient, error_for
from adapters.notion.sandbox import NotionSandbox
from hub.errors import AuthError, Conflict, NotFound, RateLimited, Transient, ValidationRejected


@pytest.fixture
def client(sandbox: NotionSandbox) -> Iterator[NotionClient]:
    c = NotionClient(sandbox.emu.token, sandbox.emu.base_url, 1000)
    yield c
    c.close()


def _page(client: NotionClient, page_id: str) -> object:
    return client.call(lambda: client.sdk.pages.retrieve(page_id=page_id))


def test_validation_error(sandbox: NotionSandbox, client: NotionClient) -> None:
    with pytest.raises(ValidationRejected) as info:
        client.call(lambda: client.sdk.pages.create(
            parent={"type": "data_source_id", "data_source_id": sandbox.ds},
            properties={"No such property": {"rich_text": []}}))
    assert info.value.message.startswith("HTTP 400 validation_error: ")
    assert "No such property" in info.value.message


def test_object_not_found(client: NotionClient) -> None:
    with pytest.raises(NotFound) as info:
        _page(client, str(uuid.uuid4()))
    assert info.value.message.startswith("HTTP 404 object_not_found: Could not find page")


def test_unauthorized(sandbox: NotionSandbox) -> None:
    bad = NotionClient("secret-wrong", sandbox.emu.base_url, 1000)
    try:
        with pytest.raises(AuthError) as info:
            bad.call(lambda: bad.sdk.users.me())
    finally:
        bad.close()
    assert info.value.message.startswith("HTTP 401 unauthorized: ")
    assert "check the integration token" in info.value.message


def test_restricted_resource(sandbox: NotionSandbox, client: NotionClient) -> None:
    sandbox.emu.allow_schema_edits = False
    with pytest.raises(AuthError) as info:
        client.call(lambda: client.sdk.data_sources.update(
            data_source_id=sandbox.ds, properties={"X": {"rich_text": {}}}))
    assert info.value.message.startswith("HTTP 403 restricted_resource: ")


def test_rate_limited_carries_retry_after(sandbox: NotionSandbox, client: NotionClient) -> None:
    sandbox.emu.faults.inject(FaultKind.RATE_LIMIT, retry_after=7)
    with pytest.raises(RateLimited) as info:
        client.call(lambda: client.sdk.users.me())
    assert info.value.retry_after == 7
    assert info.value.message.startswith("HTTP 429 rate_limited: ")


def test_service_overload_529_is_a_rate_limit_with_retry_after(
        sandbox: NotionSandbox, client: NotionClient) -> None:
    """notion-client does not know ``service_overload``: the code is read from the body."""
    sandbox.emu.retry_after = 5
    sandbox.emu.faults.inject(FaultKind.SERVER_ERROR, status=529)
    with pytest.raises(RateLimited) as info:
        client.call(lambda: client.sdk.users.me())
    assert info.value.retry_after == 5
    assert info.value.message.startswith("HTTP 529 service_overload: ")


def test_conflict_error(sandbox: NotionSandbox, client: NotionClient) -> None:
    sandbox.emu.faults.inject(FaultKind.SERVER_ERROR, status=409)
    with pytest.raises(Conflict) as info:
        client.call(lambda: client.sdk.users.me())
    assert info.value.message.startswith("HTTP 409 conflict_error: ")


def test_service_unavailable_is_transient(sandbox: NotionSandbox, client: NotionClient) -> None:
    sandbox.emu.faults.inject(FaultKind.SERVER_ERROR, status=503)
    with pytest.raises(Transient) as info:
        client.call(lambda: client.sdk.users.me())
    assert info.value.message.startswith("HTTP 503 service_unavailable: ")


def test_malformed_id_is_a_validation_error_as_in_notion(client: NotionClient) -> None:
    with pytest.raises(ValidationRejected) as info:
        _page(client, "nope")
    assert info.value.message.startswith("HTTP 400 validation_error: path failed validation: "
                                         "path.page_id should be a valid uuid")


def test_error_table_without_a_code() -> None:
    """What a proxy might answer (no Notion body): the status alone decides."""
    headers = httpx.Headers({"retry-after": "3"})
    assert isinstance(error_for(529, None, "busy", headers), RateLimited)
    assert error_for(529, None, "busy", headers).retry_after == 3  # type: ignore[attr-defined]
    assert isinstance(error_for(502, None, "bad gateway"), Transient)
    assert error_for(502, None, "bad gateway").message == "HTTP 502: bad gateway"
