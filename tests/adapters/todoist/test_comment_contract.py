"""The shared comment contract (:mod:`tests.contract.comments`), through todoist-api-python
and /api/v1/sync over HTTP against the Todoist emulator."""

from __future__ import annotations

from tests.contract.comments import CommentContract


class TestTodoistComments(CommentContract):
    """Uses the ``harness`` fixture from this package's conftest."""
