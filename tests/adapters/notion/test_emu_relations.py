"""Relation properties in the Notion emulator, as Notion documents them (API 2025-09-03):
the configuration a data source answers (``data_source_id``, ``database_id``, one-way or
two-way with the synced property Notion adds), page values (``relation`` and ``has_more``,
25 references a page's answer, all of them through the property item endpoint), the synced
side kept in step, relation filters, and the refusals (a page outside the related data
source is a 400 ``validation_error`` that changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import NotionSandbox
from tests.adapters.notion.test_emulator import api, page, query


def rel(*ids: str) -> dict[str, Any]:
    return {"relation": [{"id": i} for i in ids]}


def refs(emu: NotionEmulator, pid: str, name: str) -> list[str]:
    got = api(emu, "GET", f"pages/{pid}").json()["properties"][name]
    assert got["type"] == "relation" and got["has_more"] is False
    return [r["id"] for r in got["relation"]]


def schema(emu: NotionEmulator, ds: str) -> dict[str, Any]:
    resp = api(emu, "GET", f"data_sources/{ds}")
    assert resp.status_code == 200
    props: dict[str, Any] = resp.json()["properties"]
    return props


def test_sub_items_are_a_two_way_self_relation(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    resp = api(emu, "PATCH", f"data_sources/{ds}", {"properties": {"Parent item": {
        "relation": {"data_source_id": ds, "type": "dual_property", "dual_property": {
            "synced_property_name": "Sub-item"}}}}})
    assert resp.status_code == 200, resp.json()
    props = schema(emu, ds)
    parent, sub = props["Parent item"], props["Sub-item"]
    assert parent["relation"] == {
        "database_id": sandbox.db, "data_source_id": ds, "type": "dual_property",
        "dual_property": {"synced_property_name": "Sub-item",
                          "synced_property_id": sub["id"]}}
    assert sub["relation"] == {
        "database_id": sandbox.db, "data_source_id": ds, "type": "dual_property",
        "dual_property": {"synced_property_name": "Parent item",
                          "synced_property_id": parent["id"]}}
    assert {parent["type"], sub["type"]} == {"relation"} and parent["id"] != sub["id"]


def test_the_synced_side_follows_every_change(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    emu.enable_sub_items(ds)
    p, q = page(emu, ds, "P"), page(emu, ds, "Q")
    before = api(emu, "GET", f"pages/{p}").json()["last_edited_time"]
    emu.clock_offset += dt.timedelta(minutes=2)
    resp = api(emu, "POST", "pages", {"parent": {"data_source_id": ds}, "properties": {
        "Name": {"title": [{"text": {"content": "C"}}]}, "Parent item": rel(p)}})
    assert resp.status_code == 200, resp.json()
    c = resp.json()["id"]
    assert resp.json()["properties"]["Parent item"] == {
        "id": schema(emu, ds)["Parent item"]["id"], "type": "relation",
        "relation": [{"id": p}], "has_more": False}
    assert refs(emu, p, "Sub-item") == [c]
    assert api(emu, "GET", f"pages/{p}").json()["last_edited_time"] > before  # edited by it
    # moved under Q: P loses it, Q gains it
    assert api(emu, "PATCH", f"pages/{c}", {"properties": {"Parent item": rel(q)}}
               ).status_code == 200
    assert (refs(emu, p, "Sub-item"), refs(emu, q, "Sub-item")) == ([], [c])
    # and from the other side: Q's sub-items emptied, P's given it back
    api(emu, "PATCH", f"pages/{q}", {"properties": {"Sub-item": rel()}})
    assert refs(emu, c, "Parent item") == []
    api(emu, "PATCH", f"pages/{p}", {"properties": {"Sub-item": rel(c.replace("-", ""))}})
    assert refs(emu, c, "Parent item") == [p]  # an id without dashes is taken, and dashed


def test_a_relation_to_a_page_outside_the_related_data_source_is_refused(
        sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    emu.enable_sub_items(ds)
    _, other = emu.add_database("Other", {})
    outside, p = page(emu, other, "outside"), page(emu, ds, "P")
    c = page(emu, ds, "C", **{"Parent item": rel(p)})
    for value in (rel(outside), rel("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), rel(p, outside)):
        resp = api(emu, "PATCH", f"pages/{c}", {"properties": {
            "Name": {"title": [{"text": {"content": "renamed"}}]}, "Parent item": value}})
        assert resp.status_code == 400 and resp.json()["code"] == "validation_error"
    got = api(emu, "GET", f"pages/{c}").json()  # nothing of the refused writes
    assert got["properties"]["Name"]["title"][0]["plain_text"] == "C"
    assert refs(emu, c, "Parent item") == [p] and refs(emu, p, "Sub-item") == [c]
    for value in ({"relation": "nope"}, {"relation": [{"id": 3}]}, {"relation": [{}]},
                  {"relation": [{"id": "not-an-id"}]}):
        resp = api(emu, "PATCH", f"pages/{c}", {"properties": {"Parent item": value}})
        assert resp.status_code == 400 and resp.json()["code"] == "validation_error", value
    resp = api(emu, "POST", "pages", {"parent": {"data_source_id": ds}, "properties": {
        "Name": {"title": [{"text": {"content": "D"}}]}, "Parent item": rel(outside)}})
    assert resp.status_code == 400
    assert query(emu, ds, filter={"property": "Name", "title": {"equals": "D"}}) == []


def test_a_page_answer_shows_25_references_and_the_property_item_pages_all(
        sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    emu.enable_sub_items(ds)
    p = page(emu, ds, "P")
    kids = [page(emu, ds, f"c{i}", **{"Parent item": rel(p)}) for i in range(30)]
    got = api(emu, "GET", f"pages/{p}").json()["properties"]["Sub-item"]
    assert got["has_more"] is True and [r["id"] for r in got["relation"]] == kids[:25]
    listed = api(emu, "POST", f"data_sources/{ds}/query",
                 {"filter": {"property": "Name", "title": {"equals": "P"}}}).json()
    assert listed["results"][0]["properties"]["Sub-item"] == got
    pid, seen, cursor = got["id"], [], None
    while True:
        params = {"page_size": 20} | ({"start_cursor": cursor} if cursor else {})
        item = api(emu, "GET", f"pages/{p}/properties/{pid}", **params).json()
        assert item["object"] == "list" and item["property_item"]["type"] == "relation"
        seen += [r["relation"]["id"] for r in item["results"]]
        if not item["has_more"]:
            break
        cursor = item["next_cursor"]
    assert seen == kids


def test_relation_filters(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    emu.enable_sub_items(ds)
    p = page(emu, ds, "P")
    page(emu, ds, "C", **{"Parent item": rel(p)})
    def titles(cond: dict[str, Any]) -> list[str]:
        return sorted(query(emu, ds, filter={"property": "Parent item", "relation": cond}))
    assert titles({"contains": p}) == ["C"]
    assert titles({"contains": p.replace("-", "")}) == ["C"]
    assert titles({"does_not_contain": p}) == ["P"]
    assert titles({"is_empty": True}) == ["P"]
    assert titles({"is_not_empty": True}) == ["C"]
    resp = api(emu, "POST", f"data_sources/{ds}/query",
               {"filter": {"property": "Parent item", "relation": {"equals": p}}})
    assert resp.status_code == 400


def test_one_way_and_cross_data_source_relations(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    _, projects = emu.add_database("Projects", {})
    api(emu, "PATCH", f"data_sources/{projects}", {"title": [{"text": {"content": "Projects"}}]})
    resp = api(emu, "PATCH", f"data_sources/{ds}", {"properties": {
        "Blocked by": {"relation": {"data_source_id": ds, "type": "single_property",
                                    "single_property": {}}},
        "Project": {"relation": {"data_source_id": projects.replace("-", "")}}}})
    assert resp.status_code == 200, resp.json()
    props = schema(emu, ds)
    assert props["Blocked by"]["relation"] == {
        "database_id": sandbox.db, "data_source_id": ds, "type": "single_property",
        "single_property": {}}
    assert props["Project"]["relation"]["type"] == "dual_property"  # Notion's default
    synced = schema(emu, projects)["Related to Tasks (Project)"]  # named as Notion names it
    assert synced["relation"]["data_source_id"] == ds
    assert synced["relation"]["dual_property"] == {"synced_property_name": "Project",
                                                   "synced_property_id": props["Project"]["id"]}
    # renaming one side renames it in the other's configuration
    api(emu, "PATCH", f"data_sources/{ds}", {"properties": {"Project": {"name": "Projects"}}})
    synced = schema(emu, projects)["Related to Tasks (Project)"]
    assert synced["relation"]["dual_property"]["synced_property_name"] == "Projects"
    # dropping one side leaves the other one-way, its values kept
    x = page(emu, projects, "X")
    t = page(emu, ds, "T", Projects=rel(x))
    assert refs(emu, x, "Related to Tasks (Project)") == [t]
    api(emu, "PATCH", f"data_sources/{ds}", {"properties": {"Projects": None}})
    synced = schema(emu, projects)["Related to Tasks (Project)"]
    assert synced["relation"] == {"database_id": sandbox.db, "data_source_id": ds,
                                  "type": "single_property", "single_property": {}}
    assert refs(emu, x, "Related to Tasks (Project)") == [t]
    # a one-way relation made two-way: its links appear on the new synced side
    a, b = page(emu, ds, "A"), page(emu, ds, "B")
    api(emu, "PATCH", f"pages/{b}", {"properties": {"Blocked by": rel(a)}})
    resp = api(emu, "PATCH", f"data_sources/{ds}", {"properties": {"Blocked by": {"relation": {
        "data_source_id": ds, "type": "dual_property",
        "dual_property": {"synced_property_name": "Blocking"}}}}})
    assert resp.status_code == 200, resp.json()
    assert refs(emu, a, "Blocking") == [b]


def test_relation_configurations_notion_refuses_change_nothing(sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    before = schema(emu, ds)
    for config in ({}, {"data_source_id": 7}, {"data_source_id": "nope"},
                   {"data_source_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
                   {"data_source_id": ds, "type": "both"},
                   {"data_source_id": ds, "dual_property": {"synced_property_name": 1}},
                   {"data_source_id": ds, "dual_property": {"synced_property_name": "Due"}}):
        resp = api(emu, "PATCH", f"data_sources/{ds}", {"properties": {
            "Extra": {"rich_text": {}}, "Parent item": {"relation": config}}})
        assert resp.status_code == 400 and resp.json()["code"] == "validation_error", config
    assert schema(emu, ds) == before


def test_a_page_moved_out_of_the_data_source_leaves_its_relations(
        sandbox: NotionSandbox) -> None:
    emu, ds = sandbox.emu, sandbox.ds
    emu.enable_sub_items(ds)
    p = page(emu, ds, "P")
    c = page(emu, ds, "C", **{"Parent item": rel(p)})
    holder = api(emu, "POST", "pages", {"parent": {"page_id": p}, "properties": {
        "title": {"title": [{"text": {"content": "holder"}}]}}}).json()["id"]
    resp = api(emu, "POST", f"pages/{c}/move", {"parent": {"page_id": holder}})
    assert resp.status_code == 200, resp.json()
    assert "Parent item" not in resp.json()["properties"]
    assert refs(emu, p, "Sub-item") == []
