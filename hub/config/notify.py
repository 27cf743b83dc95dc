"""``notify:``: where synchub tells people that something needs them, and about what.

Kept beside :mod:`hub.config.models` (which imports it) so each module stays one job. Every
target is a frozen model that forbids unknown keys, like the rest of the config. A webhook
address and an SMTP password are ``SecretStr``: :func:`hub.redact.collect_secrets` masks every
``SecretStr`` in everything printed or logged, and a Discord or Slack webhook address *is* its
token (whoever has it can post). Write them as ``${VAR}`` (environment, ``.env``), or as
``${keyring:NAME}`` / ``${cmd:...}``, as the connections' tokens are.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _duration(v: Any) -> dt.timedelta:
    from hub.config.models import parse_duration  # models imports this module

    d = parse_duration(v)
    if d < dt.timedelta(0):
        raise ValueError("cannot be negative")
    return d


Wait = Annotated[dt.timedelta, BeforeValidator(_duration)]


class NotifyEvent(StrEnum):
    """What a target can be told about (each once per incident, never once per round)."""

    FAILING = "failing"  # a service has failed for longer than ``after``
    CONFLICTS = "conflicts"  # conflicts wait in the manual queue (``synchub conflicts``)
    MASS_CHANGE = "mass_change"  # the mass-change guard refused a round (needs --force)
    POISON = "poison"  # an item was set aside (cannot be read, or its write is refused)
    RECOVERED = "recovered"  # an incident this target was told about is over


ALL_EVENTS = tuple(NotifyEvent)


def _http_url(v: SecretStr) -> SecretStr:
    if not v.get_secret_value().startswith(("https://", "http://")):
        raise ValueError("a webhook address starts with https:// (or http://)")
    return v


WebhookUrl = Annotated[SecretStr, AfterValidator(_http_url)]


class _Target(_Frozen):
    # descriptions, not comments: the reference reads a class's own comments only
    events: tuple[NotifyEvent, ...] = Field(
        default=ALL_EVENTS, description="The events this target is told of (all by default): "
        "`failing` (a service failed for longer than `notify.after`), `conflicts` (the manual "
        "queue), `mass_change` (a refused round), `poison` (an item set aside), `recovered` "
        "(an incident it was told of is over).")
    min_interval: Wait = Field(
        default=dt.timedelta(minutes=1), description="At most one message per this "
        "interval; what happens meanwhile goes in the next one.")
    flows: tuple[str, ...] | None = Field(
        default=None, description="Only these flows' events (all flows when left out).")


class DiscordTarget(_Target):
    """A Discord channel webhook (Server settings, Integrations, Webhooks): posts
    ``{"content": ...}``, cut to Discord's 2,000 characters."""

    kind: Literal["discord"]
    #: the webhook's address (it holds its token: write it as ``${VAR}``)
    url: WebhookUrl


class SlackTarget(_Target):
    """A Slack incoming webhook: posts ``{"text": ...}``."""

    kind: Literal["slack"]
    #: the webhook's address (it holds its token: write it as ``${VAR}``)
    url: WebhookUrl


class WebhookTarget(_Target):
    """Any HTTP endpoint: a JSON POST with the message and each event as data."""

    kind: Literal["webhook"]
    #: where to POST (write it as ``${VAR}`` when it holds a token)
    url: WebhookUrl
    #: extra request headers (``Authorization``...); their values are treated as secrets
    headers: dict[str, SecretStr] = Field(default_factory=dict)


class EmailTarget(_Target):
    """E-mail through an SMTP server."""

    kind: Literal["email"]
    #: the SMTP server
    host: str
    #: its port; by default 587 with ``starttls``, 465 with ``ssl``, 25 with ``none``
    port: int | None = Field(default=None, ge=1, le=65535)
    #: ``starttls`` (upgrade a plain connection), ``ssl`` (TLS from the start) or ``none``
    security: Literal["starttls", "ssl", "none"] = "starttls"
    #: log in as this user (no login when left out)
    username: str | None = None
    #: the user's password (write it as ``${VAR}`` or ``${keyring:NAME}``)
    password: SecretStr | None = None
    #: the sender address
    sender: str
    #: the recipients
    to: tuple[str, ...] = Field(min_length=1)
    #: a PEM file of the certificate authority to trust for the server's certificate (an
    #: in-house relay with a private CA); by default the system's trusted ones. The server's
    #: name is checked either way.
    ca_file: str | None = None

    def smtp_port(self) -> int:
        return self.port or {"starttls": 587, "ssl": 465, "none": 25}[self.security]


Target = Annotated[DiscordTarget | SlackTarget | WebhookTarget | EmailTarget,
                   Field(discriminator="kind")]


class NotifyConfig(_Frozen):
    """``notify:``: messages to people when synchub needs them (docs/configuration.md,
    "Notifications"). Sent by ``synchub run`` and ``synchub sync`` alike; what was said is
    kept in the state store, so a sync run from cron does not repeat it every run."""

    #: a service failing for less than this is not worth a message (it is often a blip
    #: that the next round gets past); every other event is told at once
    after: Wait = Field(default=dt.timedelta(minutes=15))
    #: one block per target, by a name of your choice; ``kind`` picks discord, slack,
    #: webhook or email
    targets: dict[str, Target] = Field(default_factory=dict)
