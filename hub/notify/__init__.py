"""Telling people when synchub needs them (the config's ``notify:`` section).

After every round (``synchub run`` and ``synchub sync``, never a dry run) :class:`Notifier`
reads what is wrong in the flow from the state store (:mod:`hub.notify.events`), decides who
is told what (:mod:`hub.notify.incidents`: once when an incident starts, once when it is
over), stores that decision and hands the messages (:mod:`hub.notify.message`) to a worker
thread (:mod:`hub.notify.delivery`) that sends them (:mod:`hub.notify.targets`). Nothing here
ever raises into a round: a notification that cannot be worked out or delivered is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

from hub.config.notify import EmailTarget, NotifyConfig
from hub.errors import MassChangeRefused
from hub.notify import events, incidents, targets
from hub.notify.delivery import DEFAULT_ATTEMPTS, Attempts, Deliveries
from hub.notify.message import Message
from hub.redact import Redactor
from hub.round.engine import RoundReport
from hub.status import RoundStatus

log = logging.getLogger("synchub.notify")


def _guard_addresses(cfg: NotifyConfig, redact: Redactor) -> None:
    """Mask a webhook's path too: an error that quotes only part of the address (its path,
    which holds the token) must not show it either."""
    for target in cfg.targets.values():
        if not isinstance(target, EmailTarget):
            path = urllib.parse.urlsplit(target.url.get_secret_value()).path
            if len(path.strip("/")) >= 8:
                redact.add(path)


class Notifier:
    """One per process; safe to call from several round threads at once."""

    def __init__(self, cfg: NotifyConfig, store: Any, redact: Redactor, *,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 attempts: Attempts = DEFAULT_ATTEMPTS) -> None:
        self.cfg = cfg
        self.store = store
        self.redact = redact
        self.now = now
        self._lock = threading.Lock()
        _guard_addresses(cfg, redact)
        self._client = httpx.Client(follow_redirects=False)
        self.deliveries = Deliveries(self._send, redact, attempts=attempts)

    @property
    def enabled(self) -> bool:
        return bool(self.cfg.targets)

    def _send(self, name: str, msg: Message) -> None:
        targets.send(self.cfg.targets[name], msg, self._client)

    def after_round(self, report: RoundReport) -> None:
        """Work out and queue the messages the round calls for. Never raises."""
        if not self.enabled or report.status == RoundStatus.DRY_RUN:  # tells nobody
            return
        flow, status = report.flow, report.status
        error = next((str(e) for _s, e in report.errors if isinstance(e, MassChangeRefused)),
                     None)
        try:
            with self._lock:
                self._after_round(flow, status, error)
        except Exception as exc:
            log.warning("could not work out the notifications of flow %s: %s: %s", flow,
                        type(exc).__name__, self.redact(str(exc)))

    def _after_round(self, flow: str, status: str, error: str | None) -> None:
        now = self.now()
        found, unjudged = events.current(flow, self.store, status, error, now)
        rows = incidents.track(flow, found, unjudged, self.store.incidents(), now)
        d = incidents.decide(rows, self.cfg, self.store.notified(), now)
        with self.store.transaction() as tx:
            for row in d.put.values():
                tx.put_incident(row)
            for key in d.drop:
                tx.drop_incident(key)
            for out in d.send:
                tx.set_notified(out.target, now)
        for out in d.send:
            self.deliveries.submit(out.target, Message(out.started, out.recovered,
                                                       self.redact))

    def close(self, timeout: float = 30.0) -> bool:
        """Deliver what is queued (bounded by ``timeout``), then let go of the connections."""
        done = self.deliveries.close(timeout)
        if not done:
            log.warning("some notifications were still being sent when synchub stopped")
        self._client.close()
        return done


def notifier_for(rt: Any, store: Any = None) -> Notifier | None:
    """The process's notifier when the config has targets (None: nothing to tell anyone)."""
    if not rt.config.notify.targets:
        return None
    return Notifier(rt.config.notify, store if store is not None else rt.store, rt.redact)
