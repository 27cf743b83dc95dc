"""Notion (API 2025-09-03) as a synchub endpoint. See :mod:`.adapter`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from adapters.base import ChangeNotice, EndpointContext
from adapters.notion import discovery, publish
from adapters.notion.adapter import NotionAdapter
from adapters.notion.client import NotionClient
from adapters.notion.sandbox import NotionSandbox
from adapters.notion.webhook import parse_webhook
from adapters.publishing import Block
from adapters.toolkit.discovery import Discovers

NOTION_ID = re.compile(r"^[0-9a-f]{32}$")


class NotionConnection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    token: SecretStr
    base_url: str = Field(default="https://api.notion.com", pattern=r"^https?://[^\s/]+")
    requests_per_second: float = Field(default=3.0, gt=0)


class NotionScope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    database_id: str
    data_source: str | None = None  # by name or id, when the database has several
    filter: dict[str, Any] | None = None  # a Notion query filter, as in the API
    reconcile_every: int = Field(default=10, ge=1)  # rounds between full id listings
    read_only: bool = False

    @field_validator("database_id")
    @classmethod
    def _notion_id(cls, v: str) -> str:
        compact = v.strip().lower().replace("-", "")
        if not NOTION_ID.match(compact):
            raise ValueError(f"{v!r} is not a Notion id (32 hex digits, dashes optional); "
                             "copy it from the database's URL")
        return "-".join((compact[:8], compact[8:12], compact[12:16], compact[16:20],
                         compact[20:]))


class NotionAdapterFactory(Discovers):
    type_name: ClassVar[str] = "notion"
    discovery: ClassVar[ModuleType] = discovery  # synchub init: Discovers
    connection_model: ClassVar[type[BaseModel]] = NotionConnection
    scope_model: ClassVar[type[BaseModel]] = NotionScope

    def build(self, connection: BaseModel, scope: BaseModel, ctx: EndpointContext
              ) -> NotionAdapter:
        assert isinstance(connection, NotionConnection) and isinstance(scope, NotionScope)
        client = NotionClient(connection.token.get_secret_value(), connection.base_url,
                              connection.requests_per_second)
        return NotionAdapter(client, ctx, database_id=scope.database_id,
                             data_source=scope.data_source, filter=scope.filter,
                             read_only=scope.read_only, reconcile_every=scope.reconcile_every)

    def probe(self, connection: BaseModel) -> str:
        assert isinstance(connection, NotionConnection)
        client = NotionClient(connection.token.get_secret_value(), connection.base_url,
                              connection.requests_per_second)  # not the default: one pacer
        try:                                                   # per integration, slowest wins
            me = client.call(lambda: client.sdk.users.me())
        finally:
            client.close()
        return f"Notion: token accepted (integration {me.get('name')!r})"

    def publish_page(self, connection: BaseModel, parent: str, title: str,
                     blocks: Sequence[Block]) -> str:
        """A new page under the page ``parent`` (:mod:`adapters.publishing`): a report."""
        assert isinstance(connection, NotionConnection)
        client = NotionClient(connection.token.get_secret_value(), connection.base_url,
                              connection.requests_per_second)
        try:
            return publish.publish(client, parent, title, blocks)
        finally:
            client.close()

    def sandbox(self, port: int = 0) -> NotionSandbox:
        """A running local emulator with a ready connection and a user (demo, sandbox)."""
        return NotionSandbox(port=port)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None
                      ) -> list[ChangeNotice]:
        return parse_webhook(headers, body, secret)


__all__ = ["NotionAdapterFactory"]
