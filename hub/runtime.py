"""From a config path to something that can sync: loaded config, opened store, adapters.

Commands share this so that every one of them finds the config the same way, refuses a state
store bound to another configuration the same way, and builds adapters only when needed (so
``synchub status`` works while a service is down or its credentials are missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.base import Adapter
from hub.errors import ConfigError, ConfigProblem, UsageError
from hub.redact import Redactor, activate
from hub.store.base import Store


def config_home() -> Path:
    """``$XDG_CONFIG_HOME`` or ``~/.config`` (the XDG base directory rule: a relative
    ``$XDG_CONFIG_HOME`` is invalid and ignored)."""
    import os

    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path("~/.config").expanduser()


def default_locations() -> tuple[Path, ...]:
    """Where a config is looked for, in order: ./synchub.yaml, then the user's config
    directory (``$XDG_CONFIG_HOME/synchub/synchub.yaml``)."""
    return Path("synchub.yaml"), config_home() / "synchub" / "synchub.yaml"


def find_config(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    from hub.settings import Settings

    configured = Settings().config
    if configured is not None:
        return configured.expanduser()
    for p in default_locations():
        if p.exists():
            return p
    raise ConfigError(ConfigProblem(
        "no configuration found: pass --config PATH, set SYNCHUB_CONFIG, or create "
        f"./synchub.yaml or {default_locations()[1]} (`synchub init` writes one, "
        "`synchub presets` lists ready ones); `synchub demo` needs none"))


@dataclass
class Runtime:
    loaded: Any  # hub.config.loader.LoadedConfig
    store: Store
    redact: Redactor
    _adapters: dict[str, dict[str, Adapter]] = field(default_factory=dict)
    #: what the adapters remember discoveries in (:class:`adapters.context.DiscoveryCache`):
    #: the store, or a wrapper of it (the daemon's, which serialises its threads' store use)
    discovery_store: Any = None

    @property
    def config(self) -> Any:
        return self.loaded.config

    def flows(self, selected: list[str] | None = None) -> list[str]:
        names = list(self.config.flows)
        if not selected:
            return [n for n in names if self.config.flows[n].enabled]
        unknown = [s for s in selected if s not in names]
        if unknown:  # an argument naming nothing, not a configuration problem
            from hub.config.checks import suggest

            raise UsageError("; ".join(
                f"--flow {u!r}: no flow of that name (flows: {', '.join(names)})"
                f"{suggest(u, names)}" for u in unknown))
        return selected

    def adapters(self, flow: str) -> dict[str, Adapter]:
        if flow not in self._adapters:
            from adapters.context import DiscoveryCache
            from hub.config.build import build_adapters

            cache = DiscoveryCache(self.discovery_store or self.store)
            self._adapters[flow] = build_adapters(self.loaded, flow, cache)
        return self._adapters[flow]

    def close(self) -> None:
        for adapters in self._adapters.values():
            for a in adapters.values():
                a.close()
        self.store.close()


def prune_history(store: Store, state: Any) -> dict[str, int]:
    """Retention: drop runs older than ``state.keep_runs`` and settled intents older than
    ``state.keep_journal`` (``state`` is the config's StateConfig). Rows deleted, by table."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return store.prune(runs_before=now - state.keep_runs,
                       journal_before=now - state.keep_journal)


def open_runtime(config: str | None, *, state_url: str | None = None,
                 rebind: bool = False, preview: bool = False) -> Runtime:
    """``preview``: for ``plan`` and ``sync --dry-run``, the state store strictly read-only
    (:mod:`hub.store.preview`): nothing created, upgraded or bound."""
    from hub.config.loader import load_config
    from hub.store import open_store, resolve_url
    from hub.store.preview import open_preview

    loaded = load_config(find_config(config))
    from hub.settings import Settings

    url = resolve_url(state_url or Settings().state_url or loaded.config.state.url,
                      loaded.path.parent)
    if preview:
        store = open_preview(url)
    else:
        store = open_store(url)
        store.migrate()
    store.bind_config(loaded.fingerprint, force=rebind)
    return Runtime(loaded=loaded, store=store,
                   redact=activate(Redactor(loaded.secrets())))
