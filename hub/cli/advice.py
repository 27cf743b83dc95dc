"""The one place where errors become advice and exit codes for people.

Exit codes (also in docs/troubleshooting.md):

====  ==========================================================================
0     success (``sync``: every flow's round completed with no error)
1     a round completed partially: some service failed; what could be synced was
2     the configuration is invalid (every problem listed with file:line and key), a
      command's argument names nothing that exists, or the daemon's port is taken
3     the state store cannot be used (newer schema, other config, not writable)
4     authentication failed: credentials missing, expired or without permission
5     refused by the mass-change guard: review with ``synchub plan``, then ``--force``;
      or an ``undo`` not confirmed (nothing written; ``--yes`` skips the question)
6     open conflicts wait for a decision (``synchub conflicts``)
7     another synchub process is writing the flow (the daemon, another ``sync``):
      nothing was written; retry later or give it longer with ``--wait``
10    internal error (a bug: please report it with the log)
====  ==========================================================================
"""

from __future__ import annotations

from hub.errors import (
    AuthError,
    Busy,
    ConfigError,
    Conflict,
    Fatal,
    MassChangeRefused,
    NotFound,
    RateLimited,
    StateError,
    SyncHubError,
    Transient,
    UsageError,
)

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_STATE = 3
EXIT_AUTH = 4
EXIT_REFUSED = 5
EXIT_CONFLICTS = 6
EXIT_BUSY = 7
EXIT_INTERNAL = 10

_TABLE: list[tuple[type[SyncHubError], int, str]] = [
    (ConfigError, EXIT_CONFIG, "Fix the configuration and run `synchub check`."),
    (UsageError, EXIT_CONFIG, "Check the command's arguments (`synchub COMMAND --help`)."),
    (StateError, EXIT_STATE, "The state store needs attention; nothing was written."),
    (AuthError, EXIT_AUTH,
     "Check the credentials for this service (token, expiry, permissions); "
     "`synchub check --probe` tests each connection."),
    (Busy, EXIT_BUSY,
     "Nothing was written. Another synchub is syncing this flow; try again when it is done, "
     "or wait longer with --wait SECONDS."),
    (MassChangeRefused, EXIT_REFUSED,
     "Nothing was written. Review with `synchub plan`; if intended, rerun with --force."),
    (RateLimited, EXIT_PARTIAL, "The service is rate-limiting us; the next round catches up."),
    (Transient, EXIT_PARTIAL,
     "The service failed or timed out; nothing was lost, the next round retries."),
    (Conflict, EXIT_PARTIAL, "An item changed while we wrote it; the next round re-plans."),
    (NotFound, EXIT_PARTIAL, "An item or container was not found; check the endpoint's scope."),
    (Fatal, EXIT_PARTIAL,
     "The service rejected the request; if it says an API was removed, update synchub."),
]


def advice(err: BaseException) -> tuple[int, str]:
    """(exit code, one line of advice) for an error."""
    for cls, code, text in _TABLE:
        if isinstance(err, cls):
            return code, text
    return EXIT_INTERNAL, "This is a bug in synchub; please report it with the log."


def worst(codes: list[int]) -> int:
    """Combine per-flow exit codes: the most serious one wins (by the table's order)."""
    rank = [EXIT_INTERNAL, EXIT_CONFIG, EXIT_STATE, EXIT_AUTH, EXIT_BUSY, EXIT_REFUSED,
            EXIT_PARTIAL,
            EXIT_CONFLICTS, EXIT_OK]
    present = [c for c in rank if c in codes]
    return present[0] if present else EXIT_OK
