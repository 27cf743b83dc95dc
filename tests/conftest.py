"""Shared fixtures: a state store per engine (PostgreSQL when SYNCHUB_TEST_POSTGRES_URL is set),
and the Hypothesis profiles, chosen with ``SYNCHUB_HYPOTHESIS`` (``ci``, ``dev``, ``nightly``).

The profiles set the budgets: most ``@given`` tests leave ``max_examples`` to them (those whose
every example is expensive name a small CI budget with ``tests/support/budget.py::examples``,
scaled up by the longer profiles); the state machine takes examples and steps from here:

- ``ci`` (default): quick and reproducible. Derandomized, with no example database, so every
  machine runs the same examples and a failure in CI fails the same way on a laptop.
- ``dev``: more and longer runs, random, failures saved in ``.hypothesis/`` and replayed first.
- ``nightly``: thousands of runs of up to 150 steps, random (``--hypothesis-seed=N`` repeats a
  night), no deadline, no database; a failure prints the blob that reproduces it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

#: the conformance check (every emulator answer against the services' descriptions), and
#: pytester for the test that it fails a test
pytest_plugins = ["tests.support.conformance.plugin", "pytester"]

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=100, stateful_step_count=30, deadline=None,
                          derandomize=True, database=None, suppress_health_check=_SLOW_OK)
settings.register_profile("dev", max_examples=500, stateful_step_count=60, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("nightly", max_examples=3000, stateful_step_count=150,
                          deadline=None, database=None, print_blob=True,
                          suppress_health_check=_SLOW_OK)
# Wide consoles whatever the order tests run in: rich reads COLUMNS when hub.cli's consoles
# are made (at import), so a test that sets it later may not be the first to import them.
os.environ.setdefault("COLUMNS", "200")

_PROFILE = os.environ.get("SYNCHUB_HYPOTHESIS", "ci")
if _PROFILE not in ("ci", "dev", "nightly"):
    raise pytest.UsageError(f"SYNCHUB_HYPOTHESIS={_PROFILE!r}: use ci, dev or nightly")
settings.load_profile(_PROFILE)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (the default in pyproject.toml): two workers per core, at least two.

    Most of the suite's wall time is spent waiting, not computing: on real sockets to the
    emulators, on ``synchub`` processes, on leases and daemon intervals. One worker per core
    left the CPU about half idle (on two cores: 81 s, 54 % CPU); two per core keep it busy
    (49-50 s). ``SYNCHUB_TEST_WORKERS=N`` sets the number (``-n 0`` still runs in-process).
    """
    wanted = os.environ.get("SYNCHUB_TEST_WORKERS")
    if wanted:
        return int(wanted)
    return max(2, 2 * len(os.sched_getaffinity(0)))

PG_URL = os.environ.get("SYNCHUB_TEST_POSTGRES_URL")
PG_SKIP = ("set SYNCHUB_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test to run the "
           "PostgreSQL store tests")


def _drop_schema(schema: str) -> None:
    import psycopg

    assert PG_URL is not None
    with psycopg.connect(PG_URL) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty state-store URL for each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}schema={schema}"
    _drop_schema(schema)


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    from hub.store import open_store

    s = open_store(store_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def boxes() -> Iterator[dict[str, Any]]:
    """The four sandboxes (emulators on 127.0.0.1 with their users), for a test that drives
    real rounds through the CLI (``hub.cli.sandbox.config`` writes their config)."""
    from tests.support.sandboxes import running

    with running() as started:
        yield started
