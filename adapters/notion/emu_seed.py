"""Seeding the Notion emulator with objects as a real workspace answered them (recorded
traffic, say): users, pages, databases, data sources, blocks and comments keep their ids,
times, authors and values, so that requests naming those ids find them.

A page is made by the emulator's own :meth:`~adapters.notion.emulator.NotionEmulator.new_page`
(so it has everything the emulator keeps for a page) and then given the recorded values; its
parent need not be seeded (Notion shares a page without its parent). The ``integration`` is the
seeded bot user the token stands for (``/v1/users/me``, every author of what the emulator then
makes); the emulator's own stand-in integration is dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

PAGE_KEYS = ("created_time", "last_edited_time", "created_by", "last_edited_by", "in_trash",
             "archived", "is_archived", "is_locked", "properties", "url", "public_url", "icon",
             "cover")


def _user(emu: NotionEmulator, obj: dict[str, Any]) -> None:
    emu.users[obj["id"]] = obj


def _page(emu: NotionEmulator, obj: dict[str, Any]) -> None:
    page = emu.new_page(obj["parent"], {}, page_id=obj["id"])
    page.update({k: obj[k] for k in PAGE_KEYS if k in obj})


def _database(emu: NotionEmulator, obj: dict[str, Any]) -> None:
    emu.databases[obj["id"]] = obj


def _data_source(emu: NotionEmulator, obj: dict[str, Any]) -> None:
    emu.sources[obj["id"]] = obj


def _block(emu: NotionEmulator, obj: dict[str, Any]) -> None:
    parent = obj["parent"][obj["parent"]["type"]]
    if obj.get("in_trash"):
        emu.trashed_blocks[obj["id"]] = obj
    else:
        emu.children.setdefault(parent, []).append(obj)
    emu.children.setdefault(obj["id"], [])


def _comment(emu: NotionEmulator, obj: dict[str, Any]) -> None:
    emu.comments.append(obj)


SEEDERS: dict[str, Callable[[NotionEmulator, dict[str, Any]], None]] = {
    "user": _user, "page": _page, "database": _database, "data_source": _data_source,
    "block": _block, "comment": _comment}


def seed(emu: NotionEmulator, objects: Iterable[dict[str, Any]],
         integration: str | None = None) -> None:
    if integration is not None:  # the stand-in goes first, so the seeded users keep order
        emu.users.pop(emu.bot, None)
        emu.bot = integration
    for obj in objects:
        kind = obj.get("object")
        if kind not in SEEDERS:
            raise ValueError(f"cannot seed a {kind!r} (only {', '.join(SEEDERS)})")
        SEEDERS[str(kind)](emu, copy.deepcopy(obj))
    if integration is not None and integration not in emu.users:
        raise ValueError(f"the integration {integration} is not among the seeded users")
