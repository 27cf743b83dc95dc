"""notion-client's own calls against the Notion emulator, over real sockets, as a user's other
tools make them: schema renames, users, blocks, comments, page property items, restoring a
trashed page, nested children, icons. Where real traffic was recorded (notion-sdk-py's
cassettes, MIT licence, trimmed into fixtures/recorded_calls.json) the emulator's answer has
the recorded answer's keys, level by level."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notion_client import APIResponseError, Client

from adapters.notion.sandbox import NotionSandbox

#: the sandbox and notion-client's Client, typed Any: its sync/async result union is no use here
Site = tuple[NotionSandbox, Any]
RECORDED = json.loads((Path(__file__).parent / "fixtures" / "recorded_calls.json").read_text())


def recorded(cassette: str, method: str) -> dict[str, Any]:
    """The recorded response body of the ``method`` call kept from ``cassette``."""
    for call in RECORDED["calls"]:
        if (call["cassette"], call["method"]) == (f"{cassette}.yaml", method):
            body: dict[str, Any] = call["body"]
            return body
    raise LookupError(f"no recorded {method} in {cassette}")


def same_keys(real: Any, ours: Any, where: str = "") -> None:
    """The emulator's answer has the recorded answer's keys: in every object, and in the
    first element of every list (the recording's values differ, its shape must not)."""
    if isinstance(real, dict):
        assert isinstance(ours, dict), where
        assert set(real) == set(ours), f"{where}: {set(real) ^ set(ours)}"
        for key, value in real.items():
            same_keys(value, ours[key], f"{where}.{key}")
    elif isinstance(real, list) and real and ours:
        same_keys(real[0], ours[0], f"{where}[0]")


def rich(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


@pytest.fixture
def site() -> Iterator[Site]:
    sb = NotionSandbox(schema={"Kind": {"select": {"options": [{"name": "bug"}]}},
                               "Notes": {"rich_text": {}}})
    client = Client(auth=sb.emu.token, base_url=sb.emu.base_url, notion_version="2025-09-03",
                    retry=False)
    try:
        yield sb, client
    finally:
        client.close()
        sb.stop()


def new_page(sb: NotionSandbox, client: Any, title: str, **body: Any) -> dict[str, Any]:
    page: dict[str, Any] = client.pages.create(
        parent={"data_source_id": sb.ds}, properties={"Name": {"title": rich(title)}}, **body)
    return page


# -- data sources ----------------------------------------------------------------------------


def test_renaming_a_property_keeps_its_id_type_and_every_value(
        site: Site) -> None:
    sb, notion = site
    page = notion.pages.create(parent={"data_source_id": sb.ds}, properties={
        "Name": {"title": rich("a")}, "Kind": {"select": {"name": "bug"}}})
    before = notion.data_sources.retrieve(data_source_id=sb.ds)["properties"]["Kind"]
    ds = notion.data_sources.update(data_source_id=sb.ds,
                                    properties={"Kind": {"name": "Kind2"}})
    assert "Kind" not in ds["properties"]
    assert ds["properties"]["Kind2"] == {**before, "name": "Kind2"}
    value = notion.pages.retrieve(page_id=page["id"])["properties"]
    assert "Kind" not in value and value["Kind2"]["select"]["name"] == "bug"
    found = notion.data_sources.query(data_source_id=sb.ds, filter={
        "property": "Kind2", "select": {"equals": "bug"}})["results"]
    assert [p["id"] for p in found] == [page["id"]]
    # by id, with a type too: both change, the id stays
    ds = notion.data_sources.update(data_source_id=sb.ds, properties={
        before["id"]: {"name": "Kind3", "rich_text": {}}})
    assert (ds["properties"]["Kind3"]["id"], ds["properties"]["Kind3"]["type"]) == \
        (before["id"], "rich_text")
    assert notion.pages.retrieve(page_id=page["id"])["properties"]["Kind3"]["rich_text"] == []


def test_renaming_onto_a_taken_name_or_a_missing_property_is_a_400(
        site: Site) -> None:
    sb, notion = site
    for props in ({"Kind": {"name": "Notes"}}, {"Nope": {"name": "Other"}}):
        with pytest.raises(APIResponseError) as refused:
            notion.data_sources.update(data_source_id=sb.ds, properties=props)
        assert (refused.value.status, refused.value.code) == (400, "validation_error")
    names = set(notion.data_sources.retrieve(data_source_id=sb.ds)["properties"])
    assert {"Kind", "Notes"} <= names and "Other" not in names


def test_unknown_path_is_invalid_request_url(site: Site) -> None:
    _, notion = site
    with pytest.raises(APIResponseError) as refused:
        notion.request(path="invalid", method="GET")
    assert (refused.value.status, refused.value.code) == (400, "invalid_request_url")
    assert str(uuid.UUID(refused.value.request_id or ""))
