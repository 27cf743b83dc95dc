"""A Notion emulator with a tasks database, people and a "user" who edits in the app."""

from __future__ import annotations

import copy
from typing import Any

from adapters.base import EndpointContext, ValueMap
from adapters.notion import comments, emu_comments
from adapters.notion.adapter import NotionAdapter
from adapters.notion.client import NotionClient
from adapters.notion.emulator import NotionEmulator
from adapters.reading import readable_items
from hub.model import Item

STATUS = ValueMap.from_pairs({"Not started": "open", "In progress": "in_progress",
                              "Done": "done"})
SCHEMA: dict[str, dict[str, Any]] = {
    "Status": {"status": {"options": [{"name": "Not started"}, {"name": "In progress"},
                                      {"name": "Done"}]}},
    "Due": {"date": {}}, "Priority": {"number": {}}, "Tags": {"multi_select": {}},
    "Assignee": {"people": {}}, "Description": {"rich_text": {}},
}


class NotionSandbox:
    def __init__(self, schema: dict[str, Any] | None = None, users: int = 20,
                 port: int = 0, timezone: str = "UTC", sub_items: bool = False) -> None:
        """``sub_items``: the database has Notion's Sub-items ("Parent item", synced with
        "Sub-item"), so its rows sync ``parent``."""
        self.emu = NotionEmulator()
        self.emu.start(port)
        for n in range(users):
            self.emu.add_user(f"User {n}", f"u{n}@example.com")
        self.db, self.ds = self.emu.add_database("Tasks", schema or SCHEMA)
        if sub_items:
            self.emu.enable_sub_items(self.ds)
        self.connection: dict[str, Any] = {"token": self.emu.token,
                                           "base_url": self.emu.base_url,
                                           "requests_per_second": 1000}
        self.scope: dict[str, Any] = {"database_id": self.db}
        self.value_maps: dict[str, ValueMap] = {"status": STATUS}
        self.options: dict[str, Any] = {}
        # The user's edits are written through the same converter (as Notion's app would
        # store them); it talks to the emulator like any client.
        self.view = NotionAdapter(
            NotionClient(self.emu.token, self.emu.base_url, 1000),
            EndpointContext(name="notion-user", flow="sandbox", value_maps=self.value_maps,
                            timezone=timezone), database_id=self.db)

    def _props(self, item: Item, fields: frozenset[str]) -> dict[str, Any]:
        return self.view.map.properties(item, fields & self.view.capabilities.fields)

    def user_create(self, item: Item) -> str:
        props = self._props(item, self.view.capabilities.fields)
        return str(self.emu.create_page(self.ds, props)["id"])

    def user_edit(self, ref: str, **changes: Any) -> None:
        props = self._props(Item().evolve(**changes), frozenset(changes))
        self.emu.update_page(ref, {"properties": props})

    def user_delete(self, ref: str) -> None:
        self.emu.trash(ref)

    def items(self) -> dict[str, Item]:
        with self.emu.lock:  # a copy: clients may be writing over HTTP meanwhile
            pages = [(pid, copy.deepcopy(p)) for pid, p in self.emu.pages.items()
                     if not p["in_trash"] and p["parent"].get("data_source_id") == self.ds]
        return readable_items(pages, lambda p: self.view._remote(p).item)

    def stop(self) -> None:
        self.view.close()
        self.emu.stop()

    # -- a person's comments, made in Notion's app (straight in the emulator) ------------------

    @property
    def person(self) -> str:
        """The user who comments: the first person of the workspace."""
        return next(u for u, v in self.emu.users.items() if v["type"] == "person")

    def user_comment(self, ref: str, text: str, rich_text: list[dict[str, Any]] | None = None
                     ) -> str:
        """A person comments ``text`` (Markdown, stored as the adapter writes it) or
        ``rich_text`` (as given: mentions, equations) on the page ``ref``."""
        with self.emu.lock:
            made = emu_comments.by_person(self.emu, ref, rich_text or comments.to_rich(text),
                                          self.person)
        return str(made["id"])

    def user_edit_comment(self, ref: str, comment_ref: str, text: str) -> None:
        with self.emu.lock:
            emu_comments.person_edit(self.emu, comment_ref, comments.to_rich(text))

    def user_delete_comment(self, ref: str, comment_ref: str) -> None:
        with self.emu.lock:
            emu_comments.person_delete(self.emu, comment_ref)
