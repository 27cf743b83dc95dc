"""Building a flow's adapters from a loaded config, through the adapter registry only."""

from __future__ import annotations

from adapters.base import Adapter, EndpointContext, ValueMap, load_factory
from adapters.context import DiscoveryCache
from hub.config.loader import LoadedConfig
from hub.errors import ConfigError, ConfigProblem, SyncHubError


def endpoint_context(loaded: LoadedConfig, flow: str, endpoint: str,
                     cache: DiscoveryCache | None = None) -> EndpointContext:
    cfg = loaded.config
    ep = cfg.flows[flow].endpoints[endpoint]
    rules = ep.fields
    value_maps = {
        name: ValueMap.from_pairs({k: str(v) for k, v in rule.map.items()}, rule.write)
        for name, rule in rules.items() if rule.map
    }
    targets = {name: rule.target for name, rule in rules.items() if rule.target}
    options = dict(ep.options)
    if targets:
        options.setdefault("targets", targets)
    return EndpointContext(
        name=endpoint, flow=flow, value_maps=value_maps,
        fields=frozenset(ep.only) if ep.only is not None else None,
        timezone=cfg.timezone, options=options, markers=ep.markers, cache=cache)


def build_adapters(loaded: LoadedConfig, flow: str, cache: DiscoveryCache | None = None
                   ) -> dict[str, Adapter]:
    """``cache``: where the adapters remember what they discover (the state store's, so a
    one-shot run asks nothing a former run asked; None: each asks again)."""
    cfg = loaded.config
    out: dict[str, Adapter] = {}
    for name, ep in cfg.flows[flow].endpoints.items():
        conn = cfg.connections[ep.connection]
        factory = load_factory(conn.type)
        try:
            adapter = factory.build(loaded.connections[ep.connection],
                                    loaded.scopes[(flow, name)],
                                    endpoint_context(loaded, flow, name, cache))
        except SyncHubError as exc:  # the service did not answer while the adapter started
            exc.endpoint = name
            raise
        if not isinstance(adapter, Adapter):  # a plug-in written against an older contract
            missing = [m for m in _CONTRACT if not hasattr(adapter, m)]
            raise ConfigError(ConfigProblem(
                f"the {conn.type!r} adapter ({type(adapter).__module__}) does not implement the "
                f"adapter contract: it lacks {', '.join(missing) or 'part of it'}; derive it "
                "from adapters.toolkit.AdapterBase (docs/adapters.md)",
                path=f"connections.{ep.connection}.type"))
        out[name] = adapter
    return out


#: what :class:`adapters.base.Adapter` asks of an adapter (``represent`` is newer than the rest)
_CONTRACT = ("name", "capabilities", "changes", "get", "create", "update", "delete",
             "find_by_origin", "represent", "close")
