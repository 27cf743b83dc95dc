"""Todoist webhooks: ``X-Todoist-Hmac-SHA256`` is the base64 HMAC-SHA256 of the raw body with
the app's client secret. Deliveries may come late or twice: they only make a round due.

The signature is checked before the body is read; a signed body of the wrong shape is a 400
(never a 500), as it can only come from a broken sender."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from adapters.base import ChangeNotice, WebhookRejected, body_id

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
    if not given or not hmac.compare_digest(given.encode(), signature(body, secret).encode()):
        raise WebhookRejected(401, "bad or missing X-Todoist-Hmac-SHA256 signature")
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected(400, "malformed Todoist webhook body: not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event_name"), str):
        raise WebhookRejected(400, "malformed Todoist webhook body: no event_name")
    event = payload["event_name"]
    data = payload.get("event_data", {})
    if not isinstance(data, dict):
        raise WebhookRejected(400, "malformed Todoist webhook body: event_data is not an object")
    ref = data.get("item_id") if event.startswith("note:") else data.get("id")
    return [ChangeNotice(service="todoist", kind=KINDS.get(event, "sync"),
                         ref=body_id(ref, "Todoist", "the item id"),
                         resource=body_id(data.get("project_id"), "Todoist", "project_id"),
                         event_id=given)]
