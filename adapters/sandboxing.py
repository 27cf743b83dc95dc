"""Sandboxes: a running local emulator of a service with a ready connection and a user of
it (:class:`Sandbox`), and the factory protocol that starts one (:class:`SandboxFactory`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from adapters.context import ValueMap
from hub.model import Item


class Sandbox(Protocol):
    """What :meth:`SandboxFactory.sandbox` returns: a running local emulator of the service
    with a ready connection and scope, and a *user* of it (acting as a person in the
    service's own app would). Used by ``synchub demo``, ``synchub sandbox`` and the tests."""

    connection: Mapping[str, Any]  # a ``connections.<name>`` block, without ``type``
    scope: Mapping[str, Any]
    value_maps: Mapping[str, ValueMap]
    options: Mapping[str, Any]

    def user_create(self, item: Item) -> str: ...

    def user_edit(self, ref: str, **changes: Any) -> None: ...

    def user_delete(self, ref: str) -> None: ...

    def items(self) -> dict[str, Item]: ...

    def stop(self) -> None: ...


@runtime_checkable
class SandboxFactory(Protocol):
    """Optional on a factory: ``sandbox(port=0)`` starts a :class:`Sandbox` (on ``port``, or
    a free one). ``synchub demo`` and ``synchub sandbox`` narrow a loaded factory with
    ``isinstance(factory, SandboxFactory)`` (or :func:`sandbox_factory`) instead of calling
    an attribute the factory protocol does not declare."""

    def sandbox(self, port: int = 0) -> Sandbox: ...


def sandbox_factory(factory: object) -> SandboxFactory:
    """``factory`` as a :class:`SandboxFactory`; a service without an emulator is a
    :class:`TypeError` naming it (a programming error: only services with one are asked)."""
    if not isinstance(factory, SandboxFactory):
        raise TypeError(f"{type(factory).__name__} has no sandbox")
    return factory
