"""Google Calendar (API v3) as a synchub endpoint. See :mod:`.adapter`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.base import ChangeNotice, EndpointContext
from adapters.gcal import discovery
from adapters.gcal.adapter import GcalAdapter
from adapters.gcal.client import GcalClient
from adapters.gcal.sandbox import GcalSandbox
from adapters.gcal.webhook import parse_webhook
from adapters.registry import Discovery, Target
from adapters.toolkit.discovery import Discovers
from hub.words import counted


class GcalConnection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    base_url: str = Field(default="https://www.googleapis.com", pattern=r"^https?://[^\s/]+")
    credentials: Literal["oauth", "service_account", "none"] = "oauth"
    token_file: str | None = None
    service_account_file: str | None = None

    @model_validator(mode="after")
    def _files(self) -> GcalConnection:
        if self.credentials == "oauth" and not self.token_file:
            raise ValueError("credentials: oauth needs token_file (where the authorized token "
                             "is kept)")
        if self.credentials == "service_account" and not self.service_account_file:
            raise ValueError("credentials: service_account needs service_account_file")
        return self


class GcalScope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    calendar_id: str = Field(default="primary", min_length=1)
    tag: str | None = None  # only events carrying this private tag
    read_only: bool = False


def _http(connection: GcalConnection, *, refresh: bool = True) -> object:
    """``refresh=False`` when building an adapter: no request until its first call."""
    import httplib2

    if connection.credentials == "none":
        return httplib2.Http(timeout=30)
    import google_auth_httplib2

    from adapters.gcal.auth import load

    creds = load(connection.token_file, connection.service_account_file, refresh=refresh)
    return google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=30))


def _service_account_email(connection: GcalConnection) -> str | None:
    if connection.credentials != "service_account" or not connection.service_account_file:
        return None
    import json

    try:
        data = json.loads(Path(connection.service_account_file).expanduser().read_text())
    except (OSError, ValueError):
        return None  # the sign-in itself says what is wrong with the file
    return str(data.get("client_email") or "") or None


class GcalAdapterFactory(Discovers):
    type_name: ClassVar[str] = "gcal"
    discovery: ClassVar[ModuleType] = discovery  # synchub init: Discovers
    connection_model: ClassVar[type[BaseModel]] = GcalConnection
    scope_model: ClassVar[type[BaseModel]] = GcalScope

    def build(self, connection: BaseModel, scope: BaseModel, ctx: EndpointContext
              ) -> GcalAdapter:
        assert isinstance(connection, GcalConnection) and isinstance(scope, GcalScope)
        client = GcalClient(connection.base_url, _http(connection, refresh=False),
                            calendar=scope.calendar_id)
        return GcalAdapter(client, ctx, calendar_id=scope.calendar_id, tag=scope.tag,
                           read_only=scope.read_only)

    def authorize(self, client_file: Path, token_file: Path, *, open_browser: bool = True
                  ) -> None:
        """``synchub auth gcal`` / ``auth google``: see :func:`adapters.gcal.auth.authorize`."""
        from adapters.gcal.auth import authorize

        authorize(client_file, token_file, open_browser=open_browser)

    def unauthorized(self, connection: BaseModel) -> Path | None:
        assert isinstance(connection, GcalConnection)
        if connection.credentials != "oauth" or not connection.token_file:
            return None
        path = Path(connection.token_file).expanduser()
        return None if path.exists() else path

    def probe(self, connection: BaseModel) -> str:
        assert isinstance(connection, GcalConnection)
        client = GcalClient(connection.base_url, _http(connection))
        calendars = client.call(lambda: client.service.calendarList().list())
        found = counted(len(calendars.get("items", [])), "calendar")
        return f"Google Calendar: access granted, {found}"

    def discover(self, connection: BaseModel) -> Discovery:
        assert isinstance(connection, GcalConnection)
        return discovery.discover(GcalClient(connection.base_url, _http(connection)),
                                  _service_account_email(connection))

    def describe(self, connection: BaseModel, target: Target) -> Target:
        assert isinstance(connection, GcalConnection)
        return discovery.describe(GcalClient(connection.base_url, _http(connection)), target)

    def sandbox(self, port: int = 0) -> GcalSandbox:
        """A running local emulator with a ready connection and a user (demo, sandbox)."""
        return GcalSandbox(port=port)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None
                      ) -> list[ChangeNotice]:
        return parse_webhook(headers, body, secret)


__all__ = ["GcalAdapterFactory"]
