"""The original estimate is the item's duration; a site without time tracking drops it."""

from __future__ import annotations

from adapters.jira.sandbox import JiraSandbox
from hub.model import Item
from tests.adapters.jira.conftest import JiraHarness


def test_the_estimate_is_written_as_jira_keeps_it(harness: JiraHarness,
                                                  sandbox: JiraSandbox) -> None:
    a = harness.adapter
    created = a.create(Item(title="t", duration=90), origin="l1", idempotency_key="k1")
    assert created.item.duration == 90
    raw = harness.adapter.client.raw("GET", f"issue/{created.ref}")["fields"]
    assert raw["timeoriginalestimate"] == 5400
    assert raw["timetracking"]["originalEstimate"] == "1h 30m"
    a.update(created.ref, created.item.evolve(duration=None), fields=frozenset({"duration"}),
             expected_version=None, idempotency_key="k2")
    got = a.get(created.ref)
    assert got is not None and got.item.duration is None


def test_time_tracking_off_makes_duration_unsupported(harness: JiraHarness,
                                                      sandbox: JiraSandbox) -> None:
    sandbox.emu.time_tracking = False
    a = harness.adapter
    created = a.create(Item(title="t", duration=90), origin="l1", idempotency_key="k1")
    assert "duration" not in a.capabilities.fields
    assert created.item.title == "t" and created.item.duration is None
