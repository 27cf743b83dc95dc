"""The error the Jira emulator raises anywhere in a request: an HTTP status with Jira's body
(``{"errorMessages": [...], "errors": {...}}``). Its own module so the JQL parser, its
evaluator and the emulator can all raise it without importing one another."""

from __future__ import annotations


class JiraError(Exception):
    def __init__(self, status: int, messages: list[str] | None = None,
                 errors: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.messages, self.errors = status, messages or [], errors or {}


def bad_jql(message: str) -> JiraError:
    """A 400 for a query Jira refuses: one error message, no field errors (Jira's shape)."""
    return JiraError(400, [message])
