"""A Google Calendar emulator with a calendar and a "user" who edits events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.base import EndpointContext, ValueMap
from adapters.gcal import convert
from adapters.gcal.emulator import GcalEmulator
from adapters.reading import readable_items
from hub.model import Item


class GcalSandbox:
    def __init__(self, port: int = 0, timezone: str = "Europe/Berlin", mode: str = "due"
                 ) -> None:
        self.emu = GcalEmulator()
        self.emu.start(port)
        self.connection: dict[str, Any] = {"base_url": self.emu.base_url, "credentials": "none"}
        self.scope: dict[str, Any] = {"calendar_id": "primary"}
        self.value_maps: dict[str, ValueMap] = {}
        self.options: dict[str, Any] = {"mode": mode, "block_minutes": 30}
        self.ctx = EndpointContext(name="gcal-user", flow="sandbox", timezone=timezone,
                                   options=self.options)
        self.mode, self.tz = mode, timezone

    def user_create(self, item: Item) -> str:
        import uuid

        fields = frozenset({"title", "description", "due", "span", "duration", "recurrence"})
        body = convert.to_body(item, fields, self.mode, dt.timedelta(minutes=30), self.tz)
        body.pop("extendedProperties", None)  # a person's event: its length, no marker
        body["id"] = uuid.uuid4().hex
        return str(self.emu.insert("primary", body)["id"])

    def user_edit(self, ref: str, **changes: Any) -> None:
        body = convert.to_body(Item().evolve(**changes), frozenset(changes), self.mode,
                               dt.timedelta(minutes=30), self.tz, patch=True)
        self.emu.patch("primary", ref, body, None)

    def user_delete(self, ref: str) -> None:
        self.emu.delete("primary", ref)

    def items(self) -> dict[str, Item]:
        with self.emu.lock:  # read as one snapshot, as the helpers write under the lock
            live = [(eid, e) for eid, e in self.emu.events["primary"].items()
                    if e["status"] != "cancelled"]
        return readable_items(live, lambda e: convert.to_item(
            e, self.mode, self.tz, block=dt.timedelta(minutes=self.options["block_minutes"])))

    def stop(self) -> None:
        self.emu.stop()
