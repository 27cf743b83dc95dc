"""The randomized process-level run (marker ``chaos``). Profiles, by ``SYNCHUB_CHAOS``:

- unset (CI): one fixed seed, 10 steps, SQLite;
- ``nightly``: five fresh seeds, 300 steps each, SQLite and (with
  ``SYNCHUB_TEST_POSTGRES_URL``) PostgreSQL:
  ``SYNCHUB_CHAOS=nightly pytest tests/process -m chaos``.

A failure prints its seed; ``SYNCHUB_CHAOS_SEED=<seed>`` replays it (``SYNCHUB_CHAOS_STEPS``
overrides the length).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from tests.process.driver import Driver
from tests.process.harness import PROFILE, Hub, chaos_seeds

STEPS = int(os.environ.get("SYNCHUB_CHAOS_STEPS") or (300 if PROFILE == "nightly" else 10))
ENGINES = ["sqlite", "postgresql"] if PROFILE == "nightly" else ["sqlite"]


@pytest.mark.chaos
@pytest.mark.parametrize("seed", chaos_seeds())
@pytest.mark.parametrize("engine", ENGINES)
def test_random_steps_keep_the_invariants(make_hub: Callable[..., Hub], engine: str,
                                          seed: int) -> None:
    hub = make_hub(engine, seed=seed, interval="1s", writer_wait=20)
    Driver(hub).run(STEPS)
