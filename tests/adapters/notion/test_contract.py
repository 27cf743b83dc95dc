"""The shared adapter contract, through notion-client over HTTP to the emulator."""

from __future__ import annotations

import pytest

from tests.adapters.notion.conftest import NotionPlanningHarness, NotionSubItemsHarness
from tests.contract.suite import AdapterContract


class TestNotionContract(AdapterContract):
    """Uses the ``harness`` fixture from this package's conftest."""


class TestNotionContractWithSubItems(AdapterContract):
    """A database with Sub-items: ``parent`` is a supported field, in every sample and edit
    (``parents`` in this package's conftest)."""

    @pytest.fixture
    def harness(self, parents: NotionSubItemsHarness) -> NotionSubItemsHarness:
        assert "parent" in parents.adapter.map.props  # the adapter holds parents here
        return parents


class TestNotionContractWithPlanning(AdapterContract):
    """A database with a Sprint select and a Story points number: ``sprint`` and ``points``
    are supported fields, in every sample and edit (``planning`` in this package's
    conftest)."""

    @pytest.fixture
    def harness(self, planning: NotionPlanningHarness) -> NotionPlanningHarness:
        assert {"sprint", "points"} <= set(planning.adapter.map.props)
        return planning
