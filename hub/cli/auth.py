"""``synchub auth``: getting credentials without reading code. ``synchub auth google`` runs
Google's installed-app OAuth flow (a loopback redirect, google-auth-oauthlib) and stores the
token mode 0600 where the presets look for it; google-auth refreshes it from then on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import console, handled

auth_app = typer.Typer(help="Get and store credentials for a service.", no_args_is_help=True)


def default_token_file() -> Path:
    from hub.runtime import config_home

    return config_home() / "synchub" / "google-token.json"


@auth_app.command("google")
@handled
def google(
    client_secrets: Annotated[Path, typer.Argument(
        help="The OAuth client file (type Desktop app) downloaded from Google Cloud "
             "console > APIs & Services > Credentials.", exists=True, dir_okay=False)],
    token_file: Annotated[Path | None, typer.Option(
        help="Where to keep the token (default: $XDG_CONFIG_HOME/synchub/google-token.json, "
             "where the presets look).")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the URL instead "
                          "of opening a browser.")] = False,
) -> None:
    """Let synchub use your Google Calendar: the browser sign-in, once."""
    from adapters.base import load_factory
    from adapters.registry import Authorizing

    factory = load_factory("gcal")
    assert isinstance(factory, Authorizing)  # the shipped Google adapter signs in so
    target = (token_file or default_token_file()).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    factory.authorize(client_secrets, target, open_browser=not no_browser)
    console.print(f"[green]✓[/] token saved to {target} (mode 0600); a connection "
                  f"`{{type: gcal, token_file: \"{target}\"}}` uses it.", highlight=False,
                  soft_wrap=True)
