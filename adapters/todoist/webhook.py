"""Todoist webhooks: ``X-Todoist-Hmac-SHA256`` is the base64 HMAC-SHA256 of the raw body with
the app's client secret. Deliveries may come late or twice: they only make a round due."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from adapters.base import ChangeNotice, WebhookRejected

KINDS = {"item:added": "created", "item:updated": "updated", "item:deleted": "deleted",
         "item:completed": "updated", "item:uncompleted": "updated",
         "note:added": "updated", "note:updated": "updated"}


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def parse_webhook(headers: Mapping[str, str], body: bytes, secret: str | None
                  ) -> list[ChangeNotice]:
    given = {k.lower(): v for k, v in headers.items()}.get("x-todoist-hmac-sha256")
    if not secret:
        raise WebhookRejected(401, "no webhook_secret configured for this connection")
    if not given or not hmac.compare_digest(given, signature(body, secret)):
        raise WebhookRejected(401, "bad or missing X-Todoist-Hmac-SHA256 signature")
    try:
        payload = json.loads(body)
        event = str(payload["event_name"])
        data = payload.get("event_data") or {}
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected(400, "malformed Todoist webhook body") from None
    ref = data.get("item_id") if event.startswith("note:") else data.get("id")
    return [ChangeNotice(service="todoist", kind=KINDS.get(event, "sync"),
                         ref=str(ref) if ref is not None else None,
                         resource=data.get("project_id"),
                         event_id=given)]
