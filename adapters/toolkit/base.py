"""What every adapter inherits: the identity ``represent`` and a ``close`` with nothing to
close.

``represent(field, value)`` is the canonical value a service holds after writing ``value``
(:class:`adapters.contract.Representing`). Most fields of most services hold what they are
given, so the identity is written once, here; an adapter overrides it for its lossy fields
only (Jira's day-only due, Todoist's priority 1 read as "none") and hands every other field
to ``super().represent``. The hub then calls ``adapter.represent`` on any adapter.
"""

from __future__ import annotations

from typing import Any


class AdapterBase:
    """Base class of every adapter (the memory adapter too)."""

    def represent(self, field: str, value: Any) -> Any:
        """``value`` as the service holds it: as given, unless the adapter knows better."""
        return value

    def close(self) -> None:
        """Release the client (an adapter with nothing open keeps this)."""
        return None
