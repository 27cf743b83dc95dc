"""The discovery step of ``synchub init``, one connection at a time: its credentials are
asked for, checked at once by listing what they reach (:class:`adapters.registry.Discovering`),
asked again when the service refuses them; then each endpoint on the connection gets a
target (chosen from the list, or by ``--pick``) and the preset's endpoint block is replaced by
the adapter's proposal for it, comments kept (ruamel round-trip data edited in place).

Only service-neutral code lives here: what a target is, how a mapping is proposed and which
requests are made are each adapter's (``adapters/<service>/discovery.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.markup import escape

from hub.cli.advice import advice
from hub.cli.common import console
from hub.config.interpolate import PATTERN
from hub.config.models import HUB_KEYS
from hub.errors import SyncHubError

if TYPE_CHECKING:
    from adapters.registry import Discovery, Target

#: how many times a refused credential is asked for again in a terminal
ATTEMPTS = 3
OAUTH_CLIENTS = "https://console.cloud.google.com/apis/credentials"


@dataclass
class Answers:
    """What the user gave: variable values (for the .env), endpoint picks, base URLs."""

    values: dict[str, str]
    picks: dict[str, str] = field(default_factory=dict)  # "flow.endpoint" or "endpoint"
    interactive: bool = True
    ask: Callable[[str, bool], str | None] = lambda name, required: None
    client_secrets: Path | None = None  # the OAuth client file, for a sign-in on the way
    open_browser: bool = True
    asked: set[str] = field(default_factory=set)  # answered, if only with Enter (a default)


def variables(node: Any) -> list[str]:
    """The ``${VAR}`` names in a YAML block, in order."""
    out: list[str] = []
    if isinstance(node, Mapping):
        for v in node.values():
            out += variables(v)
    elif isinstance(node, list):
        for v in node:
            out += variables(v)
    elif isinstance(node, str):
        out += [m.group(1) for m in PATTERN.finditer(node)]
    return list(dict.fromkeys(out))


def expand(node: Any, env: Mapping[str, str]) -> Any:
    """A block with ``${VAR}`` / ``${VAR:-default}`` replaced (unset and no default: "")."""
    if isinstance(node, Mapping):
        return {str(k): expand(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [expand(v, env) for v in node]
    if isinstance(node, str):
        return PATTERN.sub(lambda m: env.get(m.group(1)) or m.group(2) or "", node)
    return node


def endpoints_on(doc: Any, connection: str) -> Iterator[tuple[str, str, Any]]:
    for flow_name, flow in (doc.get("flows") or {}).items():
        for ep_name, ep in (flow.get("endpoints") or {}).items():
            if ep.get("connection") == connection:
                yield flow_name, ep_name, ep


def merge(into: Any, new: Mapping[str, Any]) -> None:
    """Make the YAML map ``into`` equal ``new``, editing it in place so the preset's
    comments and layout stay where the keys stay."""
    for key in [k for k in into if k not in new]:
        del into[key]
    for key, value in new.items():
        old = into.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping) and (
                list(old) == list(value)[:len(old)] or not _leaf(value)):
            merge(old, value)
        elif old != value or (isinstance(value, Mapping) and list(old) != list(value)):
            into[key] = _like(old, value)


def _leaf(value: Mapping[str, Any]) -> bool:
    return not any(isinstance(v, Mapping | list) for v in value.values())


def _like(old: Any, value: Any) -> Any:
    """``value`` in the old value's YAML style (a value map written inline stays inline),
    so a map whose order changed (statuses in the service's order) is replaced, not patched."""
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(value, Mapping):
        return value
    out = CommentedMap(value)
    if getattr(old, "fa", None) is not None and old.fa.flow_style():
        out.fa.set_flow_style()
    return out


def connect(name: str, block: Any, factory: Any, answers: Answers, env: Mapping[str, str]
            ) -> tuple[Any, Any]:
    """(connection settings, discovery): the block's variables asked for, then the service
    asked what they reach; refused credentials are asked for again (a terminal only)."""
    for attempt in range(1, ATTEMPTS + 1):
        for var in variables(block):
            if attempt > 1 or (var not in answers.values and var not in answers.asked):
                _fill(var, block, answers, env, again=attempt > 1)
        settings = {k: v for k, v in expand(block, {**env, **answers.values}).items()
                    if k not in HUB_KEYS}
        try:
            connection = factory.connection_model.model_validate(settings)
            sign_in(name, factory, connection, answers)
            found = factory.discover(connection)
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                for e in exc.errors(include_input=False))
            _refused(name, block, problem, 2, answers, attempt)
            continue
        except SyncHubError as err:
            code, hint = advice(err)
            _refused(name, block, f"{err}\n    {hint}", code, answers, attempt)
            continue
        console.print(f"[green]✓[/] {name} ({block['type']}): {escape(found.who)}",
                      highlight=False)
        return connection, found
    raise typer.Exit(2)  # _refused exits before this when not interactive


