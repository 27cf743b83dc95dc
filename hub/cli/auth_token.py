"""``synchub auth jira|todoist|notion``: a service's API token (and what goes with it: Jira's
site and e-mail) asked for where it is made, checked at once against the service, and stored
where the config reads it: the ``.env`` next to the config (mode 0600, other values kept), or
with ``--keyring`` the system keyring, the config's ``${VAR}`` for it then rewritten to
``${keyring:VAR}`` (and the value dropped from the ``.env``). Without a config the
conventional names (``JIRA_TOKEN``...) go into ``./.env``, which the presets read.

The asking, checking and asking again on refusal are ``synchub init``'s
(:func:`hub.cli.discover.connect`): one path for both commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from dotenv import dotenv_values

from hub.cli.common import console, write_private
from hub.cli.discover import Answers, connect, variables
from hub.errors import UsageError


def template(type_name: str, factory: Any) -> dict[str, Any]:
    """A connection block reading each required setting from ``<TYPE>_<KEY>``, as the
    presets name them (``${JIRA_URL}``, ``${TODOIST_TOKEN}``)."""
    fields = factory.connection_model.model_fields
    block: dict[str, Any] = {"type": type_name}
    for key, info in fields.items():
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


def authenticate(type_name: str, *, config: Path | None, connection: str | None,
                 base_url: str | None, keyring: bool, answers: Answers) -> None:
    from adapters.registry import load_factory
    from hub.cli.init import _load

    factory = load_factory(type_name)
    doc = _load(config.read_text(encoding="utf-8")) if config else None
    name, block = _connection_block(doc, type_name, connection)
    if block is None:
        name, block = type_name, template(type_name, factory)
    probe_block = dict(block)
    if base_url:
        fields = factory.connection_model.model_fields
        probe_block["base_url" if "base_url" in fields else "url"] = base_url
    env_path = (config.parent if config else Path.cwd()) / ".env"
    stored = _read_env(env_path)
    secret_vars = _secret_variables(probe_block, factory)
    known = {k: v for k, v in {**stored, **os.environ}.items() if k not in secret_vars}
    connect(name, probe_block, factory, answers, known)
    values = {k: v for k, v in answers.values.items() if k in variables(probe_block)}
    if keyring:
        _to_keyring(values, secret_vars, stored, env_path, config, doc)
    else:
        write_private(env_path, _env_text({**stored, **values}))
        console.print(f"[green]✓[/] stored {', '.join(sorted(values))} in {env_path} "
                      "(mode 0600)", highlight=False)
    if config is None:
        console.print(f"A connection reading them: {name}: {_flow(probe_block)} (`synchub init` "
                      "writes a whole config).", highlight=False, markup=False,
                      soft_wrap=True)


def _flow(block: dict[str, Any]) -> str:
    """A connection block as one line of YAML, as the presets write them."""
    import json

    return "{" + ", ".join(f"{k}: {json.dumps(v) if '$' in str(v) else v}"
                           for k, v in block.items()) + "}"


def _secret_variables(block: Any, factory: Any) -> set[str]:
    """The variables under the connection model's secret keys (``SecretStr`` fields)."""
    from pydantic import SecretStr

    fields = factory.connection_model.model_fields
    return {v for key, value in block.items() if key in fields
            and fields[key].annotation is SecretStr for v in variables(value)}


def _read_env(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _env_text(values: dict[str, str]) -> str:
    from hub.cli.init import _quoted

    return "".join(f"{k}={_quoted(v)}\n" for k, v in values.items())


def _to_keyring(values: dict[str, str], secret_vars: set[str], stored: dict[str, str],
                env_path: Path, config: Path | None, doc: Any) -> None:
    """Secrets into the keyring (as ``synchub/VAR``), the config's ``${VAR}`` for each made
    ``${keyring:VAR}``; the rest (a site, an e-mail) into the ``.env`` as usual."""
    from hub.config.secretsrc import SourceError, write_keyring

    try:
        for var in sorted(secret_vars & set(values)):
            write_keyring(var, values[var])
    except SourceError as exc:
        raise UsageError(str(exc)) from None
    rest = {k: v for k, v in {**stored, **values}.items() if k not in secret_vars}
    if rest or env_path.exists():
        write_private(env_path, _env_text(rest))
    moved = sorted(secret_vars & set(values))
    console.print(f"[green]✓[/] stored {', '.join(moved)} in the system keyring "
                  f"(service synchub)", highlight=False)
    if config is not None and doc is not None:
        text = config.read_text(encoding="utf-8")
        for var in moved:
            text = text.replace(f"${{{var}}}", f"${{keyring:{var}}}")
        config.write_text(text, encoding="utf-8")
        console.print(f"[green]✓[/] {config} reads them as ${{keyring:NAME}}",
                      highlight=False)


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
