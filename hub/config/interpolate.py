"""``${VAR}`` and ``${VAR:-default}`` in string values, from the environment or a ``.env``
file next to the config (real environment variables win). An unset variable without a default
is a problem at its line; values are never echoed back, since they are usually secrets."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from hub.config.yamlsrc import dotted, locate
from hub.errors import ConfigProblem

PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def environment(config_path: Path, environ: Mapping[str, str] | None) -> dict[str, str]:
    env: dict[str, str] = {}
    dotenv = config_path.parent / ".env"
    if dotenv.is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return env


def interpolate(doc: Any, env: Mapping[str, str], file: str) -> list[ConfigProblem]:
    """Replace references in place; return a problem per unset variable."""
    problems: list[ConfigProblem] = []

    def sub(text: str, path: tuple[str | int, ...]) -> str:
        def one(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            line, col = locate(doc, path)
            problems.append(ConfigProblem(
                f"environment variable {name} is not set (set it, add it to the .env file "
                f"next to the config, or write ${{{name}:-default}})", file, line, col,
                dotted(path)))
            return ""
        return PATTERN.sub(one, text)

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