def sign_in(name: str, factory: Any, connection: Any, answers: Answers) -> None:
    """The browser sign-in of a service that has one (Google), when its token is missing:
    the OAuth client file from ``--client-secrets`` or asked for, then the loopback flow."""
    from adapters.registry import Authorizing

    token = factory.unauthorized(connection) if isinstance(factory, Authorizing) else None
    if token is None:
        return
    console.print(f"{name}: no token at {token} yet; signing in once. The OAuth client "
                  f"file (type Desktop app) comes from {OAUTH_CLIENTS}", highlight=False,
                  soft_wrap=True)
    if not answers.interactive:  # the sign-in waits for a browser: never in a script
        raise typer.BadParameter(f"{name} needs a browser sign-in first: run `synchub auth "
                                 f"google CLIENT_SECRETS.json --token-file {token}`, then "
                                 "init again", param_hint="--no-input")
    client = answers.client_secrets
    while client is None or not client.is_file():
        if client is not None:
            console.print(f"[red]no file {escape(str(client))}[/]", highlight=False)
        client = Path(str(typer.prompt("OAuth client file"))).expanduser()
    token.parent.mkdir(parents=True, exist_ok=True)
    factory.authorize(client, token, open_browser=answers.open_browser)
    console.print(f"[green]✓[/] {name}: token saved to {token} (mode 0600)", highlight=False)


def _fill(var: str, block: Any, answers: Answers, env: Mapping[str, str], again: bool
          ) -> None:
    required = any(m.group(1) == var and m.group(2) is None
                   for v in _strings(block) for m in PATTERN.finditer(v))
    if not again and env.get(var):
        answers.values[var] = env[var]
        return
    value = answers.ask(var, required)
    answers.asked.add(var)
    if value:
        answers.values[var] = value
    elif required and var not in answers.values:
        raise typer.BadParameter(f"no value for {var}: pass --set {var}=VALUE or run "
                                 "interactively", param_hint="--set")


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


def _refused(name: str, block: Any, problem: str, code: int, answers: Answers,
             attempt: int) -> None:
    from hub.redact import Redactor

    redact = Redactor(answers.values.values())
    console.print(f"[red]✗[/] {name} ({block['type']}): {escape(redact(problem))}",
                  highlight=False, soft_wrap=True)
    if not answers.interactive or attempt == ATTEMPTS:
        raise typer.Exit(code)
    console.print("Enter them again:", highlight=False)


def choose(where: str, found: Discovery, endpoint: Any, answers: Answers,
           env: Mapping[str, str]) -> Target:
    """The target for one endpoint: ``--pick``, else asked (the preset's own choice, or the
    only one, offered as the default; no default otherwise), else the preset's own / the
    only one, else an error that lists them. A name two targets share is refused: by id."""
    ep = where.split(".", 1)[1]
    picked = answers.picks.get(where) or answers.picks.get(ep)
    if picked is not None:
        return _lookup(where, found, picked, param="--pick")
    if not found.targets and not found.open:
        raise typer.BadParameter(f"{where}: the connection reaches no {found.kind} "
                                 "(share one with it, or make one), then run init again")
    fits = _preset_choices(found, endpoint, {**env, **answers.values})
    default = fits[0] if len(fits) == 1 else None
    if answers.interactive:
        return _ask_target(where, found, default)
    if len(fits) > 1:
        raise typer.BadParameter(f"{where}: {len(fits)} {found.kind}s are named as the "
                                 f"preset names it; pick one by its id with --pick {ep}=ID: "
                                 f"{', '.join(t.id for t in fits)}", param_hint="--pick")
    if default is None:
        raise typer.BadParameter(f"{where}: pick a {found.kind} with --pick {ep}=NAME; "
                                 f"there are: {_names(found)}", param_hint="--pick")
    return default


