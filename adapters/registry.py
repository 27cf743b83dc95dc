"""Building adapters from config: the factory protocol registered under the
``synchub.adapters`` entry-point group, and loading a factory by its type name (the only way
``hub`` reaches a concrete adapter)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
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
