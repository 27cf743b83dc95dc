"""``synchub auth jira|todoist|notion``: a service's API token (and what goes with it: Jira's
site and e-mail) asked for where it is made, checked at once against the service, and stored
where the config reads it: the ``.env`` next to the config (mode 0600, other values kept), or
with ``--keyring`` the system keyring. Run again, it replaces the token where it is: a
``${keyring:NAME}`` entry in the keyring, a ``${VAR}`` in the ``.env``.

Only the chosen connection's secret keys are edited, as YAML (comments kept): with
``--keyring`` their value becomes ``${keyring:VAR}``, and the ``.env`` line goes once nothing
else in the config reads it; without, a ``${keyring:NAME}`` becomes ``${NAME}`` again. A
token from a command (``${cmd:...}``) is the command's business: refused. Without a config
the conventional names (``JIRA_TOKEN``...) go into ``./.env``, which the presets read.

The asking, checking and asking again on refusal are ``synchub init``'s
(:func:`hub.cli.discover.connect`): one path for both commands."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from hub.cli.common import console, write_private
from hub.cli.discover import Answers, connect, variables
from hub.cli.files import dump_yaml, env_text, load_yaml, point_at, read_env
from hub.config.interpolate import REFERENCE
from hub.errors import UsageError


def template(type_name: str, factory: Any) -> dict[str, Any]:
    """A connection block reading each required setting from ``<TYPE>_<KEY>``, as the
    presets name them (``${JIRA_URL}``, ``${TODOIST_TOKEN}``)."""
    block: dict[str, Any] = {"type": type_name}
    for key, info in factory.connection_model.model_fields.items():
        if info.is_required():
            block[key] = f"${{{type_name.upper()}_{key.upper()}}}"
    return block


def _connection_block(doc: Any, type_name: str, wanted: str | None) -> tuple[str, Any]:
    conns = (doc or {}).get("connections") or {}
    if wanted is not None:
        if wanted not in conns or conns[wanted].get("type") != type_name:
            raise UsageError(f"no {type_name} connection named {wanted!r} in the config "
                             f"(its connections: {', '.join(conns) or 'none'})")
        return wanted, conns[wanted]
    mine = [n for n, b in conns.items() if b.get("type") == type_name]
    if len(mine) > 1:
        raise UsageError(f"the config has {len(mine)} {type_name} connections "
                         f"({', '.join(mine)}): pass --connection NAME")
    return (mine[0], conns[mine[0]]) if mine else ("", None)


@dataclass
class Secrets:
    """The connection's secret keys and the variable each is asked for as."""

    names: dict[str, str] = field(default_factory=dict)  # key -> variable
    #: keys whose value is ``${keyring:REF}`` -> REF (``NAME`` or another tool's SERVICE/NAME)
    in_keyring: dict[str, str] = field(default_factory=dict)


def _secret_keys(type_name: str, block: Any, factory: Any) -> Secrets:
    """Each ``SecretStr`` setting of the block and the variable it is read from: its
    ``${VAR}`` (a default too), its ``${keyring:NAME}`` (asked as NAME), or for a value
    written inline the conventional ``<TYPE>_<KEY>``."""
    from pydantic import SecretStr

    out = Secrets()
    for key, info in factory.connection_model.model_fields.items():
        if info.annotation is not SecretStr or key not in block:
            continue
        value = str(block[key])
        ref = REFERENCE.fullmatch(value)
        if ref and ref.group("source") == "cmd":
            raise UsageError(f"the {key} of this connection comes from a command "
                             f"({value.split()[0]}...}}): change it where the command reads "
                             "it")
        if ref and ref.group("source") == "keyring":
            out.names[key] = ref.group("ref").rsplit("/", 1)[-1]
            out.in_keyring[key] = ref.group("ref")
        elif ref and ref.group(3):  # ${VAR} or ${VAR:-default}
            out.names[key] = ref.group(3)
        else:
            out.names[key] = f"{type_name.upper()}_{key.upper()}"
    return out


