"""Webhooks: the notice a verified delivery becomes, the rejection a bad one gets, helpers
that read a body's objects and ids without crashing, and the factory protocol that parses one
(:class:`WebhookHandler`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ChangeNotice:
    """A parsed, verified webhook/push notification: "something changed, sync this flow soon".

    Notices are hints, never data: the daemon reacts by running a normal round, so a repeated,
    late or out-of-order notice can cost a request but never causes a write by itself.
    """

    service: str  # adapter type: "jira", "todoist", "notion", "gcal"
    kind: str  # "created" | "updated" | "deleted" | "sync" (unspecified change)
    ref: str | None = None  # remote id when the payload names one
    resource: str | None = None  # container id (project, database, calendar) when known
    event_id: str | None = None  # the service's delivery/event id, for de-duplication


class WebhookRejected(Exception):
    """A webhook request that must not be acted on: ``status`` is the HTTP answer to give
    (401 bad or missing signature, 400 malformed body, 413 too large)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_ABSENT = object()


def body_object(parent: Mapping[str, Any], key: str, service: str, what: str
                ) -> dict[str, Any]:
    """``parent[key]`` of a webhook body when it is an object, {} when it is absent; anything
    else (a list, a string, null) makes the body malformed: 400, never a crash (500)."""
    value = parent.get(key, _ABSENT)
    if value is _ABSENT:
        return {}
    if not isinstance(value, dict):
        raise WebhookRejected(400, f"malformed {service} webhook body: {what} is not an object")
    return value


def body_id(value: Any, service: str, what: str, *, numbers: bool = True) -> str | None:
    """An id or key in a webhook body: a string (or, where the service sends them, a
    number), or None when absent; anything else makes the body malformed."""
    if value is None or isinstance(value, str):
        return value
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise WebhookRejected(400, f"malformed {service} webhook body: {what} is not an id")


@runtime_checkable
class WebhookHandler(Protocol):
    """Optional on a factory: ``parse_webhook`` verifies and parses one delivery. A caller
    holding an :class:`adapters.registry.AdapterFactory` narrows it with ``isinstance(factory,
    WebhookHandler)`` (or :func:`webhook_handler`), so no ``getattr`` is needed.

    ``secret`` is the connection's configured webhook secret (None: not configured, which must
    reject signed services' deliveries with 401). Returns the change notices; a handshake
    (Notion's verification token) returns an empty list after logging what the user must do.
    """

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None
                      ) -> list[ChangeNotice]: ...


def webhook_handler(factory: object) -> WebhookHandler | None:
    """``factory`` as a :class:`WebhookHandler`, or None when its service takes no webhooks."""
    return factory if isinstance(factory, WebhookHandler) else None
