"""The adapter's converters read every object real Notion answered in notion-sdk-py's recorded
cassettes (``cassettes/``, all 79): each page into the canonical Item (its title, link and edit
time, in property mode and with its paragraphs as the description in body mode), each data
source's schema as the mapping checks it, each database's data sources as the resolver picks
them, each block's paragraphs as the description, and every rich-text array (titles, text,
descriptions, comments; text, equations and mentions) as Markdown that reads back as the same
plain text. The counts are every full object in every recorded answer, so a cassette that goes
missing, or a converter that skips an object, fails here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.notion import body, richtext, schema
from adapters.notion.adapter import NotionAdapter
from adapters.notion.props import PropertyMap
from tests.adapters.notion.recorded import UUID, full_objects, interactions

CTX = EndpointContext(name="notion", flow="recorded", timezone="Europe/Berlin")
BODY_CTX = EndpointContext(name="notion", flow="recorded", timezone="Europe/Berlin",
                           options={"targets": {"description": "body"}})

#: every full object of each kind in every recorded answer (one answered twice counts twice)
COUNTS = {"page": 60, "data_source": 39, "database": 26, "block": 128, "comment": 11,
          "user": 14}
RICH_KEYS = ("title", "rich_text", "description")


def plain(parts: list[dict[str, Any]] | None) -> str:
    """The text of answered elements (``plain_text``) or of ones to write (``text``)."""
    return "".join(str(p["plain_text"] if "plain_text" in p else p["text"]["content"])
                   for p in parts or [])


def reads_back(parts: list[dict[str, Any]]) -> None:
    """Markdown of the elements that, written back, is the same plain text."""
    md = richtext.rich_to_md(parts)
    if not plain(parts):
        assert md in (None, "")
        return
    assert md is not None
    assert plain(richtext.md_to_rich(md)) == plain(parts), (parts, md)


def rich_arrays(value: Any) -> Iterator[list[dict[str, Any]]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in RICH_KEYS and isinstance(inner, list):
                yield inner
            else:
                yield from rich_arrays(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from rich_arrays(inner)


def users() -> dict[str, str]:
    """What the adapter reads from ``/v1/users``: a person's id -> e-mail."""
    return {u["id"]: u["person"]["email"].lower() for u in full_objects("user")
            if (u.get("person") or {}).get("email")}


def schema_of(page: dict[str, Any]) -> dict[str, Any]:
    """A data source schema with the page's own properties (a page under a page: its title)."""
    return {name: {"id": v["id"], "type": v["type"], v["type"]: {}}
            for name, v in page["properties"].items()}


def paragraphs_under(page_id: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for block in full_objects("block"):
        if block["parent"].get("page_id") == page_id and block["type"] == "paragraph":
            seen.setdefault(block["id"], block)
    return list(seen.values())


@pytest.mark.parametrize("kind", sorted(COUNTS))
def test_every_recorded_object_is_counted(kind: str) -> None:
    assert sum(1 for _ in full_objects(kind)) == COUNTS[kind]


def test_every_recorded_page_reads_as_an_item_in_both_modes() -> None:
    pages = list(full_objects("page"))
    for page in pages:
        title = next(v["title"] for v in page["properties"].values() if v["type"] == "title")
        for ctx, description in ((CTX, None), (BODY_CTX, body.text_of(
                paragraphs_under(page["id"])))):
            props = schema.check(schema_of(page), ctx)
            item = PropertyMap(props, ctx, users).to_item(page, description)
            assert item.title == (richtext.rich_to_md(title) or "")
            assert plain(richtext.md_to_rich(item.title)) == plain(title)
            assert item.url == page["url"]
            assert item.updated_at == dt.datetime.fromisoformat(
                page["last_edited_time"].replace("Z", "+00:00"))
            assert item.description == description
        assert len(NotionAdapter._version(page, None)) == 24
    assert len(pages) == COUNTS["page"]


def test_every_recorded_data_source_schema_is_checked_and_its_database_resolved() -> None:
    sources = list(full_objects("data_source"))
    for ds in sources:
        props = schema.check(ds["properties"], CTX)
        title = next(n for n, p in ds["properties"].items() if p["type"] == "title")
        assert props["title"] == (title, "title")
        assert UUID.match(ds["parent"]["database_id"])
        reads_back(ds["title"])
        reads_back(ds["description"])
    assert len(sources) == COUNTS["data_source"]


class Recorded:
    """A stand-in for the adapter's client that answers with a recorded database (and, for
    any of its data sources, a schema with a title and synchub's origin property)."""

    def __init__(self, db: dict[str, Any]) -> None:
        self.sdk = SimpleNamespace(
            databases=SimpleNamespace(retrieve=lambda database_id: db),
            data_sources=SimpleNamespace(retrieve=lambda data_source_id: {"properties": {
                "Name": {"id": "title", "type": "title", "title": {}},
                schema.ORIGIN_PROPERTY: {"id": "o", "type": "rich_text", "rich_text": {}}}}))

    def call(self, fn: Any, write: bool = False) -> Any:
        assert not write
        return fn()


def test_every_recorded_database_names_data_sources_the_resolver_picks() -> None:
    databases = list(full_objects("database"))
    for db in databases:
        first = db["data_sources"][0]
        for named in (None, first["name"], first["id"]):
            source, props, unversioned = schema.resolve(
                Recorded(db), CTX, db["id"], named)  # type: ignore[arg-type]
            assert (source, props["title"]) == (first["id"], ("Name", "title"))
            assert "parent" not in props and unversioned == frozenset()  # no relations
        reads_back(db["title"])
    assert len(databases) == COUNTS["database"]


def test_every_recorded_block_reads_as_a_description_or_is_left_alone() -> None:
    blocks = list(full_objects("block"))
    for block in blocks:
        kept = [b for b in [block] if b.get("type") == "paragraph"]  # as paragraph_blocks()
        text = body.text_of(kept)
        if kept:
            reads_back(block["paragraph"]["rich_text"])
            assert text == richtext.rich_to_md(block["paragraph"]["rich_text"])
        else:
            assert text is None and block["type"] in ("child_page", "child_database")
    assert len(blocks) == COUNTS["block"]


def test_every_recorded_rich_text_array_reads_back_as_its_plain_text() -> None:
    arrays = [a for it in interactions() if it.is_json for a in rich_arrays(it.body)]
    for parts in arrays:
        reads_back(parts)
    kinds = {p["type"] for parts in arrays for p in parts}
    assert kinds == {"text", "equation", "mention"}
    assert (len(arrays), sum(1 for a in arrays if a)) == (255, 188)