def authenticate(type_name: str, *, config: Path | None, connection: str | None,
                 base_url: str | None, keyring: bool, answers: Answers) -> None:
    from adapters.registry import load_factory

    factory = load_factory(type_name)
    doc = load_yaml(config.read_text(encoding="utf-8")) if config else None
    name, block = _connection_block(doc, type_name, connection)
    if block is None:
        name, block = type_name, template(type_name, factory)
    secrets = _secret_keys(type_name, block, factory)
    probe = _probe_block(block, secrets, factory, base_url)
    env_path = (config.parent if config else Path.cwd()) / ".env"
    stored = read_env(env_path)
    asked = set(secrets.names.values())
    connect(name, probe, factory, answers,
            {k: v for k, v in {**stored, **os.environ}.items() if k not in asked})
    values = {k: v for k, v in answers.values.items() if k in variables(probe)}
    to_keyring = _place(block, secrets, values, keyring)
    still_read = set(variables(doc if doc is not None else block))
    write_private(env_path, env_text({  # a keyring secret stays while a ${VAR} reads it
        k: v for k, v in {**stored, **values}.items() if k not in to_keyring - still_read}))
    _report(values, to_keyring, env_path)
    if config is not None and doc is not None:
        config.write_text(dump_yaml(doc), encoding="utf-8")
    else:
        console.print(f"A connection reading them: {name}: {_flow(block)} (`synchub init` "
                      "writes a whole config).", highlight=False, markup=False,
                      soft_wrap=True)


def _probe_block(block: Any, secrets: Secrets, factory: Any, base_url: str | None
                 ) -> dict[str, Any]:
    """The block as checked: each secret asked for as its variable; ``--base-url``."""
    probe = {k: (f"${{{secrets.names[k]}}}" if k in secrets.names else v)
             for k, v in block.items()}
    if base_url:
        point_at(probe, factory, base_url)
    return probe


def _place(block: Any, secrets: Secrets, values: dict[str, str], keyring: bool
           ) -> set[str]:
    """Secrets that go to the keyring written there (``--keyring``, or already read from
    it), and each secret key of the block pointed at where its value now is. Returns the
    variables kept in the keyring."""
    refs = {k: secrets.in_keyring.get(k, var) for k, var in secrets.names.items()
            if keyring or k in secrets.in_keyring}  # key -> keyring entry
    _store_keyring({refs[k]: values[secrets.names[k]] for k in refs
                    if secrets.names[k] in values})
    for key, var in secrets.names.items():
        block[key] = f"${{keyring:{refs[key]}}}" if key in refs else f"${{{var}}}"
    return {secrets.names[k] for k in refs}


def _store_keyring(values: dict[str, str]) -> None:
    """Keyring entry (``NAME`` or ``SERVICE/NAME``) -> secret, written."""
    from hub.config.secretsrc import SourceError, write_keyring

    try:
        for ref, value in sorted(values.items()):
            write_keyring(ref, value)
    except SourceError as exc:
        raise UsageError(str(exc)) from None


def _report(values: dict[str, str], to_keyring: set[str], env_path: Path) -> None:
    in_env = sorted(set(values) - to_keyring)
    if in_env:
        console.print(f"[green]✓[/] stored {', '.join(in_env)} in {env_path} (mode 0600)",
                      highlight=False)
    if to_keyring & set(values):
        console.print(f"[green]✓[/] stored {', '.join(sorted(to_keyring & set(values)))} in "
                      "the system keyring (service synchub); the config reads it as "
                      "${keyring:NAME}", highlight=False, markup=False)


def _flow(block: dict[str, Any]) -> str:
    """A connection block as one line of YAML, as the presets write them."""
    import json

    return "{" + ", ".join(f"{k}: {json.dumps(v) if '$' in str(v) else v}"
                           for k, v in block.items()) + "}"


def resolve_config(explicit: str | None) -> Path | None:
    """The config the command works with: the one given, else the one synchub would find,
    else none (the conventional names, into ./.env)."""
    from hub.errors import ConfigError
    from hub.runtime import find_config

    try:
        path = find_config(explicit)
    except ConfigError:
        return None
    if explicit is None and not path.exists():
        return None
    if not path.is_file():
        raise typer.BadParameter(f"{path} does not exist", param_hint="--config")
    return path

