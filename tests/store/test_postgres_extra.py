"""psycopg is the ``postgres`` extra: without it SQLite works, and a postgresql:// URL says
which install is missing instead of failing with an ImportError (exit code 10)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.errors import ConfigError
from hub.store import open_store, url_problem

URL = "postgresql://synchub@127.0.0.1:1/synchub"
INSTALL = "pip install 'synchub[postgres]'"


@pytest.fixture
def no_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if psycopg were not installed: ``import psycopg`` raises ModuleNotFoundError and
    ``importlib.util.find_spec`` finds nothing (a ``None`` entry in sys.modules)."""
    for name in [n for n in sys.modules if n == "psycopg" or n.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)


def test_a_postgresql_url_without_psycopg_names_the_extra(no_psycopg: None) -> None:
    with pytest.raises(ConfigError) as err:
        open_store(URL)
    assert INSTALL in str(err.value) and "psycopg" in str(err.value)
    problem = url_problem(URL)
    assert problem is not None and INSTALL in problem


def test_sqlite_needs_no_psycopg(no_psycopg: None, tmp_path: Path) -> None:
    assert url_problem(f"sqlite:///{tmp_path}/state.db") is None
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    store.migrate()
    store.close()


def test_with_psycopg_a_postgresql_url_has_no_driver_problem() -> None:
    pytest.importorskip("psycopg")
    assert url_problem(URL) is None


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "synchub.yaml"
    path.write_text(textwrap.dedent(f"""\
        state: {{url: "{url}"}}
        connections:
          ca: {{type: memory, service: extra-a}}
          cb: {{type: memory, service: extra-b}}
        flows:
          work:
            endpoints:
              jira: {{connection: ca}}
              todoist: {{connection: cb}}
        """))
    path.chmod(0o600)
    return path


def test_cli_without_psycopg_exits_2_naming_the_install(no_psycopg: None,
                                                        tmp_path: Path) -> None:
    runner = CliRunner()
    # the config names PostgreSQL: `check` finds it, at the key
    result = runner.invoke(app, ["check", "--config", str(_config(tmp_path, URL))],
                           env={"COLUMNS": "200", "SYNCHUB_STATE_URL": None})
    assert result.exit_code == 2, result.output
    assert INSTALL in result.output and "state.url" in result.output
    # the environment overrides an SQLite config with PostgreSQL: opening the store says it
    sqlite = _config(tmp_path, "sqlite:///state.db")
    result = runner.invoke(app, ["sync", "--config", str(sqlite)],
                           env={"COLUMNS": "200", "SYNCHUB_STATE_URL": URL})
    assert result.exit_code == 2, result.output
    assert INSTALL in result.output
    assert not (tmp_path / "state.db").exists()
