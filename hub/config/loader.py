"""Loading the configuration: every problem found, located, and reported at once.

Order: read the file (missing, unreadable, empty) -> parse YAML (syntax, duplicate keys) ->
interpolate ``${VAR}``, ``${keyring:NAME}``, ``${cmd:...}`` -> validate against
:mod:`hub.config.models` -> validate each connection and endpoint scope against its adapter's
own models -> cross-checks (:mod:`hub.config.checks`). Problems from every stage that could
run are collected into one :class:`hub.errors.ConfigError`; no message ever contains a
secret's value (one from the keyring or a command is masked even where a message quotes the
value it rejects).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.config import checks, flow_checks, interpolate
from hub.config.models import Config
from hub.config.secretsrc import SecretSources
from hub.config.yamlsrc import dotted, locate, parse, plain
from hub.errors import ConfigError, ConfigProblem
from hub.redact import Redactor, collect_secrets

#: connection keys that identify *where* data lives (part of the fingerprint); never secrets
IDENTITY_KEYS = ("url", "base_url", "email", "service", "workspace", "calendar_id")


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    path: Path
    fingerprint: str
    #: connection name -> the adapter's validated connection settings
    connections: Mapping[str, BaseModel] = field(default_factory=dict, repr=False)
    #: (flow, endpoint) -> the adapter's validated scope
    scopes: Mapping[tuple[str, str], BaseModel] = field(default_factory=dict, repr=False)
    #: every value that came from the keyring or a command: a secret whatever its key
    sourced: frozenset[str] = field(default=frozenset(), repr=False)

    def secrets(self) -> set[str]:
        """What to mask in everything printed or logged with this config: values under
        credential-looking keys (but not a key's fixed choices, like gcal's ``credentials:
        none``, which would garble every "none" in the output) and every sourced value."""
        return collect_secrets(self.config, choices=checks.choices) | self.sourced


def _read(path: Path) -> str:
    where = str(path)
    if not path.exists():
        raise ConfigError(ConfigProblem(
            "file not found; `synchub init` writes one (`synchub presets` lists ready ones)",
            where))
    if path.is_dir():
        raise ConfigError(ConfigProblem("is a directory, not a configuration file", where))
    try:
        text = path.read_text(encoding="utf-8")
    except PermissionError:
        raise ConfigError(ConfigProblem("cannot be read: permission denied", where)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(ConfigProblem(f"cannot be read: {exc}", where)) from None
    if not text.strip() or all(line.strip().startswith("#") or not line.strip()
                               for line in text.splitlines()):
        raise ConfigError(ConfigProblem(
            "the file is empty; it needs at least `connections:` and `flows:`", where, 1))
    return text


def _pydantic_problems(exc: ValidationError, doc: Any, file: str,
                       prefix: tuple[str | int, ...], model: type[BaseModel]
                       ) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    for group_path, errors in checks.group_errors(exc, doc, prefix):
        line, col = locate(doc, group_path)
        message = checks.describe(errors, model, group_path[len(prefix):])
        out.append(ConfigProblem(message, file, line, col, dotted(group_path)))
    return out


def fingerprint(cfg: Config) -> str:
    """What identifies the data a state store describes: flow and endpoint names, each
    endpoint's service, where that service is and the scope. Not intervals, policies or
    credentials, so editing those does not make the state look foreign."""
    ident: dict[str, Any] = {}
    for fname, flow in sorted(cfg.flows.items()):
        eps = {}
        for ename, ep in sorted(flow.endpoints.items()):
            conn = cfg.connections.get(ep.connection)
            extra = (conn.model_extra or {}) if conn else {}
            eps[ename] = {"type": conn.type if conn else None,
                          "where": {k: str(extra[k]) for k in IDENTITY_KEYS if k in extra},
                          "scope": ep.scope}
        ident[fname] = eps
    blob = json.dumps(ident, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _world_readable(path: Path) -> bool:
    try:
        return bool(stat.S_IMODE(path.stat().st_mode) & 0o044)
    except OSError:
        return False


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    path = Path(path).expanduser()
    file = str(path)
    text = _read(path)
    doc, problems = parse(text, file)
    if doc is None:
        raise ConfigError(problems)
    if not isinstance(doc, dict):
        raise ConfigError([*problems, ConfigProblem(
            "the top level must be a mapping with `connections:` and `flows:`", file, 1, 1)])

    env = interpolate.environment(path, environ)
    problems += checks.inline_secrets(doc, file, _world_readable(path))
    sources = SecretSources(path)
    problems += interpolate.interpolate(doc, env, file, sources)
    data = plain(doc)

    cfg: Config | None = None
    try:
        cfg = Config.model_validate(data, context={flow_checks.DEFERRED: True})
    except ValidationError as exc:
        problems += _pydantic_problems(exc, doc, file, (), Config)
    problems += _flow_problems(data, doc, file)
    # Keep checking what can be checked, so every problem is reported in one go.
    adapter_problems, connections, scopes = checks.adapter_problems(
        data, doc, file, _pydantic_problems)
    problems += adapter_problems
    raw_conns = data.get("connections") if isinstance(data.get("connections"), dict) else {}
    problems += checks.cross_checks(checks.valid_endpoints(data), raw_conns, doc, file)
    if cfg is not None:
        problems += _state_problems(cfg, doc, file, path.parent)
        problems += checks.report_problems(cfg, doc, file)
    if problems or cfg is None:
        raise ConfigError(_masked(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)),
                                  sources.found))
    return LoadedConfig(config=cfg, path=path, fingerprint=fingerprint(cfg),
                        connections=connections, scopes=scopes,
                        sourced=frozenset(sources.found))


def _flow_problems(data: Any, doc: Any, file: str) -> list[ConfigProblem]:
    """The flows' cross-key problems (:mod:`hub.config.flow_checks`), all of them, whatever
    else is wrong in the flow."""
    flows = data.get("flows") if isinstance(data, dict) else None
    out: list[ConfigProblem] = []
    for fname, flow in (flows.items() if isinstance(flows, dict) else ()):
        if isinstance(flow, dict):
            for loc, message in flow_checks.problems(flow):
                path = ("flows", fname, *loc)
                line, col = locate(doc, path)
                out.append(ConfigProblem(message, file, line, col, dotted(path)))
    return out


def _masked(problems: list[ConfigProblem], secrets: set[str]) -> list[ConfigProblem]:
    """``problems`` with the sourced secrets masked: a check that quotes the value it rejects
    (``got 'x'``, a bad state URL) must not show one that came from the keyring or a command."""
    if not secrets:
        return problems
    redact = Redactor(secrets)
    return [dataclasses.replace(p, message=redact(p.message)) for p in problems]


def _state_problems(cfg: Config, doc: Any, file: str, base_dir: Path) -> list[ConfigProblem]:
    from hub.store import resolve_url, url_problem

    problem = url_problem(resolve_url(cfg.state.url, base_dir))
    if problem is None:
        return []
    line, col = locate(doc, ("state", "url"))
    return [ConfigProblem(problem, file, line, col, "state.url")]


def format_config_error(err: ConfigError) -> str:
    """``file:line:col: key.path: message`` lines, for people."""
    n = len(err.problems)
    head = f"{n} problem{'s' if n != 1 else ''} in the configuration:"
    return "\n".join([head, *(f"  {p}" for p in err.problems)])


__all__ = ["LoadedConfig", "fingerprint", "format_config_error", "load_config"]
