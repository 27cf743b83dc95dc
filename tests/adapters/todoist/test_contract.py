"""The shared adapter contract, through todoist-api-python and /api/v1/sync over HTTP."""

from __future__ import annotations

import pytest

from tests.adapters.todoist.conftest import TodoistPlanningHarness
from tests.contract.suite import AdapterContract


class TestTodoistContract(AdapterContract):
    """Uses the ``harness`` fixture from this package's conftest."""


class TestTodoistContractWithPlanningLabels(AdapterContract):
    """Sprint and points held in labels: supported fields, in every sample and edit
    (``planning`` in this package's conftest)."""

    @pytest.fixture
    def harness(self, planning: TodoistPlanningHarness) -> TodoistPlanningHarness:
        assert {"sprint", "points"} <= planning.adapter.capabilities.fields
        return planning
