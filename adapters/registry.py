"""Building adapters from config: the factory protocol registered under the
``synchub.adapters`` entry-point group, and loading a factory by its type name (the only way
``hub`` reaches a concrete adapter)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from adapters.context import EndpointContext
from adapters.contract import Adapter
from hub.errors import ConfigError, ConfigProblem


class AdapterFactory(Protocol):
    """Registered under the ``synchub.adapters`` entry-point group.

    ``connection_model`` validates a ``connections.<name>`` block (credentials, base URL);
    ``scope_model`` validates an endpoint's ``scope`` block. Both must be frozen and forbid
    unknown keys so the config loader can report every mistake with its key path.
    """

    type_name: ClassVar[str]
    connection_model: ClassVar[type[BaseModel]]
    scope_model: ClassVar[type[BaseModel]]

    def build(self, connection: BaseModel, scope: BaseModel, ctx: EndpointContext) -> Adapter: ...

    def probe(self, connection: BaseModel) -> str:
        """Make one cheap authenticated call; return a one-line description of who we are.
        Raises :class:`hub.errors.AuthError` etc. Used by ``synchub check``."""
        ...


@runtime_checkable
class Authorizing(Protocol):
    """Optional on a factory whose service signs in through a browser (Google's OAuth):
    ``synchub auth <type> CLIENT_FILE`` runs the flow and stores the token at ``token_file``
    (mode 0600); ``open_browser=False`` prints the URL instead."""

    def authorize(self, client_file: Path, token_file: Path, *, open_browser: bool = True
                  ) -> None: ...

    def unauthorized(self, connection: BaseModel) -> Path | None:
        """Where this connection's token should be, when it is not there yet (``synchub
        init`` then offers the sign-in); None when it is, or the connection needs none."""
        ...


@dataclass(frozen=True)
class Target:
    """Something on the service an endpoint can sync with: a Jira project, a Todoist project,
    a Notion data source, a calendar. ``id`` is how the scope names it; ``facts`` is what
    :meth:`Discovering.propose` needs to fill in a mapping (a project's statuses, a data
    source's properties), filled in by :meth:`Discovering.describe` for the one chosen."""

    id: str
    name: str
    detail: str = ""  # one line shown beside it ("primary", "3 sections", the database)
    facts: Mapping[str, Any] = field(default_factory=dict)
    #: other values a config may name it by (a Notion data source by its database's id)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Discovery:
    """What a connection's credentials can reach, in the fewest list requests."""

    who: str  # "signed in as ..."
    kind: str  # what a target is called here: "project", "data source", "calendar"
    targets: tuple[Target, ...]
    #: other ids may be given than those listed (``describe`` checks one): a service
    #: account's calendars are not listed until added to its list
    open: bool = False


@runtime_checkable
class Discovering(Protocol):
    """Optional on a factory: ``synchub init`` lists what a connection reaches, lets the user
    choose, and writes the endpoint from the preset with the service's real names filled in.

    ``discover`` lists (cheap: one listing per kind of thing); ``describe`` reads the facts
    of the chosen target only (a site may have hundreds of projects); ``propose`` is pure: it
    takes the preset's endpoint block (``scope``/``options``/``fields``/``only`` as YAML data)
    and returns it adjusted to the target, so the service knowledge stays in the adapter and
    the hub writes the same code path for every service."""

    def discover(self, connection: BaseModel) -> Discovery: ...

    def describe(self, connection: BaseModel, target: Target) -> Target: ...

    def propose(self, target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]: ...


ENTRY_POINT_GROUP = "synchub.adapters"


@functools.cache
def installed_adapters() -> Mapping[str, Any]:
    """Entry-point name -> entry point (not loaded, so a broken adapter does not break all).
    Read once a process: the scan of every installed distribution costs 15 ms a call."""
    return MappingProxyType({ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)})


def load_factory(type_name: str) -> AdapterFactory:
    eps = installed_adapters()
    if type_name not in eps:
        known = ", ".join(sorted(eps)) or "none"
        raise ConfigError(
            ConfigProblem(f"unknown adapter type {type_name!r}; installed: {known}")
        )
    try:
        obj = eps[type_name].load()
    except (ImportError, AttributeError) as exc:
        raise ConfigError(ConfigProblem(
            f"adapter type {type_name!r} is registered but cannot be loaded ({exc}); "
            "reinstall synchub or remove the endpoint")) from exc
    factory: AdapterFactory = obj() if isinstance(obj, type) else obj
    return factory
