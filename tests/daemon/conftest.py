"""Shared fixtures for the daemon tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from hub.daemon.logs import UVICORN_LOGGERS


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """setup_logging changes process-wide loggers: put them back after the test."""
    names = ("synchub", *UVICORN_LOGGERS)
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level,
                 logging.getLogger(n).propagate) for n in names}
    yield
    for n, (handlers, level, propagate) in saved.items():
        lg = logging.getLogger(n)
        lg.handlers[:], lg.level, lg.propagate = handlers, level, propagate