def _matches(found: Discovery, answer: str) -> list[Target]:
    """The targets ``answer`` names: by number in the list, id, name or alias."""
    if answer.isdigit() and 0 < int(answer) <= len(found.targets):
        return [found.targets[int(answer) - 1]]
    by_id = [t for t in found.targets if answer == t.id]
    return by_id or [t for t in found.targets if answer in (t.name, *t.aliases)]


def _lookup(where: str, found: Discovery, answer: str, param: str) -> Target:
    hits = _matches(found, answer)
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise typer.BadParameter(f"{where}: {len(hits)} {found.kind}s are named {answer!r}; "
                                 f"name one by its id: {', '.join(t.id for t in hits)}",
                                 param_hint=param)
    if found.open and answer and not answer.isdigit():  # an id the list cannot show
        from adapters.registry import Target

        return Target(answer, answer)
    raise typer.BadParameter(f"{where}: no {found.kind} {answer!r}; there are: "
                             f"{_names(found) or 'none listed'}", param_hint=param)


def _preset_choices(found: Discovery, endpoint: Any, env: Mapping[str, str]
                    ) -> list[Target]:
    """The targets the preset already names (a scope or option value), or the only target
    there is: one is the default; several are a name the service has twice."""
    named = set(_strings(expand({k: endpoint.get(k) for k in ("scope", "options")
                                 if endpoint.get(k)}, env)))
    fits = [t for t in found.targets if {t.id, t.name, *t.aliases} & named]
    return fits or (list(found.targets) if len(found.targets) == 1 else [])


def _ask_target(where: str, found: Discovery, default: Target | None) -> Target:
    for i, t in enumerate(found.targets, 1):
        label = escape(t.name) + (f"  [dim]{escape(t.id)}[/]" if t.id != t.name else "")
        console.print(f"  {i:>3}  {label}{'  ' + escape(t.detail) if t.detail else ''}",
                      highlight=False, soft_wrap=True)
    number = str(found.targets.index(default) + 1) if default is not None else None
    while True:
        answer = str(typer.prompt(f"{found.kind.capitalize()} for {where}"
                                  + (" (a number, or its id)" if found.open else ""),
                                  default=number, type=str))
        try:
            return _lookup(where, found, answer, param="answer")
        except typer.BadParameter as exc:
            console.print(f"[red]{escape(exc.message)}[/]", highlight=False, soft_wrap=True)


def _names(found: Discovery) -> str:
    return ", ".join(t.id for t in found.targets[:20]) + (
        ", ..." if len(found.targets) > 20 else "")


def discover_all(doc: Any, answers: Answers, env: Mapping[str, str]) -> None:
    """Each connection of the config: credentials checked, targets chosen, endpoints
    proposed; connections whose adapter cannot discover are only asked for their values."""
    from adapters.registry import Discovering, load_factory

    for name, block in (doc.get("connections") or {}).items():
        factory = load_factory(str(block.get("type")))
        if not isinstance(factory, Discovering):
            for var in variables(block):
                if var not in answers.values:
                    _fill(var, block, answers, env, again=False)
            continue
        connection, found = connect(name, block, factory, answers, env)
        for flow_name, ep_name, ep in endpoints_on(doc, name):
            where = f"{flow_name}.{ep_name}"
            target = factory.describe(connection, choose(where, found, ep, answers, env))
            merge(ep, factory.propose(target, ep))
            console.print(f"  {where} → {found.kind} {escape(target.name)}"
                          f"{' (' + escape(target.detail) + ')' if target.detail else ''}",
                          highlight=False)
