"""``synchub init``: from an empty directory to a checked config. A preset is chosen; then,
connection by connection, its credentials are asked for (where each is made is shown; secrets
without echo) or taken from ``--set VAR=VALUE`` and the environment, checked at once by
listing what they reach, and each endpoint is pointed at a project, data source or calendar
chosen from that list (``--pick``), with the status, priority and property mappings filled
in from the service's real names (:mod:`hub.cli.discover`). The config keeps the preset's
comments and reads secrets as ``${VAR}`` from a ``.env`` next to it (mode 0600). Then
``check --probe`` and ``plan`` run, so the first ``synchub sync`` is the next step.

``--no-discover`` only copies the preset and fills in its variables (no request)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.common import console, handled, write_private
from hub.cli.discover import Answers, discover_all, variables
from hub.cli.files import dump_yaml, env_text, load_yaml, point_at
from hub.cli.presets import Preset, all_presets, preset

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


def _ask(name: str, required: bool, interactive: bool) -> str | None:
    if not interactive:
        return None
    if name in WHERE:
        console.print(f"[dim]{name}: {WHERE[name]}[/]", highlight=False, soft_wrap=True)
    answer: str = typer.prompt(name if required else f"{name} (Enter: the preset's default)",
                               default="" if not required else None,
                               hide_input=bool(SECRET.search(name)), show_default=False)
    return answer or None


def _parse_pairs(values: list[str], option: str, key: str = "VAR") -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
            # the value is not shown: `--set ghp_...` (VAR= forgotten) is a token
            raise typer.BadParameter(f"{option} takes {key}=VALUE (one of them has no "
                                     f"{key}= in front)", param_hint=option)
        out[name] = value
    return out


@handled
def init(
    preset_name: Annotated[str | None, typer.Option("--preset", help="The preset to start "
                           "from (`synchub presets` lists them).")] = None,
    config: Annotated[str, typer.Option("--config", "-c", help="Where to write the config; "
                      "the .env goes next to it.")] = "synchub.yaml",
    sets: Annotated[list[str] | None, typer.Option("--set", help="VAR=VALUE for a variable "
                    "the preset reads (repeatable); asked for when missing and interactive."
                    )] = None,
    picks: Annotated[list[str] | None, typer.Option("--pick", help="ENDPOINT=NAME: the "
                     "project, data source or calendar an endpoint syncs with (by name, id "
                     "or number in the list; repeatable; ENDPOINT or FLOW.ENDPOINT).")] = None,
    base_urls: Annotated[list[str] | None, typer.Option("--base-url", help="CONNECTION=URL: "
                         "talk to this URL instead of the service's (a proxy, or the "
                         "emulators of `synchub sandbox`); repeatable.")] = None,
    client_secrets: Annotated[Path | None, typer.Option(help="The Google OAuth client file "
                              "(Desktop app), for the sign-in when there is no token yet."
                              )] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the sign-in URL "
                          "instead of opening a browser.")] = False,
    discover: Annotated[bool, typer.Option("--discover/--no-discover", help="Sign in and "
                        "fill in projects and mappings from the services (default), or only "
                        "copy the preset and its variables.")] = True,
    force: Annotated[bool, typer.Option(help="Replace an existing config and .env.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive/--no-input", help="Ask for what "
                           "is missing (default), or fail naming it.")] = True,
) -> None:
    """Write a config for your accounts from a preset (asking, signing in and discovering
    what to sync), and a .env with its secrets (mode 0600); then check it and show the plan."""
    path = Path(config).expanduser()
    env_path = path.parent / ".env"
    _refuse_existing((path, env_path), force)
    chosen = preset(preset_name or _choose_preset(interactive))
    answers = Answers(values=_parse_pairs(sets or [], "--set"),
                      picks=_parse_pairs(picks or [], "--pick", "ENDPOINT"),
                      interactive=interactive,
                      ask=lambda name, required: _ask(name, required, interactive),
                      client_secrets=client_secrets, open_browser=not no_browser)
    doc = load_yaml(chosen.text)
    _point_at(doc, _parse_pairs(base_urls or [], "--base-url", "CONNECTION"))
    if discover:
        discover_all(doc, answers, os.environ)
    for name in variables(doc):  # what discovery did not fill in (all of it without)
        if name not in answers.values and name not in answers.asked:
            _fill_one(name, chosen, answers, interactive)
    text = (f"# Written by `synchub init` from the preset {chosen.name!r}; the ${{VARS}} are "
            "read from the\n# .env file next to it (mode 0600). `synchub check --probe` "
            "checks it against the services.\n" + dump_yaml(doc))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    used = set(variables(doc))
    kept = {k: v for k, v in answers.values.items() if k in used}
    write_private(env_path, env_text(kept))
    console.print(f"[green]✓[/] wrote {path} (preset {chosen.name}) and {env_path} (mode 0600, "
                  f"{len(kept)} value{'s' if len(kept) != 1 else ''})", highlight=False)
    _check_and_plan(path, discover)


def _refuse_existing(paths: tuple[Path, ...], force: bool) -> None:
    for existing in paths:
        if existing.exists() and not force:
            raise typer.BadParameter(f"{existing} exists; pass --force to replace it",
                                     param_hint="--config")


def _check_and_plan(path: Path, discovered: bool) -> None:
    """``check --probe`` and ``plan`` when the services were reached; only ``check`` for a
    copied preset (its values were not tried)."""
    from hub.cli.check import check

    check(str(path), probe=discovered)
    if not discovered:
        console.print(f"Next: [bold]synchub check --probe -c {path}[/], then "
                      f"[bold]synchub plan -c {path}[/].", highlight=False)
        return
    from hub.cli.sync import plan

    plan(str(path))
    console.print(f"Next: [bold]synchub sync -c {path}[/] (or [bold]synchub run[/] to keep "
                  "syncing).", highlight=False)


def _choose_preset(interactive: bool) -> str:
    if not interactive:
        raise typer.BadParameter("give --preset NAME (`synchub presets` lists them)")
    for p in all_presets().values():
        console.print(f"  [bold]{p.name:<13}[/] {p.summary}", highlight=False)
    return str(typer.prompt("Preset", default="jira-todoist"))


def _fill_one(name: str, chosen: Preset, answers: Answers, interactive: bool) -> None:
    value = os.environ.get(name) or _ask(name, name in chosen.required, interactive)
    if value:
        answers.values[name] = value
    elif name in chosen.required:
        raise typer.BadParameter(f"no value for {name}: pass --set {name}=VALUE or run "
                                 "interactively", param_hint="--set")


def _point_at(doc: Any, urls: dict[str, str]) -> None:
    """``--base-url``: a connection (by name or type) talks to another URL."""
    from adapters.registry import load_factory

    conns = doc.get("connections") or {}
    for key, url in urls.items():
        names = [n for n, b in conns.items() if key in (n, b.get("type"))]
        if not names:
            raise typer.BadParameter(f"no connection {key!r} in the preset (it has: "
                                     f"{', '.join(conns)})", param_hint="--base-url")
        for n in names:
            point_at(conns[n], load_factory(str(conns[n]["type"])), url)
