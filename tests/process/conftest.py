"""Fixtures for the process-level tests: a :class:`~tests.process.harness.Hub` per test (its
emulators, config and state live in ``tmp_path``; every process it spawned is killed and a
PostgreSQL schema it made is dropped afterwards)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.process.harness import PG_URL, Hub, chaos_seeds

PG_SKIP = ("set SYNCHUB_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test to run the "
           "PostgreSQL process tests")


@pytest.fixture
def make_hub(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Hub]]:
    made: list[Hub] = []

    def make(engine: str = "sqlite", **kw: Any) -> Hub:
        if engine == "postgresql" and not PG_URL:
            pytest.skip(PG_SKIP)
        made.append(Hub(tmp_path / f"{engine}{len(made)}", engine=engine, **kw))
        request.node.user_properties.append(("chaos seed", made[-1].seed))
        return made[-1]

    yield make
    for h in made:
        h.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP)
    return str(request.param)


@pytest.fixture
def chaos_seed() -> int:
    """The first seed of the profile (``SYNCHUB_CHAOS_SEED`` replays one)."""
    return chaos_seeds()[0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Print the seeds a failed test ran with, so it can be replayed."""
    report = yield
    if report.failed:
        seeds = sorted({int(str(v)) for k, v in item.user_properties if k == "chaos seed"})
        if seeds:
            report.sections.append(("chaos seed", "replay with: " + " ".join(
                f"SYNCHUB_CHAOS_SEED={s}" for s in seeds) + f" pytest '{item.nodeid}'"))
    return report
