"""The shared adapter contract, through google-api-python-client over HTTP to the emulator."""

from __future__ import annotations

from tests.contract.suite import AdapterContract


class TestGcalContract(AdapterContract):
    """Uses the ``harness`` fixture from this package's conftest."""
