"""References in string values, expanded in one pass:

- ``${VAR}`` and ``${VAR:-default}``: from the environment or a ``.env`` file next to the
  config (real environment variables win);
- ``${keyring:NAME}`` (``${keyring:SERVICE/NAME}``): the system keyring;
- ``${cmd:COMMAND ARGS}``: the first line a command prints (a password manager's).

A reference that cannot be expanded is a problem at its line; values are never echoed back,
since they are usually secrets. One pass, so a value is never expanded again: a ``${cmd:...}``
that an environment variable's value holds is not run. Where the last two kinds look their
values up is :mod:`hub.config.secretsrc`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from hub.config.secretsrc import SecretSources, SourceError
from hub.config.yamlsrc import dotted, locate
from hub.errors import ConfigProblem

#: ``${VAR}`` / ``${VAR:-default}`` alone (the presets and the sandbox read variable names)
PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
#: any reference: groups source and ref (keyring / cmd), then PATTERN's two. ``${cmd:-x}``
#: stays the variable ``cmd`` with a default, as it always was.
REFERENCE = re.compile(r"\$\{(?P<source>keyring|cmd):(?!-)(?P<ref>[^}]*)\}|" + PATTERN.pattern)


def environment(config_path: Path, environ: Mapping[str, str] | None) -> dict[str, str]:
    env: dict[str, str] = {}
    dotenv = config_path.parent / ".env"
    if dotenv.is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return env


def _variable(name: str, default: str | None, env: Mapping[str, str]) -> str:
    if name in env:
        return env[name]
    if default is not None:
        return default
    raise SourceError(f"environment variable {name} is not set (set it, add it to the .env "
                      f"file next to the config, or write ${{{name}:-default}})")


def _expand(m: re.Match[str], env: Mapping[str, str], sources: SecretSources) -> str:
    if m.group("source") == "keyring":
        return sources.keyring(m.group("ref"))
    if m.group("source") == "cmd":
        return sources.command(m.group("ref"))
    return _variable(m.group(3), m.group(4), env)


def interpolate(doc: Any, env: Mapping[str, str], file: str,
                sources: SecretSources | None = None) -> list[ConfigProblem]:
    """Replace references in place; return a problem per reference that cannot be expanded.
    ``sources`` (one per load) runs each command once and remembers the values it fetched."""
    problems: list[ConfigProblem] = []
    src = sources if sources is not None else SecretSources(Path(file))

    def sub(text: str, path: tuple[str | int, ...]) -> str:
        def one(m: re.Match[str]) -> str:
            try:
                return _expand(m, env, src)
            except SourceError as exc:
                line, col = locate(doc, path)
                problems.append(ConfigProblem(str(exc), file, line, col, dotted(path)))
                return ""
        return REFERENCE.sub(one, text)

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else ()
        for key, value in list(items):
            here = (*path, key)
            if isinstance(value, str) and "${" in value:
                node[key] = sub(value, here)
            elif isinstance(value, dict | list):
                walk(value, here)

    walk(doc, ())
    return problems
