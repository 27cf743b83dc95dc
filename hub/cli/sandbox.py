"""``synchub sandbox``: the four emulators as long-running local servers, seeded with a small
project, and a ready config, so ``synchub run``, its status page and its webhooks can be tried
with no account. Everything listens on 127.0.0.1 only; the config's tokens are the emulators'
own, and each connection gets a freshly generated ``webhook_secret``, so signed deliveries
can be tried too. The file holds those secrets inline and is therefore written mode 0600
(``synchub check`` accepts inline secrets only in a file nobody else can read)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from pathlib import Path
from typing import Any

from adapters.base import load_factory, sandbox_factory
from hub.cli.common import write_private
from hub.model import DateOnly, Item

SERVICES = ("jira", "todoist", "notion", "gcal")


def start(base_port: int = 0) -> dict[str, Any]:
    """Start every sandbox (ports base_port, base_port+1, ... or free ones)."""
    out: dict[str, Any] = {}
    for i, name in enumerate(SERVICES):
        factory = load_factory(name)
        kwargs = {"port": base_port + i} if base_port else {}
        out[name] = sandbox_factory(factory).sandbox(**kwargs)
    return out


def seed(sandboxes: dict[str, Any]) -> None:
    """Something in each service: two Jira issues, a Todoist task, a Notion row and a
    calendar event (the calendar receives the items with a date)."""
    today = dt.date.today()
    jira, todoist = sandboxes["jira"], sandboxes["todoist"]
    jira.user_create(Item(title="Fix login timeout", priority=4,
                          due=DateOnly(date=today + dt.timedelta(days=3))))
    jira.user_create(Item(title="Prepare sprint review", priority=2))
    todoist.user_create(Item(title="Book team offsite"))
    sandboxes["notion"].user_create(Item(title="Draft Q3 roadmap", priority=3))
    sandboxes["gcal"].user_create(Item(title="Release go-live",
                                       due=DateOnly(date=today + dt.timedelta(days=5))))


def config(sandboxes: dict[str, Any], directory: Path, *, interval: str = "10s",
           port: int = 8787) -> Path:
    """Write ``synchub.yaml`` (JSON is YAML) for a four-way flow over the sandboxes."""
    connections: dict[str, Any] = {}
    endpoints: dict[str, Any] = {}
    for name, sb in sandboxes.items():
        connections[name] = {"type": name, **sb.connection,
                             "webhook_secret": secrets.token_urlsafe(24)}
        endpoint: dict[str, Any] = {"connection": name, "scope": dict(sb.scope)}
        if sb.options:
            endpoint["options"] = dict(sb.options)
        if sb.value_maps:
            endpoint["fields"] = {
                field: {"map": dict(vm.to_canonical), "write": dict(vm.to_remote)}
                for field, vm in sb.value_maps.items()}
        endpoints[name] = endpoint
    data = {"timezone": "Europe/Berlin",
            "state": {"url": "sqlite:///synchub-state.db"},
            "daemon": {"host": "127.0.0.1", "port": port},
            "connections": connections,
            "flows": {"sandbox": {"interval": interval, "conflict": "newest",
                                  "delete": "complete", "comments": True,
                                  "endpoints": endpoints}}}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "synchub.yaml"
    write_private(path,
                  "# Written by `synchub sandbox`: local emulators, no real accounts. It holds "
                  "the\n# emulators' tokens and generated webhook secrets, so only you can read "
                  f"it.\n# Webhooks: POST http://127.0.0.1:{port}/webhooks/<connection> "
                  f"({', '.join(connections)}),\n"
                  "# signed with that connection's webhook_secret as the service would sign "
                  "them.\n"
                  + json.dumps(data, indent=2) + "\n")
    return path


def preset_config(sandboxes: dict[str, Any], preset_text: str, directory: Path, *,
                  port: int = 8787) -> Path:
    """Write ``synchub.yaml`` from a preset with its connections pointed at the sandboxes
    (same names, the emulators' tokens) and its flows as shipped; the ids a preset reads
    from the environment (``database_id: "${NOTION_DATABASE_ID}"``) go into a ``.env``
    next to it with the sandbox's values, as ``synchub init`` would write them."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from hub.config.interpolate import PATTERN

    yaml = YAML(typ="rt")
    yaml.width = 100
    doc = yaml.load(preset_text)
    env: dict[str, str] = {}
    types = {}
    for name, block in doc["connections"].items():
        sb = sandboxes[block["type"]]
        types[name] = block["type"]
        fresh = CommentedMap({"type": block["type"], **sb.connection,
                              "webhook_secret": secrets.token_urlsafe(24)})
        doc["connections"][name] = fresh
    for flow in doc["flows"].values():
        for ep in flow["endpoints"].values():
            scope = sandboxes[types[ep["connection"]]].scope
            for key, value in (ep.get("scope") or {}).items():
                m = PATTERN.fullmatch(str(value))
                if m and m.group(2) is None and key in scope:
                    env[m.group(1)] = str(scope[key])
    doc.setdefault("state", {"url": "sqlite:///synchub-state.db"})
    doc.setdefault("daemon", {"host": "127.0.0.1", "port": port})
    out = io.StringIO()
    yaml.dump(doc, out)
    directory.mkdir(parents=True, exist_ok=True)
    write_private(directory / ".env", "".join(f"{k}={v}\n" for k, v in env.items()))
    path = directory / "synchub.yaml"
    write_private(path, "# Written by `synchub sandbox --preset`: the preset's flows over "
                  "local emulators.\n" + out.getvalue())
    return path


def read_config(path: Path) -> dict[str, Any]:
    """The data of a file written by :func:`config` (JSON after ``#`` comment lines)."""
    text = "\n".join(line for line in path.read_text().splitlines()
                     if not line.startswith("#"))
    data: dict[str, Any] = json.loads(text)
    return data


def serve(directory: Path, base_port: int, daemon_port: int, stop: threading.Event,
          announce: Any = print, preset_text: str | None = None) -> Path:
    sandboxes = start(base_port)
    try:
        seed(sandboxes)
        path = (config(sandboxes, directory, port=daemon_port) if preset_text is None else
                preset_config(sandboxes, preset_text, directory, port=daemon_port))
        announce(path, sandboxes)
        stop.wait()
        return path
    finally:
        for sb in sandboxes.values():
            sb.stop()
