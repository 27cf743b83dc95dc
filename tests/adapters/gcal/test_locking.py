"""The Calendar emulator's direct helpers (the "user in the web UI" of GcalSandbox) change
state under the emulator's lock, as requests do: a listing over HTTP never sees a table
change under it (it answered 500 "dictionary changed size during iteration")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.gcal.sandbox import GcalSandbox

DAY = {"start": {"date": "2026-01-01"}, "end": {"date": "2026-01-02"}}


def test_helpers_and_http_listings_run_side_by_side(sandbox: GcalSandbox) -> None:
    emu = sandbox.emu
    stop = threading.Event()
    written: list[int] = [0]

    def user() -> None:
        while not stop.is_set() and written[0] < 300:
            ev = emu.insert("primary", {"summary": "x", **DAY})
            emu.patch("primary", ev["id"], {"summary": "y"}, None)
            emu.delete("primary", ev["id"])
            written[0] += 1

    worker = threading.Thread(target=user)
    worker.start()
    statuses = set()
    try:
        with httpx.Client() as client:
            for _ in range(30):
                statuses.add(client.get(
                    f"{emu.base_url}/calendar/v3/calendars/primary/events",
                    params={"maxResults": "2500", "showDeleted": "true"}).status_code)
    finally:
        stop.set()
        worker.join()
    assert statuses == {200} and written[0] > 0


@pytest.mark.parametrize("helper", ["insert", "patch", "delete", "add_calendar",
                                    "purge_deleted", "expire_tokens", "move",
                                    "import_event"])
def test_each_helper_waits_for_the_lock(sandbox: GcalSandbox, helper: str) -> None:
    emu = sandbox.emu
    emu.add_calendar("other", "Other")
    ev = emu.insert("primary", {"summary": "x", **DAY})
    calls: dict[str, Callable[[], Any]] = {
        "insert": lambda: emu.insert("primary", {"summary": "n", **DAY}),
        "patch": lambda: emu.patch("primary", ev["id"], {"summary": "p"}, None),
        "delete": lambda: emu.delete("primary", ev["id"]),
        "add_calendar": lambda: emu.add_calendar("more", "More"),
        "purge_deleted": emu.purge_deleted,
        "expire_tokens": emu.expire_tokens,
        "move": lambda: emu.move("primary", ev["id"], "other"),
        "import_event": lambda: emu.import_event("primary", {"iCalUID": "u@x", **DAY})}
    worker = threading.Thread(target=calls[helper])
    with emu.lock:
        worker.start()
        worker.join(timeout=0.2)
        assert worker.is_alive()  # waiting for the lock this thread holds
    worker.join()
