"""A small threaded HTTP server for the service emulators.

Each emulator subclasses :class:`Emulator`, implements :meth:`Emulator.handle` (one request in,
one :class:`Response` out) and :meth:`Emulator.error_body` (the service's own error shape). This
base binds to 127.0.0.1 on a free port, counts requests, and applies the :class:`FaultPlan`
uniformly: 429 with Retry-After, 5xx, persistent outages, latency, and "the write landed but
the answer was lost" (the connection is closed with no response after the handler ran).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.faults import FaultKind, FaultPlan


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def q(self, name: str, default: str | None = None) -> str | None:
        vals = self.query.get(name)
        return vals[0] if vals else default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None
             ) -> Response:
        h = {"Content-Type": "application/json; charset=utf-8"}
        h.update(headers or {})
        return cls(status, json.dumps(data).encode(), h)


#: a route's handler: the request and the path's named parts in, the emulator's answer out
RouteHandler = Callable[[Request, dict[str, str]], Any]

#: one request and the emulator's answer to it, shown to every observer (the test suite's
#: conformance check validates them against the services' official descriptions)
ExchangeObserver = Callable[["Emulator", Request, Response], None]

#: observers of every exchange any emulator in this process serves; an injected fault's
#: answer is not shown (it is the test's own invention, not the emulator's model of the API)
OBSERVERS: list[ExchangeObserver] = []


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: RouteHandler


class Router:
    """The emulators' route table: ``METHOD /path/{name}`` -> handler, tried in the order
    added (so a fixed path is added before a template that would also match it). A path that
    matches with another method only is told apart from one that matches nothing, since the
    services answer those differently (Jira 405, Notion ``invalid_request_url``)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: RouteHandler) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for verb in method.split(","):
            self.routes.append(Route(verb.strip().upper(), template,
                                     re.compile(f"^{regex}$"), handler))

    def find(self, method: str, path: str) -> tuple[RouteHandler, dict[str, str]] | bool:
        """(handler, path parts) for the route; else True when the path exists under
        another method, False when it does not exist at all."""
        other = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m is None:
                continue
            if route.method == method:
                return route.handler, {k: unquote(v) for k, v in m.groupdict().items()}
            other = True
        return other


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        return

    def setup(self) -> None:
        # Headers and body go out in separate writes; with Nagle's algorithm against the
        # client's delayed ACK every answer would wait ~40 ms. Real services do not.
        with contextlib.suppress(OSError):
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header on the emulator's clock: clients read the server's time from
        it (as from the real services), and tests move that clock on without sleeping."""
        return email.utils.format_datetime(self.server.emulator.now(), usegmt=True)

    def _serve(self) -> None:
        emu = self.server.emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        resp, drop = emu._dispatch(req)
        if drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: Emulator


class Emulator:
    """Base class: subclass, implement ``handle`` and ``error_body``, then ``start()``."""

    service = "emulator"

    def __init__(self) -> None:
        self.faults = FaultPlan()
        self.requests: Counter[str] = Counter()  # "METHOD /path" -> count
        self.request_log: list[tuple[str, str]] = []
        self.request_bodies: list[bytes] = []  # what clients sent, for tests
        self.lock = threading.RLock()  # handlers mutate state under this lock
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.clock_offset = dt.timedelta(0)  # tests and benchmarks move time on without sleeping

    def now(self) -> dt.datetime:
        """The service's clock (UTC): real time plus :attr:`clock_offset`."""
        return dt.datetime.now(dt.UTC) + self.clock_offset

    # -- to implement ---------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def error_body(self, status: int, message: str, code: str | None = None) -> Response:
        return Response.json({"error": message}, status)

    def op_name(self, req: Request) -> tuple[str, bool]:
        """Operation name for fault matching and whether it writes. Override for precision."""
        return req.path, req.method not in ("GET", "HEAD")

    # -- serving ----------------------------------------------------------------------------

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.request_log.clear()
            self.request_bodies.clear()

    def _dispatch(self, req: Request) -> tuple[Response, bool]:
        with self.lock:
            self.requests[f"{req.method} {req.path}"] += 1
            self.request_log.append((req.method, req.path))
            self.request_bodies.append(req.body)
        op, is_write = self.op_name(req)
        fault = self.faults.take(op, is_write)
        if fault is not None:
            if fault.kind is FaultKind.LATENCY:
                time.sleep(fault.delay)
            elif fault.kind is FaultKind.RATE_LIMIT:
                resp = self.error_body(429, "Rate limit exceeded", "rate_limited")
                resp.headers["Retry-After"] = str(int(fault.retry_after))
                return resp, False
            elif fault.kind in (FaultKind.SERVER_ERROR, FaultKind.OUTAGE):
                return self.error_body(fault.status, "Service unavailable", "service_unavailable"
                                       ), False
        try:
            with self.lock:
                resp = self.handle(req)
        except Exception as exc:  # an emulator bug must show as a 500, not hang the client
            resp = self.error_body(500, f"emulator error: {exc!r}", "internal_server_error")
        for observe in OBSERVERS:
            observe(self, req, resp)
        if fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_WRITE:
            return resp, True
        return resp, False

    def start(self, port: int = 0) -> Emulator:
        srv = _Server(("127.0.0.1", port), _Handler)
        srv.emulator = self
        self._server = srv
        self._thread = threading.Thread(target=srv.serve_forever, args=(0.05,),
                                        name=f"{self.service}-emu",
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "emulator not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
