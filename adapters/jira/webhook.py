"""Jira webhooks: ``jira:issue_created|updated|deleted``. A webhook registered with a secret
is signed ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` (WebSub style);
``X-Atlassian-Webhook-Identifier`` names the delivery (the same across retries)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from adapters.base import ChangeNotice, WebhookRejected

KINDS = {"jira:issue_created": "created", "jira:issue_updated": "updated",
         "jira:issue_deleted": "deleted"}


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_webhook(headers: Mapping[str, str], body: bytes, secret: str | None
                  ) -> list[ChangeNotice]:
    h = {k.lower(): v for k, v in headers.items()}
    given = h.get("x-hub-signature")
    if not secret or not given or not hmac.compare_digest(given, signature(body, secret)):
        raise WebhookRejected(401, "bad or missing X-Hub-Signature (set the same secret in "
                                   "Jira and in webhook_secret)")
    try:
        payload = json.loads(body)
        event = str(payload["webhookEvent"])
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected(400, "malformed Jira webhook body") from None
    issue = payload.get("issue") or {}
    return [ChangeNotice(service="jira", kind=KINDS.get(event, "sync"), ref=issue.get("id"),
                         resource=(issue.get("fields") or {}).get("project", {}).get("key"),
                         event_id=h.get("x-atlassian-webhook-identifier"))]
