"""Notion webhooks: the subscription handshake sends a ``verification_token`` (which the user
copies into the config as ``webhook_secret``); every later delivery is signed with
``X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body with that token>``. Payloads carry
ids only and may be aggregated or out of order: they only make a round due."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping

from adapters.base import ChangeNotice, WebhookRejected

log = logging.getLogger("synchub.notion")
KINDS = {"page.created": "created", "page.deleted": "deleted", "page.undeleted": "created",
         "page.properties_updated": "updated", "page.content_updated": "updated",
         "page.moved": "updated", "data_source.schema_updated": "sync"}


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_webhook(headers: Mapping[str, str], body: bytes, secret: str | None
                  ) -> list[ChangeNotice]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected(400, "malformed Notion webhook body") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "malformed Notion webhook body")
    if "verification_token" in payload and secret is None:
        # The one unsigned request: log what the user must do, sync nothing.
        log.warning("Notion sent its webhook verification token; put it in this connection's "
                    "webhook_secret (it is shown in the Notion integration settings too)")
        return []
    given = {k.lower(): v for k, v in headers.items()}.get("x-notion-signature")
    if not secret or not given or not hmac.compare_digest(given, signature(body, secret)):
        raise WebhookRejected(401, "bad or missing X-Notion-Signature")
    entity = payload.get("entity") or {}
    return [ChangeNotice(service="notion", kind=KINDS.get(str(payload.get("type")), "sync"),
                         ref=entity.get("id"), event_id=payload.get("id"),
                         resource=(payload.get("data") or {}).get("parent", {}).get("id"))]
