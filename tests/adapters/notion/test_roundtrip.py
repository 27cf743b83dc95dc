"""Round trips through notion-client and the emulator, for every property type a canonical
field can be mapped onto: title, rich_text, select, status, multi_select, date, people,
checkbox, url, number and relation (``parent``, in a database with Sub-items). Whatever is
written reads back as ``represent(value)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import ValueMap
from adapters.notion.adapter import NotionAdapter
from adapters.notion.sandbox import SCHEMA, STATUS, NotionSandbox
from hub.model import DateOnly, FloatingDateTime, Item, Span, ZonedDateTime
from tests.adapters.notion.conftest import build
from tests.support.budget import examples

words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1,
                max_size=8)
long_words = st.builds(lambda w, n: w * n, words, st.integers(300, 600))  # over 2,000 chars
markdown = st.lists(st.one_of(words, words.map(lambda w: f"**{w}**"),
                              words.map(lambda w: f"*{w}*"), words.map(lambda w: f"`{w}`"),
                              words.map(lambda w: f"**_{w}_**"),
                              words.map(lambda w: f"***{w}***"),  # reads back as **_w_**
                              long_words.map(lambda w: f"**{w}**"),
                              words.map(lambda w: f"[{w}](https://ex.org/{w})")),
                    min_size=1, max_size=6).map(" ".join)
zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"])
naive = st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2099, 1, 1)
                     ).map(lambda d: d.replace(microsecond=0, second=0))
dates = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2099, 1, 1))
urls = st.none() | words.map(lambda w: f"https://ex.org/{w}?q=1#top")
kinds = st.sampled_from(["open", "in_progress", "done", "cancelled"])


# Instants near DST changes (Europe/Berlin, America/New_York 2026) as well as anywhere.
near_dst = st.builds(lambda base, minutes: base + dt.timedelta(minutes=minutes),
                     st.sampled_from([dt.datetime(2026, 10, 25, 0, 0), dt.datetime(2026, 3, 29),
                                      dt.datetime(2026, 11, 1, 5, 0), dt.datetime(2026, 3, 8, 6)]),
                     st.integers(0, 180))
instants = (naive | near_dst).map(lambda d: d.replace(tzinfo=dt.UTC))
zoned = st.builds(lambda d, z: ZonedDateTime(at=d, tz=z), instants, zones)
floating = (naive | near_dst).map(lambda d: FloatingDateTime(at=d))


@st.composite
def whens(draw: st.DrawFn) -> tuple[Any, Span | None]:
    """(due, span): Notion holds one date, so a span's start is the due."""
    kind = draw(st.sampled_from(["none", "date", "zoned", "floating"]))
    if kind == "none":
        return None, None
    due: Any = {"date": dates.map(lambda d: DateOnly(date=d)), "zoned": zoned,
                "floating": floating}[kind]
    start = draw(due)
    if not draw(st.booleans()):
        return start, None
    length = draw(st.integers(0, 5 * 24 * 60))
    if isinstance(start, DateOnly):
        end: Any = DateOnly(date=start.date + dt.timedelta(days=1 + length // (24 * 60)))
    elif isinstance(start, ZonedDateTime):
        end = ZonedDateTime(at=start.at + dt.timedelta(minutes=length), tz=draw(zones))
    else:
        end = FloatingDateTime(at=start.at + dt.timedelta(minutes=length))
    return start, Span(start=start, end=end)


@st.composite
def items(draw: st.DrawFn) -> Item:
    due, span = draw(whens())
    return Item(title=draw(markdown), description=draw(st.none() | markdown),
                status={"kind": draw(kinds)}, due=due, span=span,
                priority=draw(st.none() | st.integers(1, 4)),
                labels=draw(st.lists(words, max_size=3)),
                assignee=draw(st.none() | st.integers(0, 4).map(lambda n: f"u{n}@example.com")),
                url=draw(urls))


PRIORITY = ValueMap.from_pairs({"Low": "1", "Medium": "2", "High": "3", "Urgent": "4"})
SELECTS = {"Status": {"select": {"options": [{"name": n} for n in STATUS.to_remote.values()]}},
           "Priority": {"select": {"options": [{"name": n} for n in PRIORITY.to_remote.values()]}}}
LAYOUTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (schema changes to the sandbox's, adapter context)
    "status-number-url": ({"URL": {"url": {}}}, {}),
    "select-status-select-priority": (SELECTS | {"URL": {"url": {}}},
                                      {"value_maps": {"status": STATUS, "priority": PRIORITY}}),
    "checkbox-status": ({"Status": {"checkbox": {}}}, {}),
    "description-in-body": ({}, {"options": {"targets": {"description": "body"}}}),
    "sub-items": ({}, {}),  # Sub-items turned on: parent is the "Parent item" relation
}
SUB_ITEMS = {"sub-items"}


Parents = dict[str, list[str | None]]  # layout -> None and pages to be a parent there


@pytest.fixture(scope="module")
def layouts() -> Iterator[tuple[dict[str, NotionAdapter], Parents]]:
    sandbox = NotionSandbox(timezone="Europe/Berlin")
    built: dict[str, NotionAdapter] = {}
    parents: Parents = {}
    for name, (changes, ctx) in LAYOUTS.items():
        db, ds = sandbox.emu.add_database(name, SCHEMA | changes)
        parents[name] = [None]
        if name in SUB_ITEMS:
            sandbox.emu.enable_sub_items(ds)
            parents[name] += [str(sandbox.emu.create_page(ds, {"Name": {"title": [
                {"text": {"content": f"parent {n}"}}]}})["id"]) for n in range(2)]
        built[name] = build(sandbox.emu, db, **ctx)
    yield built, parents
    for a in built.values():
        a.close()
    sandbox.stop()


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(item=items(), layout=st.sampled_from(sorted(LAYOUTS)), parent=st.integers(0, 2),
       moved=st.integers(0, 2))
def test_every_property_type_round_trips(layouts: tuple[dict[str, NotionAdapter], Parents],
                                         item: Item, layout: str, parent: int, moved: int
                                         ) -> None:
    """``parent``, ``moved``: the item's parent (none or a page) when created and updated,
    where the layout holds parents."""
    adapters, parents = layouts
    a = adapters[layout]
    pages = parents[layout]
    item = item.evolve(parent=pages[parent % len(pages)])
    if a.map.props["status"][1] == "status" and item.status.kind.value not in \
            STATUS.to_remote:  # a status property cannot be emptied: it keeps its value
        item = item.evolve(status={"kind": "open"})
    created = a.create(item, origin="L", idempotency_key="k")
    got = a.get(created.ref)
    assert got is not None
    for f in a.capabilities.fields:
        assert getattr(got.item, f) == a.represent(f, getattr(item, f)), f
    assert created.version == got.version  # what a write answers is what a read says
    later = pages[moved % len(pages)]
    updated = a.update(created.ref, item.evolve(title="changed", url=None, labels=(),
                                                parent=later),
                       fields=a.capabilities.fields, expected_version=got.version,
                       idempotency_key="u")
    assert updated.item.labels == () and updated.item.title == "changed"
    assert updated.item.parent == (later if "parent" in a.capabilities.fields else None)
    again = a.get(created.ref)
    assert again is not None and again.version == updated.version
    if "url" in a.capabilities.fields:
        assert updated.item.url is None


def test_every_type_is_mapped(layouts: tuple[dict[str, NotionAdapter], Parents]) -> None:
    """Between them the layouts map a field onto each of the eleven property types; parent
    only where Sub-items are on."""
    adapters, _ = layouts
    used = {kind for a in adapters.values() for _, kind in a.map.props.values()} - {"body"}
    assert used == {"title", "rich_text", "select", "status", "multi_select", "date", "people",
                    "checkbox", "url", "number", "relation"}
    assert adapters["status-number-url"].map.props["url"] == ("URL", "url")
    assert {n for n, a in adapters.items() if "parent" in a.capabilities.fields} == SUB_ITEMS
    assert adapters["sub-items"].map.props["parent"] == ("Parent item", "relation")


def test_url_property_of_the_wrong_type_is_a_config_error() -> None:
    from hub.errors import ConfigError

    sandbox = NotionSandbox(SCHEMA | {"Link": {"rich_text": {}}})
    try:
        a = build(sandbox.emu, sandbox.db, options={"targets": {"url": "Link"}})
        with pytest.raises(ConfigError, match="property 'Link' is a rich_text property; url "
                                              "needs one of url"):
            a.map  # noqa: B018 (reads the schema)
    finally:
        sandbox.stop()
