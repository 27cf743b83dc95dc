"""Notion exchanges checked against the shapes of real Notion traffic: the objects in
notion-sdk-py's recorded cassettes (Notion-Version 2025-09-03; ``specs/notion-shapes.json``,
made by ``make_shapes.py``). Notion's own OpenAPI description is partial and contradicted by
those recordings, so it is not used.

Kinds: each object's ``object`` (page, block, list, error...; a block or property item
without the payload under its type's name, which is checked as its own kind,
``block.paragraph``), a page's property values and a data source's property schemas by type,
and rich-text runs by type. ``request_id`` is checked on the answer itself only."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.conformance import shapes
from tests.support.conformance.exchange import Exchange, Violation

SHAPES = Path(__file__).parent / "specs" / "notion-shapes.json"
_ID = re.compile(r"/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def kinds(body: Any, where: str = "", parent: str = "") -> Iterator[tuple[str, dict[str, Any],
                                                                         str]]:
    if isinstance(body, list):
        for item in body:
            yield from kinds(item, f"{where}/*", parent)
        return
    if not isinstance(body, dict):
        return
    kind = None
    shown = {k: v for k, v in body.items() if k != "request_id"}  # top level only: below
    if isinstance(body.get("object"), str):
        kind = body["object"]
        if kind in ("block", "property_item"):  # the payload under the type's name: its own
            shown.pop(str(body.get("type")), None)
    elif "plain_text" in body and isinstance(body.get("type"), str):
        kind = f"rich_text.{body['type']}"
    elif parent.endswith(".properties") and isinstance(body.get("type"), str):
        kind = f"{parent}.{body['type']}"
    if kind is not None:
        yield kind, shown, where
    for key, value in body.items():
        here = f"{where}/{key}"
        if key == "properties" and kind in ("page", "data_source", "database"):
            owner = "page" if kind == "page" else "schema"
            for prop in value.values() if isinstance(value, dict) else ():
                yield from kinds(prop, f"{here}/{{name}}", f"{owner}.properties")
        elif kind == "block" and key == body.get("type") and isinstance(value, dict):
            yield f"block.{key}", value, here
            yield from kinds(value, here, f"block.{key}")
        else:
            yield from kinds(value, here, kind or parent)


@functools.cache
def _shapes() -> dict[str, dict[str, Any]]:
    return shapes.load(SHAPES)


def operation(method: str, path: str) -> str:
    return f"{method} {_ID.sub('/{id}', path)}"


def validate(ex: Exchange) -> list[Violation]:
    op = operation(ex.method, ex.path)
    try:
        body = json.loads(ex.response_body or b"null")
    except ValueError:
        return [Violation("notion", op, f"response {ex.status}: not JSON")]
    found = shapes.departures(body, kinds, _shapes(), strict_null=True)
    if isinstance(body, dict) and "object" in body and "request_id" not in body:
        found.append("(body): lacks request_id (every recorded answer carries one)")
    return [Violation("notion", op, f"response {ex.status}: {m}") for m in found]
