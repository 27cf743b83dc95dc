"""Issue 11: Jira down when synchub starts must not stop the other endpoints. Building the
adapter (and reading its capabilities, as the executor does for every endpoint) makes no
request; the first one is in a listing, where its failure is this endpoint's error."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import pytest

from adapters.faults import FaultKind
from adapters.jira.sandbox import JiraSandbox
from hub.errors import Transient
from hub.model import Item
from tests.adapters.jira.conftest import build


def test_building_the_adapter_while_server_info_answers_503_makes_no_request(
        sandbox: JiraSandbox) -> None:
    sandbox.emu.faults.inject(FaultKind.OUTAGE, op="/rest/api/3/serverInfo", count=None)
    sandbox.emu.reset_counts()
    a = build(sandbox)
    assert a.capabilities.fields  # read by the executor when the hub starts
    assert sandbox.emu.total_requests == 0
    ref = sandbox.user_create(Item(title="listed"))
    assert ref in {r.ref for r in a.changes(None).items}  # the Cloud search path, unasked
    assert ("GET", "/rest/api/3/serverInfo") not in sandbox.emu.request_log


def test_an_outage_at_start_up_fails_the_first_listing_not_the_build(
        sandbox: JiraSandbox) -> None:
    sandbox.emu.faults.inject(FaultKind.OUTAGE, op="*", count=None)
    a = build(sandbox)
    with pytest.raises(Transient):
        a.changes(None)
    sandbox.emu.faults.clear()
    assert a.changes(None).cursor is not None


def test_a_profile_zone_this_host_does_not_know_reads_in_the_endpoints_zone(
        sandbox: JiraSandbox, caplog: pytest.LogCaptureFixture) -> None:
    """JQL windows are written in the API user's profile zone; one nobody here knows falls
    back to the endpoint's zone with a warning, instead of failing every listing."""
    emu = sandbox.emu
    emu.users[emu.me]["timeZone"] = "Foo/Bar"  # what /myself reports
    ref = sandbox.user_create(Item(title="listed"))
    a = build(sandbox)
    with caplog.at_level(logging.WARNING, logger="synchub.adapters"):
        assert ref in {r.ref for r in a.changes(None).items}
    assert a.zone == ZoneInfo("UTC")  # the endpoint's zone (EndpointContext default)
    assert any("Foo/Bar" in r.getMessage() for r in caplog.records)


def test_the_search_lag_a_lost_create_waits_out_is_the_connections() -> None:
    """Recovery waits ``search_lag`` before making a create a crash left unanswered again
    (hub/round/recovery.py); Jira Cloud's default, or the connection's setting."""
    from adapters.base import EndpointContext
    from adapters.jira import JiraAdapterFactory, JiraConnection, JiraScope
    from adapters.jira.adapter import MARKER_LAG

    sb = JiraSandbox()
    try:
        ctx = EndpointContext(name="jira", flow="t", value_maps=sb.value_maps,
                              options=sb.options)
        scope = JiraScope.model_validate(sb.scope)
        factory = JiraAdapterFactory()
        default = factory.build(JiraConnection.model_validate(sb.connection), scope, ctx)
        assert default.capabilities.marker_lag == MARKER_LAG.total_seconds() >= 60
        quick = factory.build(JiraConnection.model_validate(
            {**sb.connection, "search_lag": "2s"}), scope, ctx)
        assert quick.capabilities.marker_lag == 2.0
        with pytest.raises(ValueError, match="search_lag"):
            JiraConnection.model_validate({**sb.connection, "search_lag": "soon"})
        with pytest.raises(ValueError, match="cannot be negative"):
            JiraConnection.model_validate({**sb.connection, "search_lag": "-1s"})
    finally:
        sb.stop()
