"""The shared comment contract, through notion-client over HTTP to the emulator."""

from __future__ import annotations

from tests.contract.comments import CommentContract


class TestNotionComments(CommentContract):
    """Uses the ``harness`` fixture from this package's conftest."""
