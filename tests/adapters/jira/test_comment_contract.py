"""The shared comment contract (:mod:`tests.contract.comments`) on Jira, through the ``jira``
client's session over HTTP to the emulator."""

from __future__ import annotations

from tests.contract.comments import CommentContract


class TestJiraComments(CommentContract):
    """Uses the ``harness`` fixture from this package's conftest."""
