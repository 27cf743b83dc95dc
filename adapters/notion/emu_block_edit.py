"""``GET`` and ``PATCH /v1/blocks/{id}`` in the Notion emulator, as the recorded traffic shows
them (notion-sdk-py's ``test_blocks_retrieve`` and ``test_blocks_update`` cassettes).

A block answers as it is listed; a page's id answers as its ``child_page`` block. An update
gives the block's own type object (``{"paragraph": {"rich_text": [...]}}``): the keys given
replace the stored ones (rich text as Notion stores it, annotations filled in), another type's
object is a 400. ``archived`` or ``in_trash`` true deletes the block (or trashes the page), as
``DELETE`` does; false on a page restores it. A deleted block is still read (``in_trash``
true), and editing it is Notion's 400.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks
from adapters.notion.emu_values import NotionError

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

FLAGS = ("archived", "in_trash")


def retrieve(emu: NotionEmulator, block_id: str) -> dict[str, Any]:
    if block_id in emu.pages:
        return emu_blocks.page_block(emu, block_id)
    found = emu_blocks.find(emu, block_id)
    if found is None:  # a deleted block is still there to read, in the trash
        return emu.trashed_blocks.get(block_id) or _missing(block_id)
    return found[1]


def _missing(block_id: str) -> Any:
    raise emu_blocks.not_found(block_id)


def update(emu: NotionEmulator, block_id: str, body: dict[str, Any]) -> dict[str, Any]:
    if any(body.get(f) for f in FLAGS):
        return emu_blocks.delete_block(emu, block_id)
    if block_id in emu.pages:  # a page's content is edited through its own endpoints
        emu.update_page(block_id, {f: body[f] for f in FLAGS if f in body})
        return emu_blocks.page_block(emu, block_id)
    found = emu_blocks.find(emu, block_id)
    if found is None:
        raise emu_blocks.archived() if block_id in emu.trashed_blocks else \
            emu_blocks.not_found(block_id)
    parent, block = found
    _edit(emu, block, {k: v for k, v in body.items() if k not in (*FLAGS, "type")})
    block["last_edited_time"] = emu.minute()
    if parent in emu.pages:
        emu.touch(emu.pages[parent])
    return block


def _edit(emu: NotionEmulator, block: dict[str, Any], given: dict[str, Any]) -> None:
    """The keys given of the block's own type object replace the stored ones."""
    kind = block["type"]
    if set(given) - {kind}:
        other = sorted(set(given) - {kind})[0]
        raise NotionError(400, "validation_error", f"body failed validation: body.{other} "
                          f"should be not present, the block is a {kind}.")
    changes = {k: v for k, v in (given.get(kind) or {}).items() if k != "children"}
    if "rich_text" in changes:
        changes["rich_text"] = emu.rich(changes["rich_text"])
    block[kind] = {**block[kind], **changes}
