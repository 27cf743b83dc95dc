"""Todoist (unified API v1) as a synchub endpoint. See :mod:`.adapter`."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from adapters.base import ChangeNotice, EndpointContext
from adapters.todoist import discovery
from adapters.todoist.adapter import TodoistAdapter
from adapters.todoist.client import TodoistClient
from adapters.todoist.sandbox import TodoistSandbox
from adapters.todoist.webhook import parse_webhook
from adapters.toolkit.discovery import Discovers
from hub.words import counted


class TodoistConnection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    token: SecretStr
    base_url: str = Field(default="https://api.todoist.com", pattern=r"^https?://[^\s/]+")


class TodoistScope(BaseModel):
    """A project (by name or id), optionally narrowed to one section, one label, or a Todoist
    filter query (listed every round, so a filter scope costs one more request per round)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    project: str = Field(min_length=1)
    section: str | None = None
    label: str | None = None
    filter: str | None = Field(default=None, max_length=1024)
    read_only: bool = False


class TodoistAdapterFactory(Discovers):
    type_name: ClassVar[str] = "todoist"
    discovery: ClassVar[ModuleType] = discovery  # synchub init: Discovers
    connection_model: ClassVar[type[BaseModel]] = TodoistConnection
    scope_model: ClassVar[type[BaseModel]] = TodoistScope

    def build(self, connection: BaseModel, scope: BaseModel, ctx: EndpointContext
              ) -> TodoistAdapter:
        assert isinstance(connection, TodoistConnection) and isinstance(scope, TodoistScope)
        client = TodoistClient(connection.token.get_secret_value(), connection.base_url)
        return TodoistAdapter(client, ctx, project=scope.project, section=scope.section,
                              label=scope.label, filter=scope.filter,
                              read_only=scope.read_only)

    def probe(self, connection: BaseModel) -> str:
        assert isinstance(connection, TodoistConnection)
        client = TodoistClient(connection.token.get_secret_value(), connection.base_url)
        try:
            projects = client.projects()
        finally:
            client.close()
        return f"Todoist: token accepted, {counted(len(projects), 'project')} visible"

    def sandbox(self, port: int = 0) -> TodoistSandbox:
        """A running local emulator with a ready connection and a user (demo, sandbox)."""
        return TodoistSandbox(port=port)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None
                      ) -> list[ChangeNotice]:
        return parse_webhook(headers, body, secret)


__all__ = ["TodoistAdapterFactory"]
