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

from adapters.base import ChangeNotice, WebhookRejected, body_id, body_object

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
    entity = body_object(payload, "entity", "Notion", "entity")
    data = body_object(payload, "data", "Notion", "data")
    parent = body_object(data, "parent", "Notion", "data.parent")

    def text_id(value: object, what: str) -> str | None:  # Notion's ids are strings
        return body_id(value, "Notion", what, numbers=False)

    return [ChangeNotice(service="notion", kind=KINDS.get(str(payload.get("type")), "sync"),
                         ref=text_id(entity.get("id"), "entity.id"),
                         event_id=text_id(payload.get("id"), "id"),
                         resource=text_id(parent.get("id"), "data.parent.id"))]
