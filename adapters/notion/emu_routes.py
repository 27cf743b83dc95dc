"""The Notion emulator's REST routes as a table (:class:`adapters.emulation.Router`): one small
handler per operation of the Notion API (2025-09-03) under ``/v1``. Each handler gets the
request and the path's parts (ids already normalised to dashed UUIDs) and answers the JSON
body; a :class:`~adapters.notion.emu_values.NotionError` becomes Notion's error body.

A path part named after one of Notion's id parameters (``page_id``, ``block_id``, ...) is
checked and normalised before the handler runs: Notion takes ids with or without dashes and
answers anything else with a 400 ``validation_error`` naming the parameter. A body that is not
JSON is Notion's 400 ``invalid_json``, one that is not an object a ``validation_error``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.emulation import Request, Response, RouteHandler, Router
from adapters.notion import (
    emu_block_edit,
    emu_blocks,
    emu_comments,
    emu_databases,
    emu_items,
    emu_pages,
    emu_search,
)
from adapters.notion.emu_errors import NotionError, invalid, not_found, obj, uuid_of

if TYPE_CHECKING:
    from adapters.notion.emulator import NotionEmulator

#: the path parameters that are ids (the template's part names are Notion's own names)
ID_PARAMS = frozenset({"database_id", "data_source_id", "page_id", "block_id", "user_id"})
Parts = dict[str, str]


def body_of(req: Request) -> dict[str, Any]:
    """The request's JSON body, an object: Notion's 400 ``invalid_json`` when it is not JSON,
    ``validation_error`` when it is not an object (an empty body or ``null`` is ``{}``)."""
    try:
        data = req.json() if req.body else None
    except ValueError:  # JSONDecodeError, and bytes that are not UTF-8
        raise NotionError(400, "invalid_json", "Error parsing JSON body.") from None
    return obj(data, "body")


def missing(kind: str, ident: str) -> Any:
    raise not_found(kind, ident)


class NotionRoutes:
    """The handlers, bound to one emulator's state."""

    def __init__(self, emu: NotionEmulator) -> None:
        self.emu = emu
        self.router = Router()
        r = self.router.add
        r("POST", "/v1/databases", self.create_database)
        r("GET,PATCH", "/v1/databases/{database_id}", self.database)
        r("POST", "/v1/data_sources", self.create_data_source)
        r("GET,PATCH", "/v1/data_sources/{data_source_id}", self.data_source)
        r("POST", "/v1/data_sources/{data_source_id}/query", self.query)
        r("GET", "/v1/data_sources/{data_source_id}/templates", self.templates)
        r("POST", "/v1/pages", self.create_page)
        r("GET", "/v1/pages/{page_id}", self.get_page)
        r("PATCH", "/v1/pages/{page_id}", self.update_page)
        r("POST", "/v1/pages/{page_id}/move", self.move_page)
        r("GET", "/v1/pages/{page_id}/properties/{property_id}", self.property_item)
        r("GET", "/v1/users", self.users)
        r("GET", "/v1/users/me", self.me)
        r("GET", "/v1/users/{user_id}", self.user)
        r("GET,POST", "/v1/comments", self.comments)
        r("GET,PATCH,DELETE", "/v1/comments/{comment_id}", self.comment)
        r("GET", "/v1/custom_emojis", self.custom_emojis)
        r("POST", "/v1/search", self.search)
        r("GET", "/v1/blocks/{block_id}", self.block)
        r("PATCH", "/v1/blocks/{block_id}", self.update_block)
        r("DELETE", "/v1/blocks/{block_id}", self.delete_block)
        r("GET", "/v1/blocks/{block_id}/children", self.children)
        r("PATCH", "/v1/blocks/{block_id}/children", self.append)

    def find(self, req: Request) -> tuple[RouteHandler, Parts]:
        """The handler and its (normalised) parts; an unknown path, or a known one under
        another method, is Notion's 400 ``invalid_request_url``."""
        found = self.router.find(req.method, req.path)
        if isinstance(found, bool):
            raise NotionError(400, "invalid_request_url", "Invalid request URL.")
        handler, parts = found
        return handler, {k: uuid_of(f"path.{k}", v) if k in ID_PARAMS else v
                         for k, v in parts.items()}

    # -- databases and data sources -----------------------------------------------------------

    def _may_edit(self, allowed: bool | None = None) -> None:
        if not (self.emu.allow_schema_edits if allowed is None else allowed):
            raise NotionError(403, "restricted_resource", "Insufficient permissions for this "
                              "endpoint.")

    def create_database(self, req: Request, p: Parts) -> Any:
        return emu_databases.create_database(self.emu, body_of(req))

    def database(self, req: Request, p: Parts) -> Any:
        db = self.emu.databases.get(p["database_id"]) or missing("database", p["database_id"])
        if req.method == "PATCH":
            self._may_edit()
            return emu_databases.update_database(self.emu, p["database_id"], body_of(req))
        return db

    def create_data_source(self, req: Request, p: Parts) -> Any:
        return emu_databases.create_data_source(self.emu, body_of(req))

    def data_source(self, req: Request, p: Parts) -> Any:
        ds = self.emu.sources.get(p["data_source_id"]) or missing("data_source",
                                                                    p["data_source_id"])
        if req.method == "PATCH":
            self._may_edit()
            return emu_databases.update_data_source(self.emu, p["data_source_id"],
                                                    body_of(req))
        return ds

    def templates(self, req: Request, p: Parts) -> Response:
        return emu_databases.templates(self.emu, p["data_source_id"])

    def query(self, req: Request, p: Parts) -> Any:
        return self.emu.query(p["data_source_id"], body_of(req))

    # -- pages --------------------------------------------------------------------------------

    def create_page(self, req: Request, p: Parts) -> Any:
        return self.emu._public(emu_pages.create(self.emu, body_of(req)))

    def get_page(self, req: Request, p: Parts) -> Any:
        return self.emu._public(self.emu.pages.get(p["page_id"]) or missing("page",
                                                                              p["page_id"]))

    def update_page(self, req: Request, p: Parts) -> Any:
        return self.emu._public(self.emu.update_page(p["page_id"], body_of(req)))

    def move_page(self, req: Request, p: Parts) -> Any:
        return self.emu._public(emu_pages.move(self.emu, p["page_id"], body_of(req)))

    def property_item(self, req: Request, p: Parts) -> Any:
        return emu_items.retrieve(self.emu, p["page_id"], p["property_id"],
                                  req.q("start_cursor"), req.q("page_size"))

    # -- users and search ---------------------------------------------------------------------

    def users(self, req: Request, p: Parts) -> Any:
        rows = list(self.emu.users.values())
        cursor, size = req.q("start_cursor") or "0", emu_blocks.page_size(req.q("page_size"))
        if not cursor.isdigit():
            raise invalid("start_cursor provided is invalid.")
        start = int(cursor)
        more = start + size < len(rows)
        return {"object": "list", "results": rows[start:start + size],
                "next_cursor": str(start + size) if more else None, "has_more": more,
                "type": "user", "user": {}}

    def me(self, req: Request, p: Parts) -> Any:
        return self.emu.users[self.emu.bot]

    def user(self, req: Request, p: Parts) -> Any:
        return self.emu.users.get(p["user_id"]) or missing("user", p["user_id"])

    # -- comments -----------------------------------------------------------------------------

    def comments(self, req: Request, p: Parts) -> Any:
        self._may_edit(self.emu.allow_comments)
        if req.method == "POST":
            return emu_comments.create(self.emu, body_of(req))
        return emu_comments.listing(self.emu, req.q("block_id"), req.q("start_cursor"),
                                    req.q("page_size"))

    def comment(self, req: Request, p: Parts) -> Any:
        self._may_edit(self.emu.allow_comments)
        ident = uuid_of("path.comment_id", p["comment_id"])
        if req.method == "PATCH":
            return emu_comments.update(self.emu, ident, body_of(req))
        if req.method == "DELETE":
            return emu_comments.delete(self.emu, ident)
        return emu_comments.retrieve(self.emu, ident)

    def custom_emojis(self, req: Request, p: Parts) -> Any:
        """The workspace's custom emojis: none in the emulator (the recorded envelope)."""
        return {"object": "list", "type": "custom_emoji", "results": [], "has_more": False,
                "next_cursor": None}

    def search(self, req: Request, p: Parts) -> Any:
        try:
            return emu_search.search(self.emu, body_of(req))
        except emu_search.SearchError as exc:
            raise NotionError(400, "validation_error", exc.message) from None

    # -- blocks -------------------------------------------------------------------------------

    def block(self, req: Request, p: Parts) -> Any:
        return emu_block_edit.retrieve(self.emu, p["block_id"])

    def update_block(self, req: Request, p: Parts) -> Any:
        return emu_block_edit.update(self.emu, p["block_id"], body_of(req))

    def delete_block(self, req: Request, p: Parts) -> Any:
        return emu_block_edit.delete(self.emu, p["block_id"])

    def children(self, req: Request, p: Parts) -> Any:
        return emu_blocks.list_children(self.emu, p["block_id"], req.q("start_cursor"),
                                        req.q("page_size"))

    def append(self, req: Request, p: Parts) -> Any:
        return emu_blocks.append_children(self.emu, p["block_id"],
                                          body_of(req).get("children") or [])
