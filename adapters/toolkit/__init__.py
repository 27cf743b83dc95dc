"""The adapter toolkit: what an adapter is built from, so that only the service-specific
parts are left to write (see ``docs/adapters.md``).

- :class:`AdapterBase` (:mod:`.base`): the identity ``represent`` and a no-op ``close``;
  every adapter inherits it, so the hub can call ``adapter.represent`` on any of them.
- :class:`BatchWrites` (:mod:`.writes`): ``create``/``update``/``delete`` on top of
  ``write_batch``, for services that batch writes.
- :func:`status_error` (:mod:`.errors`): the status-to-error table's shared defaults; a
  service's ``client.py`` supplies its overrides only.
- :class:`WindowCursor` (:mod:`.cursor`): the typed "edited since" cursor with seen versions
  and a reconcile of known ids (Jira, Notion).
- :class:`SlidingWindow` (:mod:`adapters.ratewindow`): the one sliding-window rate limit, for
  the hub's request budgets and the emulators' limits.

Also part of the toolkit, in their own modules: :mod:`adapters.reading` (item-by-item
conversion, P14), :mod:`adapters.faults` (fault plans), :mod:`adapters.emulation` (the
threaded HTTP emulator base).
"""

from __future__ import annotations

from adapters.ratewindow import SlidingWindow
from adapters.toolkit.base import AdapterBase
from adapters.toolkit.cursor import WindowCursor
from adapters.toolkit.errors import DEFAULT_TABLE, status_error
from adapters.toolkit.writes import BatchWrites

__all__ = ["DEFAULT_TABLE", "AdapterBase", "BatchWrites", "SlidingWindow", "WindowCursor",
           "status_error"]
