"""A memory "sandbox": a fresh in-process :class:`MemoryService` and a user of it, so the
memory adapter satisfies :class:`adapters.sandboxing.SandboxFactory` like the services with
an emulator (there is no server to start: the connection names the service)."""

from __future__ import annotations

import itertools
from typing import Any

from adapters.base import ValueMap
from adapters.memory import SERVICES, MemoryService
from hub.model import Item

_NAMES = itertools.count(1)


class MemorySandbox:
    def __init__(self, port: int = 0, name: str | None = None) -> None:
        # ``port`` is the factory protocol's; a service in this process has none
        self.service = MemoryService(name=name or f"sandbox-{next(_NAMES)}")
        SERVICES[self.service.name] = self.service
        self.connection: dict[str, Any] = {"service": self.service.name}
        self.scope: dict[str, Any] = {}
        self.value_maps: dict[str, ValueMap] = {}
        self.options: dict[str, Any] = {}

    def user_create(self, item: Item) -> str:
        return self.service.user_create(item)

    def user_edit(self, ref: str, **changes: Any) -> None:
        self.service.user_edit(ref, **changes)

    def user_delete(self, ref: str) -> None:
        self.service.user_delete(ref)

    def items(self) -> dict[str, Item]:
        return self.service.live()

    def stop(self) -> None:
        if SERVICES.get(self.service.name) is self.service:
            del SERVICES[self.service.name]
