"""The Notion emulator's ``POST /v1/search`` (API 2025-09-03): pages and data sources shared
with the integration whose title contains ``query`` (case-insensitively), filtered by
``{"property": "object", "value": "page" | "data_source"}`` (``"database"`` is refused since
2025-09-03, as Notion does), sorted by ``last_edited_time`` when asked, a page of at most 100
with Notion's cursor fields. The answer's envelope is the recorded one (notion-sdk-py's
``test_search`` cassette): ``type: page_or_data_source``."""

from __future__ import annotations

from typing import Any, Protocol

MAX_PAGE = 100


class SearchError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Workspace(Protocol):
    pages: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]
    databases: dict[str, dict[str, Any]]

    def _public(self, page: dict[str, Any]) -> dict[str, Any]: ...


def _title(obj: dict[str, Any]) -> str:
    if obj.get("object") == "data_source":
        parts = obj.get("title") or []
    else:
        parts = next((p.get("title") or [] for p in (obj.get("properties") or {}).values()
                      if p.get("type") == "title"), [])
    return "".join(str(t.get("plain_text") or "") for t in parts)


def search(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    wanted = body.get("filter") or {}
    kinds = {"page", "data_source"}
    if wanted:
        if wanted.get("property") != "object" or wanted.get("value") not in kinds:
            raise SearchError('body failed validation: body.filter.value should be "page" or '
                              f'"data_source", instead was {str(wanted.get("value"))!r}.')
        kinds = {str(wanted["value"])}
    size = body.get("page_size", MAX_PAGE)
    if not isinstance(size, int) or not 1 <= size <= MAX_PAGE:
        raise SearchError("body failed validation: body.page_size should be a number between "
                          f"1 and {MAX_PAGE}, instead was {size!r}.")
    rows: list[dict[str, Any]] = []
    if "data_source" in kinds:
        rows += [dict(ds) for ds in ws.sources.values() if not ds.get("in_trash")
                 and not ws.databases.get(ds["parent"]["database_id"], {}).get("in_trash")]
    if "page" in kinds:
        rows += [ws._public(p) for p in ws.pages.values() if not p.get("in_trash")]
    query = str(body.get("query") or "").lower()
    rows = [r for r in rows if query in _title(r).lower()]
    sort = body.get("sort") or {}
    if sort.get("timestamp") == "last_edited_time":
        rows.sort(key=lambda r: str(r.get("last_edited_time") or r.get("created_time") or ""),
                  reverse=sort.get("direction") != "ascending")
    cursor = body.get("start_cursor")
    if cursor is not None and not (isinstance(cursor, str) and cursor.isdigit()):
        raise SearchError("start_cursor provided is invalid.")
    start = int(cursor or 0)
    more = start + size < len(rows)
    return {"object": "list", "results": rows[start:start + size],
            "next_cursor": str(start + size) if more else None, "has_more": more,
            "type": "page_or_data_source", "page_or_data_source": {}}
