"""pyproject.toml tells the truth: one version, every imported package declared, the extras."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

import hub
from hub.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OURS = ("hub", "adapters", "mappings")


def _name(requirement: str) -> str:
    """The normalized distribution name of a requirement string (PEP 503)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def test_the_version_is_written_once_in_hub_init() -> None:
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["dynamic"]["version"] == {"attr": "hub.__version__"}
    literal = re.compile(rf"(?<![\d.]){re.escape(hub.__version__)}(?![\d.])")
    files = [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "CONTRIBUTING.md",
             *(ROOT / "docker").iterdir(),
             *(p for d in OURS for p in (ROOT / d).rglob("*.py"))]
    written = [str(p.relative_to(ROOT)) for p in files
               if p.is_file() and literal.search(p.read_text())]
    assert written == ["hub/__init__.py"]


def test_synchub_version_prints_it() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0 and result.output.strip() == f"synchub {hub.__version__}"


def _third_party_imports() -> dict[str, str]:
    """Top-level module -> one file of ours importing it, for every module that is neither
    the standard library's nor ours."""
    found: dict[str, str] = {}
    for d in OURS:
        for path in sorted((ROOT / d).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in OURS:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_module_is_declared() -> None:
    declared = {_name(r) for r in PROJECT["dependencies"]}
    declared |= {_name(r) for r in PROJECT["optional-dependencies"]["postgres"]}
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for module, where in _third_party_imports().items():
        dists = {_name(d) for d in providers.get(module, [])}
        if not dists & declared:
            undeclared[module] = (where, sorted(dists))
    assert not undeclared, f"imported but not in [project.dependencies]: {undeclared}"


def test_extras_postgres_test_and_dev() -> None:
    extras = PROJECT["optional-dependencies"]
    assert {_name(r) for r in extras["postgres"]} == {"psycopg"}
    assert "psycopg" not in {_name(r) for r in PROJECT["dependencies"]}
    test = {_name(r) for r in extras["test"]}
    assert "synchub" in test and any("[postgres]" in r for r in extras["test"])
    assert not test & {"ruff", "mypy", "radon"}  # linters are the dev extra's
    assert {"ruff", "mypy", "radon"} <= {_name(r) for r in extras["dev"]}


def test_constraints_pin_every_runtime_dependency_within_its_range() -> None:
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    for text in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["postgres"]]:
        req = Requirement(text)
        name = _name(req.name)
        assert name in pins, f"{name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name]), f"constraints.txt: {name}=={pins[name]} " \
                                                   f"is outside {text!r}"
        for extra in req.extras:  # psycopg[binary]
            assert _name(f"{name}-{extra}") in pins, f"{name}[{extra}]"
