"""Google Calendar push notifications: no body, only headers. ``X-Goog-Channel-Token`` must
match the token the channel was created with; ``X-Goog-Resource-State`` is ``sync`` (the
channel just started), ``exists`` or ``not_exists``.

Tokens are compared as bytes: a header with non-ASCII text is a 401, not a 500."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from adapters.base import ChangeNotice, WebhookRejected


def parse_webhook(headers: Mapping[str, str], body: bytes, secret: str | None
                  ) -> list[ChangeNotice]:
    h = {k.lower(): v for k, v in headers.items()}
    token = h.get("x-goog-channel-token")
    if not secret or not token or not hmac.compare_digest(token.encode(), secret.encode()):
        raise WebhookRejected(401, "bad or missing X-Goog-Channel-Token")
    state = h.get("x-goog-resource-state")
    if state not in ("sync", "exists", "not_exists"):
        raise WebhookRejected(400, "missing or unknown X-Goog-Resource-State")
    if state == "sync":
        return []  # the channel's first message: nothing changed yet
    return [ChangeNotice(service="gcal", kind="updated" if state == "exists" else "deleted",
                         resource=h.get("x-goog-resource-id"),
                         event_id=f"{h.get('x-goog-channel-id')}:{h.get('x-goog-message-number')}")]
