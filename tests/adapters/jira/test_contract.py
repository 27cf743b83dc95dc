"""The shared adapter contract, through the ``jira`` client over HTTP to the emulator."""

from __future__ import annotations

from tests.contract.suite import AdapterContract


class TestJiraContract(AdapterContract):
    """Uses the ``harness`` fixture from this package's conftest."""
