"""The uvicorn server behind the daemon's web app, hardened against slow and greedy clients.

The webhook routes face the internet, so what uvicorn leaves open is closed here (issue 11):

- **Header timeout.** uvicorn has none: a client that sends half a request line and waits holds
  its connection (and a file descriptor) for as long as it likes. :class:`HardenedH11Protocol`
  drops a connection whose request line and headers are not complete ``header_timeout``
  seconds after it opened (on a kept-alive one: after the previous response; uvicorn's own
  keep-alive timer stops at the first byte of a new request, so alone it would not do).
- **Body timeout.** A request whose body has not fully arrived ``body_timeout`` seconds after
  its headers is answered 408 (or, if the app already answered, just closed). The deadline is
  for the whole body, not between chunks: a client dripping one byte every few seconds must
  not hold the app's read open. 1 MiB (the webhook cap) in 10 s is still 100 KiB/s.
- **Keep-alive timeout.** uvicorn's own ``timeout_keep_alive``: an idle kept-alive connection
  is closed after it.
- **Request cap.** :class:`RequestCap` answers 503 (with ``Retry-After``) to a request that
  arrives while ``max_requests`` others are in flight, except ``/healthz``: a liveness probe
  that failed under a webhook burst would get a busy but healthy daemon restarted, which
  helps nobody (its rounds are journalled, but the burst goes on). uvicorn's
  ``limit_concurrency`` is not used because it cannot make that exception.
- **Connection cap.** A connection beyond ``max_connections`` open ones is closed at once,
  before it costs a parser: idle connections cannot pile up past it while the header timeout
  runs. It is set above the request cap so a probe normally still gets in.
- **uvicorn's own warnings** ("Invalid HTTP request received." for every malformed request)
  are rate-limited like the webhook rejections (:class:`hub.daemon.ratelog.RateLimitFilter`).

The protocol is the h11 one (pure Python, a dependency of uvicorn itself), chosen explicitly
rather than uvicorn's ``"auto"``, which would switch to httptools if it were ever installed and
silently drop the header timeout. What the subclass relies on from uvicorn's ``H11Protocol``:
its h11 connection (``conn``), ``transport``, ``cycle`` and the hooks ``connection_made``,
``data_received``, ``on_response_complete`` and ``connection_lost``;
``tests/daemon/test_web_hardening.py`` checks the behaviour against a real server, so an
uvicorn upgrade that changes them fails there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.daemon.ratelog import RateLimitedLog, RateLimitFilter

log = logging.getLogger("synchub.web")


@dataclass(frozen=True)
class Limits:
    """How long a client may take and how many may be served at once (defaults for a
    single-user hub receiving webhooks from four services)."""

    header_timeout: float = 10.0  # connect (or next request's first byte) -> headers complete
    body_timeout: float = 10.0  # headers complete -> whole body received
    keep_alive: int = 5  # idle seconds before a kept-alive connection is closed (uvicorn's;
    # the header timer also runs while it is idle, so more than header_timeout has no effect)
    max_requests: int = 100  # in flight at once; more get 503 (not /healthz)
    max_connections: int = 200  # open at once; more are closed on arrival
    backlog: int = 128  # listen() queue of connections not accepted yet


EXEMPT = frozenset({"/healthz"})  # answered whatever the load: see the module docstring
REFUSED = "%d more %s refused in the last %ds"  # summary of held-back refusal lines


class Refusals:
    """Tells ``fn`` (if any) what was refused: ``"requests"`` or ``"connections"``."""

    def __init__(self, fn: Callable[[str], None] | None = None) -> None:
        self.fn = fn

    def __call__(self, what: str) -> None:
        if self.fn is not None:
            self.fn(what)


class HardenedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout, a body timeout and a connection cap.

    One rule keeps it simple: after every event that can move the h11 state machine, look at
    where the client is (:meth:`_arm`). Waiting for request headers: the header timer runs.
    Sending a body: the body timer runs. Anything else: neither does."""

    limits: ClassVar[Limits] = Limits()
    refusals: ClassVar[RateLimitedLog] = RateLimitedLog(log, summary=REFUSED)  # one per server
    #: told of every refusal (``"connections"``), for the metrics: the log is rate-limited
    on_refused: ClassVar[Refusals] = Refusals()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            self.transport = transport  # connection_lost closes it again; it must be set
            self.refusals.warning("connections", "connections over the cap",
                                  "refusing connections: %d open (the cap)",
                                  len(self.connections))
            self.on_refused("connections")
            transport.close()
            return
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start the next (pipelined) request
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header()
        self._cancel_body()
        super().connection_lost(exc)

    # -- timers --------------------------------------------------------------------------------

    def _arm(self) -> None:
        if self.transport.is_closing():
            self._cancel_header()
            self._cancel_body()
            return
        state = self.conn.their_state
        if state is h11.IDLE:  # waiting for a request line and headers
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(self.limits.header_timeout,
                                                          self._header_timed_out)
        else:
            self._cancel_header()
        if state is h11.SEND_BODY:
            if self._body_timer is None:
                self._body_timer = self.loop.call_later(self.limits.body_timeout,
                                                        self._body_timed_out)
        else:
            self._cancel_body()

    def _cancel_header(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _cancel_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # No request to answer yet: closing is all HTTP allows (a 408 here would be
            # read by a client as the answer to a request it has not finished sending).
            self.transport.close()

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            cycle.response_started = cycle.response_complete = True  # the app's answer is moot
            try:
                for event in (h11.Response(status_code=408, reason=b"Request Timeout",
                                           headers=[(b"content-type", b"text/plain"),
                                                    (b"connection", b"close")]),
                              h11.Data(data=b"request body timeout"), h11.EndOfMessage()):
                    self.transport.write(self.conn.send(event))
            except h11.LocalProtocolError:  # h11 would not have it: closing is enough
                pass
        if cycle is not None:
            cycle.disconnected = True  # the app's receive() now says http.disconnect
            cycle.message_event.set()
        self.transport.close()


def protocol_class(limits: Limits, on_refused: Callable[[str], None] | None = None
                   ) -> type[HardenedH11Protocol]:
    """A :class:`HardenedH11Protocol` with these limits (uvicorn builds the protocol itself,
    from a class, so per-server settings travel as class attributes of a fresh subclass)."""
    refusals = RateLimitedLog(log, summary=REFUSED)

    class SynchubH11Protocol(HardenedH11Protocol):
        pass

    SynchubH11Protocol.limits = limits
    SynchubH11Protocol.refusals = refusals
    SynchubH11Protocol.on_refused = Refusals(on_refused)
    return SynchubH11Protocol


class RequestCap:
    """ASGI middleware: 503 past ``limit`` requests in flight, except the ``exempt`` paths.

    It runs in the server's one event loop thread, so a plain counter is enough."""

    def __init__(self, app: Any, limit: int, exempt: frozenset[str] = EXEMPT,
                 on_refused: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.on_refused = Refusals(on_refused)
        self.active = 0
        self.refusals = RateLimitedLog(log, summary=REFUSED)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            self.refusals.warning("busy", "requests over the cap",
                                  "refusing requests: %d in flight (the cap)", self.active)
            self.on_refused("requests")
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"retry-after", b"1"), (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": b"busy, retry later"})
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


def server_config(app: Any, host: str, port: int, limits: Limits | None = None,
                  on_refused: Callable[[str], None] | None = None) -> uvicorn.Config:
    """The uvicorn configuration the daemon serves ``app`` with.

    ``log_config=None`` and ``log_level=None``: uvicorn keeps the handlers and levels that
    hub.daemon.logs set up (JSON, secrets masked) instead of installing its plain-text ones."""
    limits = limits or Limits()
    quiet_uvicorn_warnings()
    return uvicorn.Config(RequestCap(app, limits.max_requests, on_refused=on_refused),
                          host=host, port=port, http=protocol_class(limits, on_refused),
                          timeout_keep_alive=limits.keep_alive,
                          backlog=limits.backlog, log_config=None, log_level=None,
                          lifespan="off")


def quiet_uvicorn_warnings() -> None:
    """Install the rate limit on ``uvicorn.error``'s warnings, once per process (the logger
    is process-wide; a second filter would only halve what the first lets through)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, RateLimitFilter) for f in logger.filters):
        logger.addFilter(RateLimitFilter(logger))
