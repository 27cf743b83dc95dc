"""The Todoist emulator's refusals, shaped as Todoist API v1 answers them: ``{"error",
"error_code", "error_extra", "error_tag", "http_code"}``, e.g. a bad argument is
``{"error": "Invalid argument value", "error_code": 20, "error_tag": "INVALID_ARGUMENT_VALUE",
"http_code": 400, "error_extra": {"argument": "due_date"}}``. A Sync command's refusal is the
same object in its ``sync_status``; a REST route's is the response body with ``http_code``
as the status."""

from __future__ import annotations

from typing import Any

INVALID = "INVALID_ARGUMENT_VALUE"


class CommandError(Exception):
    def __init__(self, http_code: int, tag: str, message: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.http_code = http_code
        self.body: dict[str, Any] = {"error": message, "error_code": 20 if http_code == 400
                                     else 22, "error_tag": tag, "http_code": http_code,
                                     "error_extra": dict(extra or {})}


def invalid(argument: str, explanation: str = "") -> CommandError:
    """Todoist's 400 for one argument it cannot take (``error_extra.argument`` names it)."""
    extra: dict[str, Any] = {"argument": argument}
    if explanation:
        extra["explanation"] = explanation
    return CommandError(400, INVALID, "Invalid argument value", extra)
