"""``duration`` on Notion: a number property of minutes, found by its name (Duration, any
case; an "Estimate" or "Minutes" only when named) or named with ``target``; read rounded,
a zero or negative number as none;
written as the number or emptied; declared only where the data source has such a property."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.base import EndpointContext
from adapters.notion.emulator import NotionEmulator
from adapters.notion.sandbox import SCHEMA, NotionSandbox
from adapters.notion.schema import check
from hub.config.build import endpoint_context
from hub.config.loader import LoadedConfig
from hub.config.models import Config
from hub.errors import ConfigError
from hub.model import Item
from tests.adapters.notion.conftest import NotionHarness, build

TITLE = {"Name": {"type": "title", "title": {}}}


def _schema(**props: str) -> dict[str, Any]:
    return TITLE | {name: {"type": kind, kind: {}} for name, kind in props.items()}


def _ctx(**kw: Any) -> EndpointContext:
    return EndpointContext(name="n", flow="f", **kw)


@pytest.mark.parametrize(("props", "found"), [
    ({"Duration": "number"}, "Duration"),
    ({"duration": "number"}, "duration"),
    ({"estimate": "number"}, None),  # often story points or hours: never guessed
    ({"MINUTES": "number"}, None),
    ({"Minutes": "number", "Duration": "number"}, "Duration"),
    ({"Duration": "formula", "Estimate": "number"}, None),
    ({"Duration": "rich_text"}, None),  # another type by that name: left alone, no error
    ({"Length": "number"}, None),  # any other number is not taken for it
])
def test_found_by_name(props: dict[str, str], found: str | None) -> None:
    resolved = check(_schema(**props), _ctx())
    assert resolved.get("duration") == ((found, "number") if found else None)


def test_named_with_target() -> None:
    schema = _schema(Planned="number", Duration="number")
    assert check(schema, _ctx(options={"targets": {"duration": "Planned"}}))[
        "duration"] == ("Planned", "number")
    with pytest.raises(ConfigError) as info:
        check(_schema(Planned="rich_text"), _ctx(options={"targets": {"duration": "Planned"}}))
    assert "property 'Planned' is a rich_text property; duration needs one of number" \
        in str(info.value)
    with pytest.raises(ConfigError, match=r"'Nope' \(for duration\) does not exist"):
        check(schema, _ctx(options={"targets": {"duration": "Nope"}}))


def test_left_out_by_only() -> None:
    assert "duration" not in check(_schema(Duration="number"),
                                   _ctx(fields=frozenset({"title"})))


def test_target_from_the_config_file() -> None:
    cfg = Config.model_validate({
        "connections": {"n": {"type": "notion"}, "m": {"type": "memory"}},
        "flows": {"f": {"endpoints": {
            "n": {"connection": "n", "fields": {"duration": {"target": "Planned"}}},
            "m": {"connection": "m"}}}}})
    loaded = LoadedConfig(config=cfg, path=Path("synchub.yaml"), fingerprint="")
    ctx = endpoint_context(loaded, "f", "n")
    assert check(_schema(Planned="number"), ctx)["duration"] == ("Planned", "number")


@pytest.fixture
def estimate() -> Iterator[NotionSandbox]:
    s = NotionSandbox(dict(SCHEMA) | {"Duration": {"number": {}}}, timezone="Europe/Berlin")
    yield s
    s.stop()


def _number(emu: NotionEmulator, ref: str) -> Any:
    return emu.pages[ref]["properties"]["Duration"]["number"]


def test_declared_only_where_the_property_exists(harness: NotionHarness,
                                                 estimate: NotionSandbox) -> None:
    harness.adapter.changes(None)
    assert "duration" not in harness.adapter.capabilities.fields
    adapter = build(estimate.emu, estimate.db)
    adapter.changes(None)
    assert "duration" in adapter.capabilities.fields
    assert adapter.map.props["duration"] == ("Duration", "number")
    adapter.close()


def test_read_over_the_emulator(estimate: NotionSandbox) -> None:
    emu = estimate.emu
    pages = {}
    for n, value in enumerate([45, 12.6, 0.4, 0, -5, None]):
        pages[value] = emu.create_page(estimate.ds, {
            "Name": {"title": [{"type": "text", "text": {"content": f"p{n}"}}]},
            "Duration": {"number": value}})["id"]
    adapter = build(emu, estimate.db)
    read = {r.ref: r.item.duration for r in adapter.changes(None).items}
    assert {v: read[ref] for v, ref in pages.items()} == {
        45: 45, 12.6: 13, 0.4: None, 0: None, -5: None, None: None}
    adapter.close()


def test_write_and_round_trip(estimate: NotionSandbox) -> None:
    emu = estimate.emu
    adapter = build(emu, estimate.db)
    made = adapter.create(Item(title="Plan", duration=90), origin="o1", idempotency_key="k1")
    assert _number(emu, made.ref) == 90 and made.item.duration == 90
    got = adapter.get(made.ref)
    assert got is not None and got.item.duration == 90
    changed = adapter.update(made.ref, got.item.evolve(duration=25),
                             fields=frozenset({"duration"}), expected_version=got.version,
                             idempotency_key="k2")
    assert _number(emu, made.ref) == 25 and changed.item.duration == 25
    cleared = adapter.update(made.ref, changed.item.evolve(duration=None),
                             fields=frozenset({"duration"}), expected_version=changed.version,
                             idempotency_key="k3")
    assert _number(emu, made.ref) is None and cleared.item.duration is None
    plain = adapter.create(Item(title="No estimate"), origin="o2", idempotency_key="k4")
    assert _number(emu, plain.ref) is None
    adapter.close()
