"""What the config hands an adapter beyond its connection settings: the endpoint's name,
value maps, field restriction, zone and options (:class:`EndpointContext`), and where what
it discovers about its service is remembered between processes (:class:`DiscoveryCache`).

Discovery cache: a one-shot ``synchub sync`` builds its adapters afresh, so without it each
run asks again who the Jira user is (its zone), which field ids hold sprint and points, the
Notion data source's schema and the Todoist project's id: requests a daemon makes once.
The cache keeps each value in the state store (schema 8) under a key of what the value
depends on (:class:`DiscoveryKey`: the kind, the service's URL, the account, never a
secret, only a hash of a token, and the scope), so two flows on one Jira share it and a
changed connection misses. A value holds for its kind's :data:`DISCOVERY_TTL`, and less
when the service says it is stale: an adapter that sees a refusal (or an answer) naming an
id or property its cached value lacks drops the entry, discovers once more and retries once
(never in a loop). ``synchub check --probe`` drops every entry, so the next run asks again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

log = logging.getLogger("synchub.discovery")
T = TypeVar("T")

#: how long each kind of discovered value is trusted before it is asked for again. The
#: user's profile (its zone, its account id) and the site's field ids change rarely and a
#: wrong one shows at once (a refusal naming the field); a Notion schema is edited by people
#: in the app, so it is asked for every hour at most (and at once when a page or a refusal
#: names what it lacks); a Todoist project's id never changes (a renamed or deleted project
#: misses by name, or answers "not found").
DISCOVERY_TTL: Mapping[str, dt.timedelta] = {
    "jira.myself": dt.timedelta(hours=24),
    "jira.fields": dt.timedelta(hours=6),
    "notion.schema": dt.timedelta(hours=1),
    "todoist.project": dt.timedelta(hours=24),
}


def secret_id(secret: str) -> str:
    """What identifies an account by its token without holding it: a hash (16 hex)."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DiscoveryKey:
    """What a discovered value depends on; ``account`` is an e-mail, an id or
    :func:`secret_id`, never a secret."""

    kind: str  # a key of DISCOVERY_TTL
    base_url: str
    account: str
    scope: str = ""

    @property
    def text(self) -> str:
        return json.dumps([self.kind, self.base_url.rstrip("/"), self.account, self.scope])


class DiscoveryStore(Protocol):
    """What :class:`DiscoveryCache` keeps values in (the state store, :mod:`hub.store`)."""

    def discovered(self, key: str) -> tuple[str, dt.datetime] | None: ...

    def put_discovered(self, key: str, value: str) -> None: ...

    def drop_discovered(self, prefix: str = "") -> int: ...


@dataclass
class DiscoveryCache:
    """Discovered values in a :class:`DiscoveryStore`, each for its kind's TTL. A store that
    fails (busy, gone) is a miss, never the round's failure: the service is asked instead."""

    store: DiscoveryStore
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    #: where discovered values outlive the process (None: asked for in each process)
    cache: DiscoveryCache | None = field(default=None, compare=False)

    def recall(self, key: DiscoveryKey, fetch: Callable[[], T]) -> tuple[T, bool]:
        """The value under ``key`` if it is younger than its TTL (and True: it came from the
        cache), else ``fetch()``, stored (and False)."""
        try:
            hit = self.store.discovered(key.text)
        except Exception as exc:
            log.debug("discovery cache unreadable: %s", exc)
            hit = None
        if hit is not None and self.now() - hit[1] < DISCOVERY_TTL[key.kind]:
            try:
                value: T = json.loads(hit[0])
            except ValueError:
                pass
            else:
                return value, True
        fetched = fetch()
        self.remember(key, fetched)
        return fetched, False

    def remember(self, key: DiscoveryKey, value: Any) -> None:
        try:
            self.store.put_discovered(key.text, json.dumps(value, sort_keys=True))
        except Exception as exc:
            log.debug("discovery cache not written: %s", exc)

    def forget(self, key: DiscoveryKey) -> None:
        try:
            self.store.drop_discovered(key.text)
        except Exception as exc:
            log.debug("discovery cache entry not dropped: %s", exc)


def recall(cache: DiscoveryCache | None, key: DiscoveryKey, fetch: Callable[[], T]
           ) -> tuple[T, bool]:
    """:meth:`DiscoveryCache.recall`, or ``fetch()`` without a cache (as before it)."""
    if cache is None:
        return fetch(), False
    return cache.recall(key, fetch)


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
    #: where discovered values outlive the process (None: asked for in each process)
    cache: DiscoveryCache | None = field(default=None, compare=False)
