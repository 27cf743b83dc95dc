"""The shared adapter contract, through todoist-api-python and /api/v1/sync over HTTP."""

from __future__ import annotations

from tests.contract.suite import AdapterContract


class TestTodoistContract(AdapterContract):
    """Uses the ``harness`` fixture from this package's conftest."""
