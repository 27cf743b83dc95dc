"""Jira Cloud (REST API v3) as a synchub endpoint. See :mod:`.adapter`."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.base import ChangeNotice, EndpointContext
from adapters.jira import discovery, jql_text
from adapters.jira.adapter import MARKER_LAG, JiraAdapter
from adapters.jira.client import JiraClient
from adapters.jira.sandbox import JiraSandbox
from adapters.jira.webhook import parse_webhook
from adapters.toolkit.discovery import Discovers
from hub.config.models import NonNegativeDuration


class JiraConnection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str = Field(pattern=r"^https?://[^\s/]+")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    token: SecretStr
    #: How long a create whose answer a crash lost is looked for by its origin marker (a JQL
    #: search, which lags behind Jira's writes) before it is made again, so a lagging search
    #: never duplicates it; that copy waits this long. Jira Cloud's search lags up to about a
    #: minute, hence the default; 0 suits a site whose search is immediate. (Listing keeps
    #: its own settle time.)
    search_lag: NonNegativeDuration = Field(default=MARKER_LAG)


class JiraScope(BaseModel):
    """A bounded JQL query (no ORDER BY: synchub orders by itself)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    jql: str
    reconcile_every: int = Field(default=10, ge=1)
    read_only: bool = False

    @field_validator("jql")
    @classmethod
    def _bounded(cls, v: str) -> str:
        body, order = jql_text.split_order(v)  # an "order by" in quotes is text
        if not body:
            raise ValueError("the JQL must restrict the search (e.g. 'project = OPS'); Jira "
                             "refuses unbounded queries")
        if order:
            raise ValueError("leave out ORDER BY: synchub orders the search itself")
        return body


class JiraAdapterFactory(Discovers):
    type_name: ClassVar[str] = "jira"
    discovery: ClassVar[ModuleType] = discovery  # synchub init: Discovers
    connection_model: ClassVar[type[BaseModel]] = JiraConnection
    scope_model: ClassVar[type[BaseModel]] = JiraScope

    def build(self, connection: BaseModel, scope: BaseModel, ctx: EndpointContext
              ) -> JiraAdapter:
        assert isinstance(connection, JiraConnection) and isinstance(scope, JiraScope)
        client = JiraClient(connection.url, connection.email,
                            connection.token.get_secret_value())
        return JiraAdapter(client, ctx, jql=scope.jql, reconcile_every=scope.reconcile_every,
                           read_only=scope.read_only, search_lag=connection.search_lag)

    def validate_endpoint(self, endpoint: Any) -> list[str]:
        """Creating issues needs a project and an issue type (``options``)."""
        if getattr(endpoint, "read_only", False):
            return []
        options = getattr(endpoint, "options", {}) or {}
        return [f"creating Jira issues needs options.{key}" for key in ("project", "issue_type")
                if not options.get(key)]

    def probe(self, connection: BaseModel) -> str:
        assert isinstance(connection, JiraConnection)
        client = JiraClient(connection.url, connection.email,
                            connection.token.get_secret_value())
        me = client.call(lambda: client.jira.myself())
        return f"Jira: signed in as {me.get('displayName')} ({me.get('emailAddress')})"

    def sandbox(self, port: int = 0) -> JiraSandbox:
        """A running local emulator with a ready connection and a user (demo, sandbox)."""
        return JiraSandbox(port=port)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None
                      ) -> list[ChangeNotice]:
        return parse_webhook(headers, body, secret)


__all__ = ["JiraAdapterFactory"]
