"""``synchub auth``: getting credentials without reading code. ``synchub auth google`` runs
Google's installed-app OAuth flow (a loopback redirect, google-auth-oauthlib) and stores the
token mode 0600 where the presets look for it; google-auth refreshes it from then on (or,
with ``--service-account KEY``, keeps a service account's key instead). ``synchub auth
jira|todoist|notion`` ask for the API token where it is made, check it against the service
and store it where the config reads it (:mod:`hub.cli.auth_token`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import ConfigOpt, console, handled

auth_app = typer.Typer(help="Get and store credentials for a service.", no_args_is_help=True)


def default_token_file() -> Path:
    from hub.runtime import config_home

    return config_home() / "synchub" / "google-token.json"


@auth_app.command("google")
@handled
def google(
    client_secrets: Annotated[Path | None, typer.Argument(
        help="The OAuth client file (type Desktop app) downloaded from Google Cloud "
             "console > APIs & Services > Credentials.", exists=True, dir_okay=False)] = None,
    token_file: Annotated[Path | None, typer.Option(
        help="Where to keep the token (default: $XDG_CONFIG_HOME/synchub/google-token.json, "
             "where the presets look); with --service-account, where to keep the key.")
    ] = None,
    service_account: Annotated[Path | None, typer.Option(
        help="A service account's JSON key instead of signing in as you: checked, kept "
             "mode 0600; share your calendar with the account's e-mail.", exists=True,
        dir_okay=False)] = None,
    base_url: Annotated[str | None, typer.Option(help="Talk to this Calendar API URL "
                        "instead of Google's (the emulators).")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the URL instead "
                          "of opening a browser.")] = False,
) -> None:
    """Let synchub use your Google Calendar: the browser sign-in once, or a service
    account's key."""
    from adapters.base import load_factory
    from adapters.registry import Authorizing

    if service_account is not None:
        _service_account(service_account, token_file, base_url)
        return
    if client_secrets is None:
        raise typer.BadParameter("give the OAuth client file (or --service-account KEY)",
                                 param_hint="CLIENT_SECRETS")
    factory = load_factory("gcal")
    assert isinstance(factory, Authorizing)  # the shipped Google adapter signs in so
    target = (token_file or default_token_file()).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    factory.authorize(client_secrets, target, open_browser=not no_browser)
    console.print(f"[green]✓[/] token saved to {target} (mode 0600); a connection "
                  f"`{{type: gcal, token_file: \"{target}\"}}` uses it.", highlight=False,
                  soft_wrap=True)


def _service_account(key: Path, target: Path | None, base_url: str | None) -> None:
    """A service account's key: read as google-auth reads it (a broken or foreign file is
    refused here, not by the first round), kept 0600, then used once to list calendars."""
    import json

    from adapters.base import load_factory
    from hub.cli.common import write_private
    from hub.errors import UsageError

    try:
        data = json.loads(key.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{key} is not a JSON key file ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "service_account" or not all(
            data.get(k) for k in ("client_email", "private_key", "token_uri")):
        raise UsageError(f"{key} is not a service account key (Google Cloud console > IAM > "
                         "Service accounts > Keys > Add key > JSON)")
    dest = (target or default_token_file().with_name("google-service-account.json")
            ).expanduser()
    factory = load_factory("gcal")
    settings = {"credentials": "service_account", "service_account_file": str(key)}
    connection = factory.connection_model.model_validate(
        settings | ({"base_url": base_url} if base_url else {}))
    who = factory.probe(connection)  # before the copy: a refused key replaces nothing
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists() or dest.resolve() != key.resolve():
        write_private(dest, key.read_text(encoding="utf-8"))
    console.print(f"[green]✓[/] {who} as {data['client_email']}; key kept at {dest} "
                  "(mode 0600)", highlight=False, soft_wrap=True)
    console.print(f"Share each calendar with {data['client_email']} (Google Calendar > "
                  "Settings > Share with specific people > Make changes to events); a "
                  "connection `{type: gcal, credentials: service_account, "
                  f"service_account_file: \"{dest}\"}}` uses it.", highlight=False,
                  soft_wrap=True, markup=False)


def _token_command(type_name: str, where: str) -> None:
    """``synchub auth <type_name>``: registered for each service signed in with a token."""

    @auth_app.command(type_name, help=f"Check and store your {type_name.capitalize()} API "
                      f"token ({where}); in the .env next to the config, or the keyring.")
    @handled
    def command(
        config: ConfigOpt = None,
        connection: Annotated[str | None, typer.Option(help="The connection to sign in, "
                              "when the config has several of this service.")] = None,
        keyring: Annotated[bool, typer.Option("--keyring", help="Keep the token in the "
                           "system keyring; the config then reads it as ${keyring:VAR}."
                           )] = False,
        base_url: Annotated[str | None, typer.Option(help="Talk to this URL instead of "
                            "the service's (a proxy, or the emulators).")] = None,
        sets: Annotated[list[str] | None, typer.Option("--set", help="VAR=VALUE instead of "
                        "asking (repeatable).")] = None,
        interactive: Annotated[bool, typer.Option("--interactive/--no-input", help="Ask "
                               "for what is missing (default), or fail naming it.")] = True,
    ) -> None:
        from hub.cli.auth_token import authenticate, resolve_config
        from hub.cli.discover import Answers
        from hub.cli.init import _ask, _parse_pairs

        answers = Answers(values=_parse_pairs(sets or [], "--set"), interactive=interactive,
                          ask=lambda name, required: _ask(name, required, interactive))
        authenticate(type_name, config=resolve_config(config), connection=connection,
                     base_url=base_url, keyring=keyring, answers=answers)


_token_command("jira", "id.atlassian.com > Security > API tokens")
_token_command("todoist", "Settings > Integrations > Developer")
_token_command("notion", "notion.so/profile/integrations")
