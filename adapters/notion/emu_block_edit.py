"""One block in the Notion emulator: ``GET``, ``PATCH`` and ``DELETE /v1/blocks/{id}``, as the
recorded traffic shows them (notion-sdk-py's ``test_blocks_retrieve``, ``test_blocks_update``
and ``test_blocks_delete`` cassettes).

A block answers as it is listed; a page's id answers as its ``child_page`` block, a database's
as its ``child_database`` block. An update gives the block's own type object (``{"paragraph":
{"rich_text": [...]}}``): the keys given replace the stored ones (rich text as Notion stores it,
annotations filled in), another type's object (or anything but an object) is a 400. Deleting
(or ``archived``/``in_trash`` true) takes the block out with its children, trashes a page or a
database; a deleted block is still read (``in_trash`` true), editing it is Notion's 400, and
an update with ``archived`` or ``in_trash`` false restores it where it was, with its children
(as ``test_blocks_delete`` does). The request is checked whole before anything changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.notion import emu_blocks, emu_databases
from adapters.notion.emu_errors import bad, boolean, obj

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

FLAGS = ("archived", "in_trash")

#: where a deleted block was: its parent, its place there, and the children lists under it
Place = tuple[str, int, dict[str, list[dict[str, Any]]]]


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
    """Trash a block (gone from its parent's children, and its own children with it), a page
    (answered as its ``child_page`` block) or a database (its ``child_database`` block)."""
    if block_id in emu.databases:
        return emu_databases.trash_database(emu, block_id)
    page = emu.pages.get(block_id)
    if page is not None:
        if page["in_trash"]:
            raise emu_blocks.archived()
        emu.update_page(block_id, {"in_trash": True})
        return emu_blocks.page_block(emu, block_id)
    found = emu_blocks.find(emu, block_id)
    if found is None:
        if block_id in emu.trashed_blocks:
            raise emu_blocks.archived()
        raise emu_blocks.not_found(block_id)
    parent, block = found
    index = emu.children[parent].index(block)
    emu.children[parent].remove(block)
    emu.block_places[block_id] = (parent, index, _drop_descendants(emu, block_id))
    if parent in emu.pages:
        emu.touch(emu.pages[parent])
    gone = {**block, "in_trash": True, "archived": True, "last_edited_time": emu.minute()}
    emu.trashed_blocks[block_id] = gone
    return gone


def _restore(emu: NotionEmulator, block_id: str) -> None:
    """A deleted block back in its place, with the blocks that were under it."""
    gone = emu.trashed_blocks[block_id]
    parent, index, below = emu.block_places.get(
        block_id, (gone["parent"][gone["parent"]["type"]], emu_blocks.MAX_CHILDREN, {}))
    siblings = emu.children.get(parent)
    if siblings is None:  # its parent is gone too
        raise emu_blocks.archived()
    del emu.trashed_blocks[block_id]
    emu.block_places.pop(block_id, None)
    block = {**gone, "in_trash": False, "archived": False, "last_edited_time": emu.minute()}
    siblings.insert(min(index, len(siblings)), block)
    emu.children.update(below)
    emu.children.setdefault(block_id, [])


def _drop_descendants(emu: NotionEmulator, block_id: str) -> dict[str, list[dict[str, Any]]]:
    """Take the block's children lists (and theirs) out; answers them, to restore."""
    dropped: dict[str, list[dict[str, Any]]] = {}
    todo = [block_id]
    while todo:
        bid = todo.pop()
        kids = emu.children.pop(bid, None)
        if kids is not None:
            dropped[bid] = kids
            todo.extend(k["id"] for k in kids)
    return dropped


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
    return _edit(emu, block_id, bool(flags), {k: v for k, v in body.items()
                                              if k not in (*FLAGS, "type")})


def _edit(emu: NotionEmulator, block_id: str, restoring: bool, given: dict[str, Any]
          ) -> dict[str, Any]:
    """A block's own type object changed (a deleted one restored first, when ``restoring``:
    ``archived`` or ``in_trash`` false)."""
    found = emu_blocks.find(emu, block_id)
    block = found[1] if found is not None else emu.trashed_blocks.get(block_id)
    if block is None:
        raise emu_blocks.not_found(block_id)
    if found is None and not restoring:
        raise emu_blocks.archived()
    changes = _changes(emu, block, given)
    if found is None:
        _restore(emu, block_id)
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
