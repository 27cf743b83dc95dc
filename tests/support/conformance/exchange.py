"""One request an emulator served and its answer, and a departure from the service's
official description."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exchange:
    service: str  # the emulator's ``service``: jira, todoist, notion, gcal
    method: str
    path: str
    query: dict[str, list[str]]
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes

    @property
    def key(self) -> tuple[object, ...]:
        """Equal for exchanges that validate alike (the check is pure), so each is checked
        once per test process."""
        return (self.service, self.method, self.path,
                tuple(sorted((k, tuple(v)) for k, v in self.query.items())),
                tuple(sorted((k.lower(), v) for k, v in self.request_headers.items()
                             if k.lower() in ("content-type", "authorization"))),
                self.request_body, self.status,
                tuple(sorted((k.lower(), v) for k, v in self.response_headers.items()
                             if k.lower() == "content-type")),
                self.response_body)


@dataclass(frozen=True)
class Violation:
    service: str
    operation: str  # METHOD and the description's path template (or the path itself)
    message: str

    def __str__(self) -> str:
        return f"{self.service} {self.operation}: {self.message}"
