"""Sending one message to one target: Discord, Slack, a generic webhook, e-mail.

Each raises on failure (the caller, :mod:`hub.notify.delivery`, retries and logs). The
payloads are the ones each service documents for incoming webhooks: Discord takes
``{"content": ...}`` of at most 2,000 characters (a longer one is refused with 400, so it is
cut), Slack ``{"text": ...}``. Requests go with a short timeout, off the round's thread.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

import httpx

from hub.config.notify import (
    DiscordTarget,
    EmailTarget,
    SlackTarget,
    Target,
    WebhookTarget,
)
from hub.notify.message import DISCORD_LIMIT, Sendable

TIMEOUT = 10.0  # seconds for one attempt: a receiver that hangs must not hold others long


def http_body(target: Target, msg: Sendable) -> dict[str, Any]:
    """The JSON a webhook target is sent."""
    if isinstance(target, DiscordTarget):
        return {"content": msg.text(DISCORD_LIMIT)}
    if isinstance(target, SlackTarget):
        return {"text": msg.text()}
    return msg.data()


def _post(target: DiscordTarget | SlackTarget | WebhookTarget, msg: Sendable,
          client: httpx.Client) -> None:
    headers = {"User-Agent": "synchub"}
    if isinstance(target, WebhookTarget):
        headers.update({k: v.get_secret_value() for k, v in target.headers.items()})
    reply = client.post(target.url.get_secret_value(), json=http_body(target, msg),
                        headers=headers, timeout=TIMEOUT)
    if reply.status_code >= 300:
        # The status only: the reply's text and the request's address may hold the token.
        raise RuntimeError(f"the receiver answered HTTP {reply.status_code}")


def mail(target: EmailTarget, msg: Sendable) -> EmailMessage:
    m = EmailMessage()
    m["Subject"] = msg.subject
    m["From"] = target.sender
    m["To"] = ", ".join(target.to)
    text = msg.text()
    # a line starting "From " is made ">From " by mail systems keeping mbox files (RFC 4155);
    # base64 keeps such a text (a report's "From <date> to <date>") as it is
    m.set_content(text, cte="base64" if re.search(r"(?m)^From ", text) else None)
    return m


def _smtp(target: EmailTarget, msg: Sendable) -> None:
    context = ssl.create_default_context(cafile=target.ca_file)
    port = target.smtp_port()
    smtp: smtplib.SMTP = (smtplib.SMTP_SSL(target.host, port, timeout=TIMEOUT, context=context)
                          if target.security == "ssl" else
                          smtplib.SMTP(target.host, port, timeout=TIMEOUT))
    with smtp:
        if target.security == "starttls":
            smtp.starttls(context=context)
        if target.username and target.password is not None:
            smtp.login(target.username, target.password.get_secret_value())
        smtp.send_message(mail(target, msg))


def send(target: Target, msg: Sendable, client: httpx.Client) -> None:
    """Deliver ``msg`` once; raises when the target did not take it."""
    if isinstance(target, EmailTarget):
        _smtp(target, msg)
    else:
        _post(target, msg, client)
