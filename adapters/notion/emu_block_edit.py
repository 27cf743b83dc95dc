"""``GET``, ``PATCH`` and ``DELETE /v1/blocks/{id}`` in the Notion emulator, as the recorded
traffic shows them (notion-sdk-py's ``test_blocks_retrieve``, ``test_blocks_update`` and
``test_blocks_delete`` cassettes).

A block answers as it is listed; a page's id answers as its ``child_page`` block, a database's
as its ``child_database`` block. An update gives the block's own type object (``{"paragraph":
{"rich_text": [...]}}``): the keys given replace the stored ones (rich text as Notion stores it,
annotations filled in), another type's object (or anything but an object) is a 400.
``archived`` or ``in_trash`` true deletes the block (or trashes the page or database), as
``DELETE`` does; false restores it. A deleted block is still read (``in_trash`` true), and
editing it is Notion's 400. The request is checked whole before anything changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks, emu_databases
from adapters.notion.emu_errors import bad, boolean, obj

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

FLAGS = ("archived", "in_trash")


def retrieve(emu: NotionEmulator, block_id: str) -> dict[str, Any]:
    if block_id in emu.pages:
        return emu_blocks.page_block(emu, block_id)
    if block_id in emu.databases:
        return emu_blocks.database_block(emu, block_id)
    found = emu_blocks.find(emu, block_id)
    if found is None:  # a deleted block is still there to read, in the trash
        return emu.trashed_blocks.get(block_id) or _missing(block_id)
    return found[1]


def _missing(block_id: str) -> Any:
    raise emu_blocks.not_found(block_id)


def delete(emu: NotionEmulator, block_id: str) -> dict[str, Any]:
    if block_id in emu.databases:
        return emu_databases.trash_database(emu, block_id)
    return emu_blocks.delete_block(emu, block_id)


def update(emu: NotionEmulator, block_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Edit, delete or restore a block; every part of the request is checked before anything
    changes (a 400 leaves the block, and a deleted one in the trash, as they were)."""
    flags = {f: boolean(body[f], f"body.{f}") for f in FLAGS if f in body}
    if block_id in emu.databases:
        if not flags:
            return emu_blocks.database_block(emu, block_id)
        return emu_databases.trash_database(emu, block_id, any(flags.values()))
    if any(flags.values()):
        return delete(emu, block_id)
    if block_id in emu.pages:  # a page's content is edited through its own endpoints
        emu.update_page(block_id, flags)
        return emu_blocks.page_block(emu, block_id)
    found = emu_blocks.find(emu, block_id)
    block = found[1] if found is not None else emu.trashed_blocks.get(block_id)
    if block is None:
        raise emu_blocks.not_found(block_id)
    if found is None and not flags:
        raise emu_blocks.archived()
    changes = _changes(emu, block, {k: v for k, v in body.items() if k not in (*FLAGS, "type")})
    if found is None:  # a deleted block, restored (archived or in_trash false)
        emu_blocks.restore_block(emu, block_id)
        found = emu_blocks.find(emu, block_id)
        assert found is not None
    parent, block = found
    block[block["type"]] = {**block[block["type"]], **changes}
    block["last_edited_time"] = emu.minute()
    if parent in emu.pages:
        emu.touch(emu.pages[parent])
    return block


def _changes(emu: NotionEmulator, block: dict[str, Any], given: dict[str, Any]
             ) -> dict[str, Any]:
    """The keys given of the block's own type object, as stored (they replace the stored
    ones); anything else given is Notion's 400."""
    kind = block["type"]
    if set(given) - {kind}:
        other = sorted(set(given) - {kind})[0]
        raise bad(f"body.{other} should be not present, the block is a {kind}.")
    changes = {k: v for k, v in obj(given.get(kind), f"body.{kind}").items()
               if k != "children"}
    if "rich_text" in changes:
        changes["rich_text"] = emu.rich(changes["rich_text"], f"body.{kind}.rich_text")
    return changes
