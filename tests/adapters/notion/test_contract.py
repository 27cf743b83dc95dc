"""The shared adapter contract, through notion-client over HTTP to the emulator."""

from __future__ import annotations

from tests.contract.suite import AdapterContract


class TestNotionContract(AdapterContract):
    """Uses the ``harness`` fixture from this package's conftest."""
