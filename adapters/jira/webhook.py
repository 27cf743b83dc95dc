"""Jira webhooks: ``jira:issue_created|updated|deleted``. A webhook registered with a secret
is signed ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` (WebSub style);
``X-Atlassian-Webhook-Identifier`` names the delivery (the same across retries).

The signature is checked before the body is read; a signed body of the wrong shape is a 400
(never a 500), as it can only come from a broken sender."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from adapters.base import ChangeNotice, WebhookRejected, body_id, body_object

KINDS = {"jira:issue_created": "created", "jira:issue_updated": "updated",
         "jira:issue_deleted": "deleted"}


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_webhook(headers: Mapping[str, str], body: bytes, secret: str | None
                  ) -> list[ChangeNotice]:
    h = {k.lower(): v for k, v in headers.items()}
    given = h.get("x-hub-signature")
    if not secret or not given or not hmac.compare_digest(given.encode(),
                                                          signature(body, secret).encode()):
        raise WebhookRejected(401, "bad or missing X-Hub-Signature (set the same secret in "
                                   "Jira and in webhook_secret)")
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected(400, "malformed Jira webhook body: not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("webhookEvent"), str):
        raise WebhookRejected(400, "malformed Jira webhook body: no webhookEvent")
    issue = body_object(payload, "issue", "Jira", "issue")
    fields = body_object(issue, "fields", "Jira", "issue.fields")
    project = body_object(fields, "project", "Jira", "issue.fields.project")
    return [ChangeNotice(service="jira", kind=KINDS.get(payload["webhookEvent"], "sync"),
                         ref=body_id(issue.get("id"), "Jira", "issue.id"),
                         resource=body_id(project.get("key"), "Jira",
                                          "issue.fields.project.key"),
                         event_id=h.get("x-atlassian-webhook-identifier"))]
