"""The four emulators as local servers for a test (:func:`hub.cli.sandbox.start`), stopped
however the test ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hub.cli import sandbox as sbx


@contextmanager
def running() -> Iterator[dict[str, Any]]:
    started = sbx.start()
    try:
        yield started
    finally:
        for b in started.values():
            b.stop()
