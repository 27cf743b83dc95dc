"""``synchub presets``: the ready configs shipped in the package (``mappings/presets``), listed
with what they connect, or one printed whole (``synchub presets jira-todoist > synchub.yaml``).
``synchub init --preset NAME`` copies one and fills in what it can (:mod:`hub.cli.init`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from ruamel.yaml import YAML

from hub.cli.common import console
from hub.config.interpolate import PATTERN


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    summary: str  # the file's first comment line
    services: tuple[str, ...]  # connection types, in file order
    variables: tuple[str, ...]  # ${VAR}s it reads, in file order, without defaults first
    required: tuple[str, ...]  # those used somewhere without a default

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _describe(name: str, path: Path) -> Preset:
    text = path.read_text(encoding="utf-8")
    first = next((line for line in text.splitlines() if line.startswith("#")), "#")
    data = YAML(typ="safe").load(text) or {}
    services = tuple(dict.fromkeys(
        str(c.get("type")) for c in (data.get("connections") or {}).values()))
    found = [(m.group(1), m.group(2) is not None) for m in PATTERN.finditer(text)]
    needed = [v for v, has_default in found if not has_default]
    optional = [v for v, has_default in found if has_default]
    return Preset(name, path, first.lstrip("# ").strip(), services,
                  tuple(dict.fromkeys(needed + optional)), tuple(dict.fromkeys(needed)))


def all_presets() -> dict[str, Preset]:
    from mappings import presets

    return {name: _describe(name, path) for name, path in presets().items()}


def preset(name: str) -> Preset:
    found = all_presets()
    if name not in found:
        from hub.config.checks import suggest

        raise typer.BadParameter(
            f"no preset named {name!r} (presets: {', '.join(found)}){suggest(name, found)}")
    return found[name]


def presets(
    name: Annotated[str | None, typer.Argument(help="Print this preset (to copy it: "
                    "`synchub init --preset NAME`).")] = None,
) -> None:
    """List the ready configs, or print one."""
    if name is not None:
        typer.echo(preset(name).text, nl=False)
        return
    for p in all_presets().values():
        console.print(f"[bold]{p.name:<13}[/] {', '.join(p.services):<28} {p.summary}",
                      soft_wrap=True, highlight=False)
    console.print("\n`synchub presets NAME` prints one; `synchub init --preset NAME` copies it "
                  "and asks for what it needs.", highlight=False)
