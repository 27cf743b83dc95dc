"""``GET /v1/pages/{page_id}/properties/{property_id}`` in the Notion emulator: one property
of a page as Notion's ``property_item`` objects.

Title, rich text, people and relation values are lists Notion pages through (the recorded
answer, notion-sdk-py's ``test_pages_properties_retrieve`` cassette: ``object: list`` of one
``property_item`` per element, ``type: property_item`` and a ``property_item`` naming the
property, with ``next_url``); every other type is a single ``property_item``. The property is
named by its id (a name is taken too, as the SDK's docs suggest some clients send one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks
from adapters.notion.emu_errors import NotionError, not_found

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

PAGED = ("title", "rich_text", "people", "relation")


def retrieve(emu: NotionEmulator, page_id: str, property_id: str, start_cursor: str | None,
             page_size: Any) -> dict[str, Any]:
    page = emu.pages.get(page_id)
    if page is None:
        raise not_found("page", page_id)
    values = page["properties"]
    value = next((v for v in values.values() if v["id"] == property_id),
                 values.get(property_id))
    if value is None:
        raise NotionError(404, "object_not_found",
                          f"Could not find property with ID: {property_id}.")
    kind, pid = value["type"], value["id"]
    if kind not in PAGED:
        return {"object": "property_item", "id": pid, "type": kind, kind: value[kind]}
    size = emu_blocks.page_size(page_size)
    if start_cursor is not None and not start_cursor.isdigit():
        raise NotionError(400, "validation_error", "start_cursor provided is invalid.")
    start = int(start_cursor or 0)
    elements = value[kind] or []
    more = start + size < len(elements)
    return {"object": "list",
            "results": [{"object": "property_item", "type": kind, "id": pid, kind: element}
                        for element in elements[start:start + size]],
            "next_cursor": str(start + size) if more else None, "has_more": more,
            "type": "property_item",
            "property_item": {"id": pid, "next_url": _next_url(emu, page_id, pid, start + size)
                              if more else None, "type": kind, kind: {}}}


def _next_url(emu: NotionEmulator, page_id: str, pid: str, cursor: int) -> str:
    return f"{emu.base_url}/v1/pages/{page_id}/properties/{pid}?start_cursor={cursor}"
