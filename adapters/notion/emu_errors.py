"""The Notion emulator's errors and the checks every handler shares: Notion's error as an
exception (the route layer answers it in Notion's error shape), its 404 for an unknown id, ids
as Notion takes them, and the type checks of a request's body (Notion's 400
``validation_error``, worded as Notion words them: ``body failed validation: body.x should be
an object, instead was `"hi"`.``)."""

from __future__ import annotations

import json
import uuid
from typing import Any


class NotionError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(kind: str, ident: str) -> NotionError:
    """Notion's 404 for an id it does not know (or that is not shared with the integration)."""
    return NotionError(404, "object_not_found",
                       f"Could not find {kind} with ID: {ident}. Make sure the relevant "
                       "pages and databases are shared with your integration.")


def invalid(message: str) -> NotionError:
    """Notion's 400 ``validation_error``."""
    return NotionError(400, "validation_error", message)


def bad(message: str) -> NotionError:
    """A body that failed Notion's validation."""
    return invalid(f"body failed validation: {message}")


def shown(value: Any) -> str:
    """A value as Notion's validation messages show it (JSON; ``undefined`` for missing)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def obj(value: Any, where: str, *, optional: bool = True) -> dict[str, Any]:
    """``value`` when it is an object (missing or ``null``: an empty one, unless it must be
    given); else Notion's 400 naming ``where`` (``body.parent``)."""
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise bad(f"{where} should be an object, instead was `{shown(value)}`.")
    return value


def array(value: Any, where: str) -> list[Any]:
    """``value`` when it is an array (missing or ``null``: an empty one)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{where} should be an array, instead was `{shown(value)}`.")
    return value


#: Notion's most elements in any array a request sends: rich text, multi-select options,
#: people, related pages, children (https://developers.notion.com/reference/request-limits,
#: "Size limits": a request beyond one is a 400 ``validation_error``)
MAX_ARRAY = 100


def bounded(value: Any, where: str, limit: int = MAX_ARRAY) -> list[Any]:
    """``value`` as :func:`array`, refused as Notion refuses an array over ``limit``."""
    items = array(value, where)
    if len(items) > limit:
        raise bad(f"{where}.length should be ≤ `{limit}`, instead was `{len(items)}`.")
    return items


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise bad(f"{where} should be a boolean, instead was `{shown(value)}`.")
    return value


def uuid_of(where: str, text: str) -> str:
    """An id as Notion takes it, with or without dashes, dashed; anything else is a 400
    naming where it was (``path.page_id``, ``query.block_id``) before any lookup."""
    bare = text.replace("-", "")
    try:
        if len(bare) == 32:
            return str(uuid.UUID(hex=bare))
    except ValueError:
        pass
    raise NotionError(400, "validation_error", f"{where.split('.')[0]} failed validation: "
                      f"{where} should be a valid uuid, instead was `\"{text}\"`.")
