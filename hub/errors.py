"""Errors grouped by what the caller should do about them, not by where they came from.

Every adapter maps its service's HTTP statuses onto these in one table; the executor decides
retry/skip/stop from the class alone, and the CLI turns each class into advice in one place
(:mod:`hub.cli.advice`). Messages must never contain a secret.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass, field


class SyncHubError(Exception):
    """Base class. ``service`` names the endpoint/adapter involved, when there is one."""

    #: the flow's endpoint whose adapter could not even start (set by
    #: :func:`hub.config.build.build_adapters`), so its failure is shown and told like any
    endpoint: str | None = None

    def __init__(self, message: str, *, service: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.service = service

    def __str__(self) -> str:
        return f"{self.service}: {self.message}" if self.service else self.message


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""  # dotted key path, e.g. "flows.work.endpoints[1].connection"

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f" {self.path}:" if self.path else ""
        return f"{where}:{key} {self.message}"


class ConfigError(SyncHubError):
    """The user must fix the configuration. Carries every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem] | ConfigProblem | str) -> None:
        if isinstance(problems, str):
            problems = [ConfigProblem(problems)]
        elif isinstance(problems, ConfigProblem):
            problems = [problems]
        self.problems = problems
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the configuration"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


class AuthError(SyncHubError):
    """Credentials missing, wrong, expired or lacking permission: a person must act."""


class RateLimited(SyncHubError):
    """The service asked us to slow down. ``retry_after`` is in seconds (None: unknown)."""

    def __init__(
        self, message: str = "rate limited", *, retry_after: float | None = None,
        service: str | None = None,
    ) -> None:
        super().__init__(message, service=service)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header, which HTTP allows as delta-seconds or
    as an HTTP date; ``default`` when it is missing or unreadable (never an exception: a
    malformed header must not turn a rate limit into a crash)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class Transient(SyncHubError):
    """A 5xx, timeout or dropped connection: retrying later is expected to work.

    ``maybe_applied`` is True when the request may have landed (a timeout after sending a
    write): the executor must look for the write's marker before trying it again.
    """

    def __init__(
        self, message: str, *, service: str | None = None, maybe_applied: bool = False
    ) -> None:
        super().__init__(message, service=service)
        self.maybe_applied = maybe_applied


class Conflict(SyncHubError):
    """409/412: the copy changed since we read it. Re-read and re-plan; never overwrite."""


class NotFound(SyncHubError):
    """The copy (or container) does not exist (any more)."""


class Fatal(SyncHubError):
    """A bug, an unsupported API version (410 on an old endpoint), or a rejected request that
    retrying cannot fix. Stop this flow and report."""


class ValidationRejected(Fatal):
    """The service rejected the payload (400/422): the mapping produced something invalid."""


class MassChangeRefused(SyncHubError):
    """A round would delete or rewrite more than the configured share of a flow."""

    def __init__(self, flow: str, share: float, limit: float, counts: dict[str, int]) -> None:
        self.flow = flow
        self.share = share
        self.limit = limit
        self.counts = counts
        detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        super().__init__(
            f"flow {flow!r}: this round would change {share:.0%} of its items ({detail}), "
            f"more than the {limit:.0%} guard allows; check the plan with `synchub plan` and "
            "rerun with --force if it is intended"
        )


class UsageError(SyncHubError):
    """The command asked for something that does not exist (a conflict id, an item)."""


class Busy(SyncHubError):
    """Another process is writing this flow (P13) and did not finish within the wait allowed.

    ``holder`` says who, as that process described itself ("synchub sync, pid 4242 on host,
    since 10:02:11")."""

    def __init__(self, flow: str, holder: str, waited: float) -> None:
        self.flow = flow
        self.holder = holder
        self.waited = waited
        super().__init__(
            f"flow {flow!r} is being written by another synchub ({holder}); waited "
            f"{waited:.0f} s. Nothing was written by this one.")


class StateError(SyncHubError):
    """The state store cannot be used as is (newer schema, other config, unwritable path)."""


@dataclass
class RoundErrors:
    """Errors collected during a round, per service, so one failure does not hide others."""

    by_service: dict[str, list[SyncHubError]] = field(default_factory=dict)

    def add(self, service: str, err: SyncHubError) -> None:
        self.by_service.setdefault(service, []).append(err)

    def __bool__(self) -> bool:
        return any(self.by_service.values())
