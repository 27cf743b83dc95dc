"""Shared fixtures: a state store per engine (PostgreSQL when SYNCHUB_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
