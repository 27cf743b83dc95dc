"""Notion webhooks: the subscription handshake sends a ``verification_token`` (which the user
copies into the config as ``webhook_secret``); every later delivery is signed with
``X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body with that token>``. Payloads carry
ids only and may be aggregated or out of order: they only make a round due.

The signature is checked before the body is read. The one exception is the handshake, which
is accepted unsigned only while no secret is configured and only in its own shape; anything
else unsigned is a 401, whatever its body. A signed body of the wrong shape is a 400."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from adapters.base import ChangeNotice, WebhookRejected

log = logging.getLogger("synchub.notion")
KINDS = {"page.created": "created", "page.deleted": "deleted", "page.undeleted": "created",
         "page.properties_updated": "updated", "page.content_updated": "updated",
         "page.moved": "updated", "data_source.schema_updated": "sync"}


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


_ABSENT = object()


def _object(parent: dict[str, Any], key: str, what: str) -> dict[str, Any]:
    """``parent[key]`` when it is an object, {} when it is absent; anything else (a list,
    a string, null) is a malformed body."""
    value = parent.get(key, _ABSENT)
    if value is _ABSENT:
        return {}
    if not isinstance(value, dict):
        raise WebhookRejected(400, f"malformed Notion webhook body: {what} is not an object")
    return value


def _text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise WebhookRejected(400, f"malformed Notion webhook body: {what} is not a string")


def parse_webhook(headers: Mapping[str, str], body: bytes, secret: str | None
                  ) -> list[ChangeNotice]:
    given = {k.lower(): v for k, v in headers.items()}.get("x-notion-signature")
    if not secret:
        handshake = _json(body)
        if isinstance(handshake, dict) and isinstance(handshake.get("verification_token"), str):
            # The one unsigned request: log what the user must do, sync nothing.
            log.warning("Notion sent its webhook verification token; put it in this "
                        "connection's webhook_secret (it is shown in the Notion integration "
                        "settings too)")
            return []
        raise WebhookRejected(401, "bad or missing X-Notion-Signature (no webhook_secret "
                                   "configured for this connection)")
    if not given or not hmac.compare_digest(given.encode(), signature(body, secret).encode()):
        raise WebhookRejected(401, "bad or missing X-Notion-Signature")
    payload = _json(body)
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "malformed Notion webhook body: not a JSON object")
    entity = _object(payload, "entity", "entity")
    parent = _object(_object(payload, "data", "data"), "parent", "data.parent")
    return [ChangeNotice(service="notion", kind=KINDS.get(str(payload.get("type")), "sync"),
                         ref=_text(entity.get("id"), "entity.id"),
                         event_id=_text(payload.get("id"), "id"),
                         resource=_text(parent.get("id"), "data.parent.id"))]
