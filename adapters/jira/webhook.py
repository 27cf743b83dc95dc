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
from typing import Any

from adapters.base import ChangeNotice, WebhookRejected

KINDS = {"jira:issue_created": "created", "jira:issue_updated": "updated",
         "jira:issue_deleted": "deleted"}


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


_ABSENT = object()


def _object(parent: dict[str, Any], key: str, what: str) -> dict[str, Any]:
    """``parent[key]`` when it is an object, {} when it is absent; anything else (a list,
    a string, null) is a malformed body."""
    value = parent.get(key, _ABSENT)
    if value is _ABSENT:
        return {}
    if not isinstance(value, dict):
        raise WebhookRejected(400, f"malformed Jira webhook body: {what} is not an object")
    return value


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise WebhookRejected(400, f"malformed Jira webhook body: {what} is not a string")


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
    issue = _object(payload, "issue", "issue")
    fields = _object(issue, "fields", "issue.fields")
    project = _object(fields, "project", "issue.fields.project")
    return [ChangeNotice(service="jira", kind=KINDS.get(payload["webhookEvent"], "sync"),
                         ref=_text(issue.get("id"), "issue.id"),
                         resource=_text(project.get("key"), "issue.fields.project.key"),
                         event_id=h.get("x-atlassian-webhook-identifier"))]
