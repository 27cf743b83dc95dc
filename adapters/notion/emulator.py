"""A local Notion API (Notion-Version 2025-09-03: databases hold data sources).

Serves databases (create with their first data source, retrieve, update; a database's id
under ``/v1/blocks`` is its ``child_database`` block) and data sources (create, retrieve,
update: properties, whose changes reach every page, title, icon, trash; no templates) in
:mod:`adapters.notion.emu_databases`, relation properties (one-way and two-way, Sub-items
among them) in :mod:`adapters.notion.emu_relations`, ``/v1/data_sources/{id}/query``
(:mod:`adapters.notion.emu_query`: filters, sorts, ``start_cursor``/``has_more``,
``page_size`` <= 100, ``in_trash``), pages under a data source, a page or the workspace (create,
retrieve, update, ``in_trash``, move: :mod:`adapters.notion.emu_pages`),
``/v1/pages/{id}/properties/{property_id}`` (:mod:`adapters.notion.emu_items`), ``/v1/users``
(and ``/v1/users/{id}``), comments (:mod:`adapters.notion.emu_comments`), search, custom emojis
(none) and the block endpoints (:mod:`adapters.notion.emu_blocks`,
:mod:`adapters.notion.emu_block_edit`), routed by the table in
:mod:`adapters.notion.emu_routes` (an unknown path, or a known one under another method, is
Notion's 400 ``invalid_request_url``). Values follow Notion's rules
(:mod:`adapters.notion.emu_values`, :mod:`adapters.notion.emu_richtext`,
:mod:`adapters.notion.emu_dates`). Ids are dashed UUIDs (a malformed one is a 400
``validation_error``), ``last_edited_time`` is rounded down to the minute, the ``Date`` header
is the emulator's clock, errors have Notion's shape (``object: error``, ``status``, ``code``,
``message``, ``request_id``; a 404 names the integration in ``additional_data``;
:mod:`adapters.notion.emu_errors`), and an optional request rate limit answers 429
``rate_limited`` with ``Retry-After`` (an injected 529 is ``service_overload``, also with
``Retry-After``). :meth:`NotionEmulator.seed` loads objects as a real workspace answered them
(:mod:`adapters.notion.emu_seed`). Every recorded cassette of notion-sdk-py is replayed
against it in the tests (``test_cassette_replay.py``).

A request is applied whole or not at all, as Notion applies it: every handler checks all of it
before it changes anything, so a 4xx leaves the workspace as it was (a client's retry finds
nothing half done). A body that is not JSON is Notion's 400 ``invalid_json``; one whose shape
no check caught is a 400 ``validation_error``, not a 500. The helpers that stand for a user in
Notion's app (:meth:`~NotionEmulator.create_page`, :meth:`~NotionEmulator.update_page`,
:meth:`~NotionEmulator.add_database`...) take :attr:`lock`, as every HTTP request does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import uuid
from collections.abc import Iterable
from typing import Any

from adapters.emulation import Emulator, Request, Response
from adapters.notion import (
    emu_block_edit,
    emu_databases,
    emu_pages,
    emu_query,
    emu_relations,
    emu_richtext,
    emu_schema,
    emu_seed,
)
from adapters.notion.emu_errors import NotionError
from adapters.notion.emu_richtext import text
from adapters.notion.emu_routes import NotionRoutes
from adapters.ratewindow import SlidingWindow

#: the comment operations by method, for faults (``GET /v1/comments/{id}`` is its path)
COMMENT_OPS = {"GET": "comments", "POST": "add_comment", "PATCH": "edit_comment",
               "DELETE": "delete_comment"}


def _minute(ts: dt.datetime) -> str:
    return ts.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:00.000Z")


class NotionEmulator(Emulator):
    service = "notion"

    def __init__(self, token: str = "secret-test", *, requests_per_second: float | None = None
                 ) -> None:
        super().__init__()
        self.token = token
        #: Notion's requests a second per integration, the one window every request of the
        #: token counts in: at most ``requests_per_second`` in any second (Notion documents
        #: "an average of three a second" and "some bursts beyond" without saying how big;
        #: the window is the strict reading, so a client that passes it passes Notion).
        #: None (the default, for unit tests): no limit; benches set 3.
        self.rate = SlidingWindow(requests_per_second or 0, 1.0)
        self.rate_limited = 0  # 429s the window answered (benches print them)
        self.users: dict[str, dict[str, Any]] = {}
        self.databases: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[dict[str, Any]]] = {}
        self.comments: list[dict[str, Any]] = []  # in the order made (emu_comments)
        self.trashed_blocks: dict[str, dict[str, Any]] = {}  # deleted, still retrievable
        self.block_places: dict[str, emu_block_edit.Place] = {}  # where a deleted block was
        self.allow_schema_edits = True  # False: the integration lacks "update content"
        self.allow_comments = True  # False: it lacks the comment capabilities (a 403)
        self.retry_after = 1  # seconds, on an injected 529 (a 429 of the rate: its own wait)
        self._order = itertools.count()
        self.bot = self.add_user("synchub integration", bot=True)
        self.routes = NotionRoutes(self)

    @property
    def rps(self) -> float | None:
        return self.rate.limit or None

    @rps.setter
    def rps(self, value: float | None) -> None:
        self.rate.limit = value or 0

    # -- direct state access ------------------------------------------------------------------

    def add_user(self, name: str, email: str | None = None, bot: bool = False) -> str:
        uid = str(uuid.uuid4())
        with self.lock:
            self.users[uid] = {"object": "user", "id": uid, "name": name, "avatar_url": None,
                               "type": "bot" if bot else "person",
                               **({"bot": self._bot_details(name)} if bot
                                  else {"person": {"email": email, "email_verified": True}})}
        return uid

    def seed(self, objects: Iterable[dict[str, Any]], integration: str | None = None) -> None:
        """Objects as a real workspace answered them, kept with their ids (users, pages,
        databases, data sources, blocks, comments; :mod:`adapters.notion.emu_seed`);
        ``integration``: the id of the (seeded) bot user the token stands for."""
        with self.lock:
            emu_seed.seed(self, objects, integration)

    def _bot_details(self, name: str) -> dict[str, Any]:
        """What Notion says about an integration (the recorded ``users/me``): its workspace."""
        return {"owner": {"type": "workspace", "workspace": True}, "workspace_name": name,
                "workspace_id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.token)),
                "workspace_limits": {"max_file_upload_size_in_bytes": 5242880}}

    def add_database(self, title: str, properties: dict[str, dict[str, Any]]) -> tuple[str, str]:
        """A database in the workspace with one data source; ``properties``: name ->
        {type: config}, after a ``Name`` title. Both carry every key the recorded answers have
        (``test_databases_retrieve``, ``test_data_sources_retrieve``)."""
        with self.lock:
            return emu_databases.new_database(
                self, [text(title)], {"Name": {"type": "title", "title": {}}} | properties)

    def enable_sub_items(self, ds: str) -> None:
        """Sub-items on, as in Notion's app (a database's **•••** > *Sub-items*): the
        self-relation pair "Parent item" (two-way, synced with "Sub-item") in ``ds``."""
        self._set_properties(ds, {"Parent item": {"relation": {
            "data_source_id": ds, "type": "dual_property",
            "dual_property": {"synced_property_name": "Sub-item"}}}})

    def _set_properties(self, ds: str, props: dict[str, Any]) -> None:
        """Add, change, rename or drop properties (:mod:`adapters.notion.emu_schema`)."""
        with self.lock:
            emu_schema.update(self, ds, props)

    def trash(self, page_id: str) -> None:
        with self.lock:
            self.pages[page_id]["in_trash"] = True
            self.touch(self.pages[page_id])

    def create_page(self, ds: str, properties: dict[str, Any], *, icon: Any = None,
                    cover: Any = None, page_id: str | None = None) -> dict[str, Any]:
        """A page in the data source ``ds``, as a user makes it in Notion's app."""
        with self.lock:
            if ds not in self.sources:
                raise NotionError(404, "object_not_found",
                                  f"Could not find data_source with ID: {ds}.")
            parent = {"type": "data_source_id", "data_source_id": ds,
                      "database_id": self.sources[ds]["parent"]["database_id"]}
            return self.new_page(parent, properties, icon=icon, cover=cover, page_id=page_id)

    def new_page(self, parent: dict[str, Any], properties: dict[str, Any], *, icon: Any = None,
                 cover: Any = None, page_id: str | None = None) -> dict[str, Any]:
        """A page under ``parent`` (:func:`adapters.notion.emu_pages.new_page`)."""
        with self.lock:
            return emu_pages.new_page(self, parent, properties, icon=icon, cover=cover,
                                      page_id=page_id)

    def update_page(self, pid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change a page as ``PATCH /v1/pages/{id}`` does (:func:`adapters.notion.emu_pages
        .update`), or as a user does in Notion's app."""
        with self.lock:
            return emu_pages.update(self, pid, body)

    def query(self, ds: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/data_sources/{id}/query`` (:func:`adapters.notion.emu_query.query`)."""
        with self.lock:
            return emu_query.query(self, ds, body)

    # -- values -------------------------------------------------------------------------------

    def rich(self, value: Any, where: str = "rich_text") -> list[dict[str, Any]]:
        """Rich text as stored, a mention showing the name of what it mentions."""
        return emu_richtext.rich(
            value, lambda kind, ident: emu_pages.name_of(self, kind, ident), where)

    def minute(self) -> str:
        """Now on the emulator's clock, rounded down to the minute as Notion's timestamps."""
        return _minute(self.now())

    def touch(self, page: dict[str, Any]) -> None:
        """A page was edited: its ``last_edited_time``, and its place in edit order."""
        page["last_edited_time"] = _minute(self.now())
        page["_order"] = next(self._order)

    @staticmethod
    def _public(page: dict[str, Any]) -> dict[str, Any]:
        """A page as answered: without the emulator's own keys, each relation with its first
        references only (:func:`adapters.notion.emu_relations.shown_value`)."""
        out = {k: v for k, v in page.items() if not k.startswith("_")}
        props = out.get("properties") or {}
        if any(v.get("type") == "relation" for v in props.values()):
            out["properties"] = {n: emu_relations.shown_value(v) if v.get("type") == "relation"
                                 else v for n, v in props.items()}
        return out

    # -- HTTP -----------------------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None = None) -> Response:
        """Notion's error shape. The status decides the code where Notion has only one for it
        (an injected 529 is ``service_overload`` and, like 429, carries ``Retry-After``)."""
        code = {429: "rate_limited", 401: "unauthorized", 404: "object_not_found",
                409: "conflict_error", 529: "service_overload", 503: "service_unavailable",
                500: "internal_server_error"}.get(status, code)
        body: dict[str, Any] = {"object": "error", "status": status, "code": code,
                                "message": message}
        if code == "object_not_found":  # as recorded: which integration could not see it
            bot = self.users.get(self.bot) or {}
            body["message"] = message.replace("your integration.",
                                              f"your integration \"{bot.get('name')}\".")
            body["additional_data"] = {"integration_id": self.bot}
        resp = Response.json({**body, "request_id": str(uuid.uuid4())}, status)
        if status in (429, 529):
            resp.headers["Retry-After"] = str(self.retry_after)
        return resp

    def op_name(self, req: Request) -> tuple[str, bool]:
        if req.path.endswith("/query"):
            return "query", False
        if req.path == "/v1/pages" and req.method == "POST":
            return "create", True
        if req.path.startswith("/v1/pages/") and req.method == "PATCH":
            return "update", True
        if req.path.startswith("/v1/blocks/"):  # a page body: list, append, delete a block
            if req.path.endswith("/children"):
                return ("append", True) if req.method == "PATCH" else ("children", False)
            if req.method == "DELETE":
                return "delete_block", True
        one = req.path.startswith("/v1/comments/") and req.method != "GET"
        if (req.path == "/v1/comments" or one) and req.method in COMMENT_OPS:
            return COMMENT_OPS[req.method], req.method != "GET"  # list, add, edit, delete
        return req.path, req.method not in ("GET", "HEAD")

    def handle(self, req: Request) -> Response:
        if self.rps and not self.rate.admit():
            # Notion: "an average of three requests per second" per integration, a 429
            # ``rate_limited`` beyond it, with ``Retry-After`` "an integer number of seconds";
            # "requests made after waiting this minimum amount of time should no longer be
            # rate limited" (https://developers.notion.com/reference/request-limits). So the
            # header is the wait until the window has room, rounded up to whole seconds.
            # Refused requests are not counted (they did nothing); the wording is Notion's.
            self.rate_limited += 1
            resp = self.error_body(429, "You have been rate limited. Please try again in "
                                        "a few minutes.")
            resp.headers["Retry-After"] = str(max(1, math.ceil(self.rate.until_room())))
            return resp
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return self.error_body(401, "API token is invalid.")
        if req.headers.get("notion-version") != "2025-09-03":
            return self.error_body(400, "Notion-Version header should be 2025-09-03 here.",
                                   "missing_version")
        try:
            result = self._route(req)
            if isinstance(result, Response):  # an answer without a request_id, as recorded
                return result
            if isinstance(result, dict):  # every real answer carries one
                result = {**result, "request_id": str(uuid.uuid4())}
            return Response.json(result)
        except NotionError as exc:
            return self.error_body(exc.status, exc.message, exc.code)
        except (TypeError, AttributeError, LookupError, ValueError) as exc:
            if not (req.body or req.query):
                raise  # nothing the client gave: the emulator's own bug, a 500
            # a body or query of a shape no check caught: Notion's validation refuses what it
            # cannot read with a 400, never a 500 (handlers check a request before changing
            # anything, so this changes nothing either)
            return self.error_body(400, "body failed validation: the emulator could not read "
                                   f"the request ({exc!r}).", "validation_error")

    def _route(self, req: Request) -> Any:
        """The route table's handler for the request (:mod:`adapters.notion.emu_routes`)."""
        handler, parts = self.routes.find(req)
        return handler(req, parts)
