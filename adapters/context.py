"""What the config hands an adapter beyond its connection settings: the endpoint's name,
value maps, field restriction, zone and options (:class:`EndpointContext`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ValueMap:
    """A two-way map between remote values and canonical ones (status names, priorities).

    ``to_canonical`` may be many-to-one ("Done" and "Closed" both mean done); ``to_remote``
    picks, for each canonical value, the remote value written (the first listed wins unless
    an explicit ``write`` choice is given).
    """

    to_canonical: Mapping[str, str]
    to_remote: Mapping[str, str]

    @classmethod
    def from_pairs(
        cls, pairs: Mapping[str, str], write: Mapping[str, str] | None = None
    ) -> ValueMap:
        back: dict[str, str] = {}
        for remote, canon in pairs.items():
            back.setdefault(canon, remote)
        if write:
            back.update(write)
        return cls(to_canonical=dict(pairs), to_remote=back)


@dataclass(frozen=True)
class EndpointContext:
    """Everything an adapter needs from the config beyond its connection settings."""

    name: str  # endpoint name, unique within the flow (used in logs and errors)
    flow: str
    value_maps: Mapping[str, ValueMap] = field(default_factory=dict)
    fields: frozenset[str] | None = None  # restrict to these (None: all the adapter supports)
    timezone: str = "UTC"  # the user's zone, for floating times and minute-precision queries
    options: Mapping[str, Any] = field(default_factory=dict)  # adapter-specific mapping options
    #: False: the endpoint's ``markers: false``: the adapter writes no origin marker
    markers: bool = True
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
