"""``synchub secret``: the system keyring entries that ``${keyring:NAME}`` reads (service
``synchub``), kept without the value ever being printed or written on a command line, where
``ps`` and the shell's history would keep it. ``set`` reads it hidden from the terminal, or
from standard input when that is not one (``pass show jira | synchub secret set jira``)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Annotated

import typer

from hub.cli.common import console, handled
from hub.errors import UsageError

secret_app = typer.Typer(help="Store, check and delete secrets in the system keyring "
                         "(what ${keyring:NAME} in the config reads).", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(
    metavar="NAME", help="The entry, as in ${keyring:NAME} (service synchub); SERVICE/NAME "
    "for an entry another tool made.")]


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """A keyring failure (no backend, no such entry) as a usage error: exit 2, with advice."""
    from hub.config.secretsrc import SourceError

    try:
        yield
    except SourceError as exc:
        raise UsageError(str(exc)) from None


def _read_value(name: str) -> str:
    """The secret to store: typed twice with hidden input at a terminal, else all of stdin
    less its line end (``echo`` adds one; a secret never ends with one)."""
    if sys.stdin.isatty():
        value: str = typer.prompt(f"Secret for {name}", hide_input=True,
                                  confirmation_prompt=True)
    else:
        value = sys.stdin.read().rstrip("\r\n")
    if not value:
        raise UsageError("nothing to store: type the secret, or pipe it in "
                         f"(`pass show {name} | synchub secret set {name}`)")
    return value


@secret_app.command("set")
@handled
def set_secret(name: NameArg) -> None:
    """Store a secret in the system keyring (typed hidden, or piped in on stdin)."""
    from hub.config.secretsrc import backend_name, keyring_entry, write_keyring

    with _usage_errors():
        service, entry = keyring_entry(name)
        backend = backend_name()
        write_keyring(name, _read_value(name))
    console.print(f"[green]✓[/] stored {entry!r} in the system keyring (service {service!r}, "
                  f"{backend}); the config refers to it as ${{keyring:{name}}}",
                  highlight=False, soft_wrap=True)


@secret_app.command("delete")
@handled
def delete_secret(name: NameArg) -> None:
    """Delete a secret from the system keyring."""
    from hub.config.secretsrc import keyring_entry, write_keyring

    with _usage_errors():
        service, entry = keyring_entry(name)
        write_keyring(name, None)
    console.print(f"[green]✓[/] deleted {entry!r} from the system keyring (service "
                  f"{service!r})", highlight=False, soft_wrap=True)


@secret_app.command("get")
@handled
def get_secret(
    name: NameArg,
    check: Annotated[bool, typer.Option("--check", help="Say whether it is stored (exit 0) "
                     "or not (exit 2). Required: synchub never prints a secret.")] = False,
) -> None:
    """Say whether a secret is stored (with --check); its value is never printed."""
    from hub.config.secretsrc import keyring_entry, read_keyring

    if not check:
        raise UsageError("synchub never prints a secret: `synchub secret get NAME --check` "
                         "says whether it is stored")
    with _usage_errors():
        service, entry = keyring_entry(name)
        found = read_keyring(service, entry) is not None
    if not found:
        raise UsageError(f"no secret {entry!r} in the system keyring (service {service!r}); "
                         f"store it with `synchub secret set {name}`")
    console.print(f"[green]✓[/] {entry!r} is stored in the system keyring (service "
                  f"{service!r})", highlight=False, soft_wrap=True)
