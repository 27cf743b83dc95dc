"""The shared adapter contract, through notion-client over HTTP to the emulator."""

from __future__ import annotations

import pytest

from tests.adapters.notion.conftest import NotionSubItemsHarness
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
