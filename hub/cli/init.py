"""``synchub init``: a config from a preset, with the values it reads from the environment
asked for (or given as ``--set VAR=VALUE``, for scripts) and kept in a ``.env`` next to it,
readable by the owner only. Then the same check as ``synchub check``.

This is the first part of issue 13's guide: it copies and fills in; discovering projects,
databases and calendars from the service and proposing mappings from them comes next."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import console, handled, write_private
from hub.cli.presets import all_presets, preset

#: a variable whose value is a secret: asked for without echo, never printed
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|KEY", re.IGNORECASE)
#: where each service's credential is made (shown before asking for it)
WHERE = {
    "JIRA_TOKEN": "https://id.atlassian.com/manage-profile/security/api-tokens",
    "TODOIST_TOKEN": "https://app.todoist.com/app/settings/integrations/developer",
    "NOTION_TOKEN": "https://www.notion.so/profile/integrations (then share the database "
                    "with the integration: ••• > Connections)",
    "NOTION_DATABASE_ID": "the 32 hex digits in the database's URL",
    "JIRA_URL": "your site, e.g. https://your-team.atlassian.net",
}


def _parse_sets(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise typer.BadParameter(f"--set takes VAR=VALUE, not {v.split('=')[0]!r}...")
        out[name] = value
    return out


def _ask(name: str, required: bool, interactive: bool) -> str | None:
    if not interactive:
        return None
    if name in WHERE:
        console.print(f"[dim]{name}: {WHERE[name]}[/]", highlight=False, soft_wrap=True)
    answer: str = typer.prompt(name if required else f"{name} (Enter: the preset's default)",
                               default="" if not required else None,
                               hide_input=bool(SECRET.search(name)), show_default=False)
    return answer or None


@handled
def init(
    preset_name: Annotated[str | None, typer.Option("--preset", help="The preset to start "
                           "from (`synchub presets` lists them).")] = None,
    config: Annotated[str, typer.Option("--config", "-c", help="Where to write the config; "
                      "the .env goes next to it.")] = "synchub.yaml",
    sets: Annotated[list[str] | None, typer.Option("--set", help="VAR=VALUE for a variable "
                    "the preset reads (repeatable); asked for when missing and interactive."
                    )] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing config and .env.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive/--no-input", help="Ask for what "
                           "is missing (default), or fail naming it.")] = True,
) -> None:
    """Write a config from a preset and a .env with its secrets (mode 0600), then check it."""
    path = Path(config).expanduser()
    env_path = path.parent / ".env"
    for existing in (path, env_path):
        if existing.exists() and not force:
            raise typer.BadParameter(f"{existing} exists; pass --force to replace it",
                                     param_hint="--config")
    if preset_name is None:
        if not interactive:
            raise typer.BadParameter("give --preset NAME (`synchub presets` lists them)")
        for p in all_presets().values():
            console.print(f"  [bold]{p.name:<13}[/] {p.summary}", highlight=False)
        preset_name = typer.prompt("Preset", default="jira-todoist")
    chosen = preset(preset_name)
    given = _parse_sets(sets or [])
    required = set(chosen.required)
    values: dict[str, str] = {}
    missing = []
    for name in chosen.variables:
        value = given.get(name, os.environ.get(name)) or _ask(name, name in required,
                                                               interactive)
        if value:
            values[name] = value
        elif name in required:
            missing.append(name)
    if missing:
        raise typer.BadParameter(f"no value for {', '.join(missing)}: pass --set VAR=VALUE "
                                 "or run interactively", param_hint="--set")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(chosen.text, encoding="utf-8")
    write_private(env_path, "".join(f"{k}={_quoted(v)}\n" for k, v in values.items()))
    console.print(f"[green]✓[/] wrote {path} (preset {chosen.name}) and {env_path} (mode 0600, "
                  f"{len(values)} value{'s' if len(values) != 1 else ''})", highlight=False)
    from hub.cli.check import check

    check(str(path), probe=False)
    console.print(f"Next: [bold]synchub check --probe -c {path}[/], then "
                  f"[bold]synchub plan -c {path}[/].", highlight=False)


def _quoted(value: str) -> str:
    """A .env value python-dotenv reads back unchanged (quotes and spaces kept)."""
    if re.fullmatch(r"[A-Za-z0-9_./:@+-]*", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
