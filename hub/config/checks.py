"""Config checks beyond the models' own: readable messages for pydantic errors (with
did-you-mean), the adapters' connection and scope models, and the checks that span several
parts of the file (undefined connections, two flows writing one field, status maps)."""

from __future__ import annotations

import difflib
import itertools
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.base import load_factory
from hub.config.models import HUB_KEYS, Config, EndpointConfig
from hub.config.yamlsrc import dotted, locate
from hub.errors import ConfigError, ConfigProblem
from hub.model import StatusKind
from hub.redact import SECRET_KEYS, literal_choices

Loc = tuple[str | int, ...]
PydProblems = Callable[[ValidationError, Any, str, Loc, type[BaseModel]], list[ConfigProblem]]

_UNION_HINTS = {
    "conflict": "must be 'newest', 'manual' or {prefer: <endpoint>}",
}


def _exists(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return key in node
    if isinstance(node, list) and isinstance(key, int):
        return 0 <= key < len(node)
    return False


def group_errors(exc: ValidationError, doc: Any, prefix: Loc) -> list[tuple[Loc, list[Any]]]:
    """Errors grouped by the place in the *data* they are about (union branches collapse)."""
    groups: dict[Loc, list[Any]] = {}
    for err in exc.errors():
        node: Any = doc
        for p in prefix:
            node = node[p] if _exists(node, p) else None
        path: list[str | int] = list(prefix)
        loc = list(err["loc"])
        for i, p in enumerate(loc):
            if _exists(node, p):
                path.append(p)
                node = node[p]
            else:
                if i == len(loc) - 1 and err["type"] == "missing":
                    path.append(p)
                break
        groups.setdefault(tuple(path), []).append(err)
    return list(groups.items())


def _model_at(model: Any, path: Sequence[str | int]) -> type[BaseModel] | None:
    cur: Any = model
    for p in path:
        cur = _unwrap(cur)
        if isinstance(cur, type) and issubclass(cur, BaseModel):
            f = cur.model_fields.get(str(p))
            if f is None:
                return None
            cur = f.annotation
        elif typing.get_origin(cur) is dict:
            cur = typing.get_args(cur)[1]
        else:
            return None
    cur = _unwrap(cur)
    return cur if isinstance(cur, type) and issubclass(cur, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            arg = _unwrap(arg)
            if (isinstance(arg, type) and issubclass(arg, BaseModel)) or \
                    typing.get_origin(arg) is dict:
                return arg
    return tp


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def describe(errors: list[Any], model: type[BaseModel], rel: Loc) -> str:
    """One readable sentence for the errors at one place."""
    key = str(rel[-1]) if rel else ""
    if len(errors) > 1:
        if key in _UNION_HINTS:
            return _UNION_HINTS[key]
        if len(rel) >= 2 and rel[-2] == "fields" and len(rel) == 4:
            return "must be 'two-way' or {owner: <endpoint>}"
        return " or ".join(sorted({_one(e, model, rel) for e in errors}))
    return _one(errors[0], model, rel)


def _one(err: Any, model: type[BaseModel], rel: Loc) -> str:
    kind, msg = err["type"], str(err["msg"])
    key = str(rel[-1]) if rel else ""
    if kind == "extra_forbidden":
        parent = _model_at(model, rel[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = suggest(key, allowed)
        listing = f" (allowed: {', '.join(allowed)})" if allowed and not hint else ""
        return f"unknown key {key!r}{hint}{listing}"
    if kind == "missing":
        return f"required key {key!r} is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("literal_error", "enum"):
        got = err.get("input")
        return f"{msg[0].lower()}{msg[1:]} (got {got!r})" if isinstance(got, str | int) \
            else msg
    if kind.endswith("_type") or kind.endswith("_parsing"):
        got = type(err.get("input")).__name__
        return f"{msg[0].lower()}{msg[1:]} (got {got})"
    return msg


# -- adapters -------------------------------------------------------------------------------


def _entries(node: Any, key: str) -> Iterable[tuple[Any, Any]]:
    """The ``(name, block)`` pairs under ``node[key]``, or none when either is not a mapping
    (the Config model reports that)."""
    child = node.get(key) if isinstance(node, dict) else None
    return child.items() if isinstance(child, dict) else ()


def adapter_problems(data: Any, doc: Any, file: str, pyd: PydProblems
                     ) -> tuple[list[ConfigProblem], dict[str, BaseModel],
                                dict[tuple[str, str], BaseModel]]:
    """Each connection against its adapter's connection model, each endpoint's scope against
    its adapter's scope model and the adapter's own endpoint check."""
    problems, conns, factories = _connection_problems(data, doc, file, pyd)
    scopes: dict[tuple[str, str], BaseModel] = {}
    for fname, flow in _entries(data, "flows"):
        for ename, ep in _entries(flow, "endpoints"):
            if not isinstance(ep, dict) or ep.get("connection") not in factories:
                continue
            factory = factories[ep["connection"]]
            path: Loc = ("flows", fname, "endpoints", ename)
            try:
                scopes[(fname, ename)] = factory.scope_model.model_validate(ep.get("scope") or {})
            except ValidationError as exc:
                problems += pyd(exc, doc, file, (*path, "scope"), factory.scope_model)
            problems += _endpoint_hook(factory, ep, doc, file, path)
    return problems, conns, scopes


def _connection_problems(data: Any, doc: Any, file: str, pyd: PydProblems
                         ) -> tuple[list[ConfigProblem], dict[str, BaseModel], dict[str, Any]]:
    """Each connection's adapter (installed?) and settings; the factories found, by name."""
    problems: list[ConfigProblem] = []
    conns: dict[str, BaseModel] = {}
    factories: dict[str, Any] = {}
    for name, block in _entries(data, "connections"):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            continue  # the Config model already reported it
        path: Loc = ("connections", name)
        try:
            factory = load_factory(block["type"])
        except ConfigError as exc:
            line, col = locate(doc, (*path, "type"))
            problems.append(ConfigProblem(exc.problems[0].message, file, line, col,
                                          dotted((*path, "type"))))
            continue
        factories[name] = factory
        settings = {k: v for k, v in block.items() if k not in HUB_KEYS}
        try:
            conns[name] = factory.connection_model.model_validate(settings)
        except ValidationError as exc:
            problems += pyd(exc, doc, file, path, factory.connection_model)
    return problems, conns, factories


def _endpoint_hook(factory: Any, ep: dict[str, Any], doc: Any, file: str, path: Loc
                   ) -> list[ConfigProblem]:
    """The adapter's own check of a whole endpoint (``validate_endpoint``), if it has one."""
    hook = getattr(factory, "validate_endpoint", None)
    if hook is None:
        return []
    try:
        endpoint = EndpointConfig.model_validate(ep)
    except ValidationError:
        return []
    line, col = locate(doc, path)
    return [ConfigProblem(m, file, line, col, dotted(path)) for m in hook(endpoint)]


# -- across the file ------------------------------------------------------------------------


def choices(block: Mapping[str, Any], key: str) -> tuple[object, ...]:
    """The values a connection key is limited to (a ``Literal`` field of the adapter's
    connection model, like Google's ``credentials: oauth | service_account | none``): such a
    value names a mode, it is never a secret, whatever the key is called. Neither taken for an
    inline secret here nor masked in output (:func:`hub.redact.collect_secrets`)."""
    kind = block.get("type")
    if not isinstance(kind, str):
        return ()
    try:
        model = load_factory(kind).connection_model
    except ConfigError:
        return ()
    return literal_choices(model, key)


def inline_secrets(doc: Any, file: str, readable_by_others: bool) -> list[ConfigProblem]:
    if not readable_by_others or not isinstance(doc, dict):
        return []
    out = []
    conns = doc.get("connections")
    for name, block in conns.items() if isinstance(conns, dict) else ():
        for key, value in block.items() if isinstance(block, dict) else ():
            if SECRET_KEYS.search(str(key)) and isinstance(value, str) and value \
                    and "${" not in value and value not in choices(block, str(key)):
                out.append(_inline(doc, file, ("connections", name, key)))
    return out + _inline_notify(doc, file)


def _inline(doc: Any, file: str, where: Loc) -> ConfigProblem:
    line, col = locate(doc, where)
    return ConfigProblem(
        "a secret is written inline in a file that other users can read: run "
        f"`chmod 600 {file}`, or use ${{VAR}} and put the value in the environment "
        "or a .env file", file, line, col, dotted(where))


#: the keys of a notify target that hold secrets (a webhook address is its token)
NOTIFY_SECRETS = ("url", "password")


def _inline_notify(doc: dict[str, Any], file: str) -> list[ConfigProblem]:
    """Webhook addresses, SMTP passwords and webhook headers written inline."""
    notify = doc.get("notify")
    found: list[Loc] = []
    targets = notify.get("targets") if isinstance(notify, dict) else None
    for name, block in targets.items() if isinstance(targets, dict) else ():
        if not isinstance(block, dict):
            continue
        found += [("notify", "targets", name, key) for key in NOTIFY_SECRETS
                  if isinstance(block.get(key), str) and "${" not in block[key]]
        headers = block.get("headers")
        found += [("notify", "targets", name, "headers", h)
                  for h, v in (headers.items() if isinstance(headers, dict) else ())
                  if isinstance(v, str) and "${" not in v]
    return [_inline(doc, file, where) for where in found]


def valid_endpoints(data: Any) -> dict[str, dict[str, EndpointConfig]]:
    """Every endpoint that validates on its own, per flow, so cross-checks run even when
    another part of the file is broken (every problem at once, not one per attempt)."""
    out: dict[str, dict[str, EndpointConfig]] = {}
    flows = data.get("flows") if isinstance(data, dict) else None
    for fname, flow in flows.items() if isinstance(flows, dict) else ():
        eps = flow.get("endpoints") if isinstance(flow, dict) else None
        for ename, ep in eps.items() if isinstance(eps, dict) else ():
            try:
                out.setdefault(fname, {})[ename] = EndpointConfig.model_validate(ep)
            except ValidationError:
                continue
    return out


def cross_checks(flows: dict[str, dict[str, EndpointConfig]], connections: Iterable[str],
                 doc: Any, file: str) -> list[ConfigProblem]:
    """Undefined connections, value maps, and two flows writing the same items."""
    connections = list(connections)
    out: list[ConfigProblem] = []
    for fname, endpoints in flows.items():
        for ename, ep in endpoints.items():
            base: Loc = ("flows", fname, "endpoints", ename)
            if ep.connection not in connections:
                out.append(_at(doc, file, (*base, "connection"),
                               f"connection {ep.connection!r} is not defined under "
                               f"`connections:`{suggest(ep.connection, connections)}"))
            for field, rule in ep.fields.items():
                if rule.map is not None:
                    out += _value_map_problems(doc, file, (*base, "fields", field), field, rule)
    return out + _shared_targets(flows, doc, file)


def report_problems(cfg: Config, doc: Any, file: str) -> list[ConfigProblem]:
    """The flows and connections ``report:`` names exist."""
    report = cfg.report
    if report is None:
        return []
    out = [_at(doc, file, ("report", "flows", n),
               f"{name!r} is not a flow{suggest(name, cfg.flows)}")
           for n, name in enumerate(report.flows or ()) if name not in cfg.flows]
    listed = _is_list(doc, ("report", "to"))  # `to:` may be one target or a list
    for n, target in enumerate(report.to):
        where: Loc = ("report", "to", n, "connection") if listed else ("report", "to",
                                                                      "connection")
        name = getattr(target, "connection", None)
        if name is not None and name not in cfg.connections:
            out.append(_at(doc, file, where, f"connection {name!r} is not defined under "
                           f"`connections:`{suggest(name, cfg.connections)}"))
        told = getattr(target, "notify", None)
        if told is not None and told not in cfg.notify.targets:
            at: Loc = ("report", "to", n, "notify") if listed else ("report", "to", "notify")
            out.append(_at(doc, file, at, f"notify target {told!r} is not defined under "
                           f"`notify.targets:`{suggest(told, cfg.notify.targets)}"))
    return out


def _is_list(doc: Any, path: Loc) -> bool:
    node = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return isinstance(node, list)


def _at(doc: Any, file: str, path: Loc, message: str) -> ConfigProblem:
    line, col = locate(doc, path)
    return ConfigProblem(message, file, line, col, dotted(path))


def _shared_targets(flows: dict[str, dict[str, EndpointConfig]], doc: Any, file: str
                    ) -> list[ConfigProblem]:
    """Two flows writing the same fields of the same items (one connection, one scope)."""
    targets: dict[tuple[str, str], list[tuple[str, str, set[str] | None]]] = {}
    for fname, endpoints in flows.items():
        for ename, ep in endpoints.items():
            if not ep.read_only:
                scope_key = json.dumps(ep.scope, sort_keys=True, default=str)
                targets.setdefault((ep.connection, scope_key), []).append(
                    (fname, ename, set(ep.only) if ep.only is not None else None))
    out = []
    for (conn, _), entries in targets.items():
        for (f1, e1, fs1), (f2, e2, fs2) in itertools.combinations(entries, 2):
            if f1 == f2:
                continue
            shared = "all fields" if fs1 is None or fs2 is None else ", ".join(sorted(fs1 & fs2))
            if shared:
                out.append(_at(
                    doc, file, ("flows", f2, "endpoints", e2),
                    f"flows {f1!r} (endpoint {e1}) and {f2!r} (endpoint {e2}) both write "
                    f"{shared} of the same items of connection {conn!r}: their rounds would "
                    "undo each other; give them different scopes or disjoint `fields:`, or "
                    "make one read_only"))
    return out


def _value_map_problems(doc: Any, file: str, path: Loc, field: str, rule: Any
                        ) -> list[ConfigProblem]:
    """A status map's values are status kinds, one-to-one unless ``write`` says which to
    write back; a priority map's are 1..4."""
    messages = _status_map(rule) if field == "status" else \
        _priority_map(rule) if field == "priority" else []
    line, col = locate(doc, (*path, "map"))
    return [ConfigProblem(m, file, line, col, dotted((*path, "map"))) for m in messages]


def _status_map(rule: Any) -> list[str]:
    out = []
    values = list(rule.map.values())
    bad = sorted({str(v) for v in values if str(v) not in StatusKind.__members__.values()})
    if bad:
        out.append(f"unknown status {', '.join(map(repr, bad))}; use "
                   f"{', '.join(k.value for k in StatusKind)}")
    dup = sorted({str(v) for v in values if values.count(v) > 1})
    unresolved = [d for d in dup if d not in (rule.write or {})]
    if unresolved:
        out.append(f"the status map is not one-to-one: several remote statuses map to "
                   f"{', '.join(map(repr, unresolved))}, so synchub cannot tell which one to "
                   "write back; add `write: {<status>: <remote status>}` to choose")
    return out


def _priority_map(rule: Any) -> list[str]:
    bad = sorted({str(v) for v in rule.map.values() if str(v) not in {"1", "2", "3", "4"}})
    return [f"priority values must be 1..4 (4 = most urgent), not {', '.join(bad)}"] \
        if bad else []
