"""The webhook endpoint against slow, greedy and hostile clients (issue 11, item 8).

Timeouts and caps are checked with raw sockets against a real uvicorn server on 127.0.0.1,
configured as the daemon configures it (:func:`hub.daemon.httpserver.server_config`) but with
short timeouts; log volume and unreadable bodies through the ASGI app.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.testclient import TestClient

from adapters.base import ChangeNotice, load_factory
from adapters.jira.webhook import signature as jira_signature
from adapters.notion.webhook import signature as notion_signature
from adapters.todoist.webhook import signature as todoist_signature
from hub.daemon.httpserver import HardenedH11Protocol, Limits, RequestCap, server_config
from hub.daemon.metrics import Metrics
from hub.daemon.ratelog import RateLimitedLog
from hub.daemon.scheduler import Scheduler
from hub.daemon.web import WebState, create_app

SECRET = "whsec-test-0123456789"
WAIT = 10.0  # the longest any socket read waits: a hang fails the test instead of blocking it


class Records(logging.Handler):
    """Collects the records of the synchub and uvicorn loggers (whatever earlier tests did to
    their levels and propagation)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, name: str = "synchub.web") -> list[str]:
        return [r.getMessage() for r in self.records if r.name == name]

    def text(self) -> str:
        out = []
        for r in self.records:
            out.append(r.getMessage())
            if r.exc_info:
                out.append(logging.Formatter().formatException(r.exc_info))
        return "\n".join(out)


@pytest.fixture
def logs() -> Iterator[Records]:
    handler = Records()
    saved = []
    for name in ("synchub", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        saved.append((lg, lg.level, lg.propagate))
        lg.setLevel(logging.INFO)
    logging.getLogger("uvicorn.error").propagate = True  # to "uvicorn", the handler's
    for name in ("synchub", "uvicorn"):
        logging.getLogger(name).addHandler(handler)
    yield handler
    for lg, level, propagate in saved:
        lg.removeHandler(handler)
        lg.setLevel(level)
        lg.propagate = propagate


def todoist_parser(headers: Mapping[str, str], body: bytes) -> list[ChangeNotice]:
    parse = load_factory("todoist").parse_webhook  # type: ignore[attr-defined]
    return parse(headers, body, SECRET)


def state(parser: Callable[[Mapping[str, str], bytes], list[ChangeNotice]] = todoist_parser,
          service: str = "todoist", **kw: Any) -> WebState:
    sched = Scheduler(run_round=lambda f: "ok", intervals={"work": 600}, rng=random.Random(0))
    for fs in sched.flows.values():
        fs.next_due = 1e12  # nothing due until a notice says so
    return WebState(scheduler=sched, metrics=Metrics(), parsers={"conn": (service, parser)},
                    flows_by_connection={"conn": ["work"]}, flow_info=lambda: [],
                    ready=lambda: True, token="status-token-xyz", **kw)


def notices(st: WebState, result: str, service: str = "todoist") -> float | None:
    return st.metrics.registry.get_sample_value("synchub_webhook_notices_total",
                                                {"service": service, "result": result})


QUICK = Limits(header_timeout=0.5, body_timeout=0.5, keep_alive=30)


@contextmanager
def serving(st: WebState, limits: Limits = QUICK) -> Iterator[tuple[int, RequestCap]]:
    """A real uvicorn server for the app, on an ephemeral port, as the daemon builds it."""
    config = server_config(create_app(st), "127.0.0.1", 0, limits,
                           on_refused=lambda what: st.metrics.refused.labels(what).inc())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    cap = config.app
    assert isinstance(cap, RequestCap)
    try:
        yield port, cap
    finally:
        server.should_exit = True
        thread.join(WAIT)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (socket.timeout if it never does)."""
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        out += chunk


def read_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length, leaving the connection open."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "closed before a response"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def request(port: int, method: str, path: str, body: bytes = b"",
            headers: Mapping[str, str] | None = None) -> bytes:
    with connect(port) as sock:
        lines = [f"{method} {path} HTTP/1.1", "Host: test", "Connection: close",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        sock.sendall("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
        return read_until_closed(sock)


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def wait_for(check: Callable[[], bool]) -> None:
    """Wait for something the server does in its own thread (not a speed assertion)."""
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.01)


# -- 1. header, body and keep-alive timeouts ----------------------------------------------------


def test_half_a_request_line_is_dropped_after_the_header_timeout() -> None:
    with serving(state()) as (port, _), connect(port) as sock:
        sock.sendall(b"POST /webhooks/co")
        assert read_until_closed(sock) == b""  # closed by the server, nothing answered


def test_a_silent_connection_is_dropped_after_the_header_timeout() -> None:
    with serving(state()) as (port, _), connect(port) as sock:
        assert read_until_closed(sock) == b""


def test_headers_without_their_end_are_dropped_after_the_header_timeout() -> None:
    with serving(state()) as (port, _), connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        for _ in range(3):  # a header line now and then does not keep it open
            sock.sendall(b"X-Slow: 1\r\n")
        assert read_until_closed(sock) == b""


def test_the_next_request_on_a_kept_alive_connection_has_the_header_timeout_too() -> None:
    """The keep-alive timer is uvicorn's, and it stops at the first byte of a new request:
    the header timer has to take over (keep_alive is 30 s here, so only it can close)."""
    with serving(state()) as (port, _), connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        assert status(read_response(sock)) == 200
        sock.sendall(b"GET /heal")
        assert read_until_closed(sock) == b""


def test_a_body_that_does_not_arrive_is_answered_408_and_closed(logs: Records) -> None:
    st = state()
    with serving(st) as (port, _), connect(port) as sock:
        sock.sendall(b"POST /webhooks/conn HTTP/1.1\r\nHost: test\r\n"
                     b"Content-Length: 100\r\n\r\n{\"event_name\"")
        answer = read_until_closed(sock)
        assert status(answer) == 408
        wait_for(lambda: notices(st, "disconnected") == 1)
    assert st.scheduler.due() == []
    text = logs.text()
    assert "Traceback" not in text and "Exception in ASGI application" not in text


def test_a_body_dripped_after_an_early_answer_does_not_hold_the_connection() -> None:
    """The app answers an unknown webhook without reading its body; a client that keeps
    dripping that body must still be cut off (every byte stops uvicorn's keep-alive timer)."""
    with serving(state()) as (port, _), connect(port) as sock:
        sock.sendall(b"POST /webhooks/nope HTTP/1.1\r\nHost: test\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        assert status(read_response(sock)) == 404
        sock.settimeout(0.05)
        closed = False
        for _ in range(int(WAIT / 0.05)):
            try:
                sock.sendall(b"x")
                closed = sock.recv(1) == b""
            except TimeoutError:
                continue
            except OSError:  # reset or broken pipe: closed by the server
                closed = True
            if closed:
                break
        assert closed


def test_requests_that_arrive_in_time_are_served_normally() -> None:
    st = state()
    body = json.dumps({"event_name": "item:updated",
                       "event_data": {"id": "42", "project_id": "p1"}}).encode()
    with serving(st) as (port, _):
        answer = request(port, "POST", "/webhooks/conn", body,
                         {"X-Todoist-Hmac-SHA256": todoist_signature(body, SECRET)})
    assert status(answer) == 200 and answer.endswith(b'{"accepted":1}')
    assert st.scheduler.due() == ["work"]


def test_the_daemon_serves_with_the_hardened_server(tmp_path: Path) -> None:
    from hub.daemon.service import Daemon
    from hub.runtime import open_runtime

    path = tmp_path / "synchub.yaml"
    path.write_text(textwrap.dedent("""\
        state: {url: "sqlite:///state.db"}
        daemon: {host: "127.0.0.1", port: 0}
        connections:
          a: {type: memory, service: hardening-a}
          b: {type: memory, service: hardening-b}
        flows:
          work:
            interval: 1h
            endpoints: {x: {connection: a}, y: {connection: b}}
        """))
    path.chmod(0o600)
    daemon = Daemon(open_runtime(str(path)))
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(daemon.serve_without_signals()))
    t.start()
    try:
        wait_for(lambda: daemon.server is not None and daemon.server.started)
        port = daemon.server.servers[0].sockets[0].getsockname()[1]
        assert issubclass(daemon.server.config.http, HardenedH11Protocol)
        assert isinstance(daemon.server.config.app, RequestCap)
        assert status(request(port, "GET", "/healthz")) == 200
    finally:
        daemon.stop.set()
        t.join(15)
    assert result == [0]


# -- 2. caps on requests in flight and connections ------------------------------------------


def test_past_the_request_cap_requests_get_503_but_healthz_is_answered() -> None:
    st = state()
    limits = Limits(header_timeout=30, body_timeout=30, max_requests=2)
    with serving(st, limits) as (port, cap):
        slow = [connect(port) for _ in range(2)]
        try:
            for sock in slow:  # two webhook requests in flight, waiting for their bodies
                sock.sendall(b"POST /webhooks/conn HTTP/1.1\r\nHost: test\r\n"
                             b"Content-Length: 2\r\n\r\n")
            wait_for(lambda: cap.active == 2)
            busy = request(port, "POST", "/webhooks/conn", b"{}")
            assert status(busy) == 503 and b"retry-after: 1" in busy.lower()
            assert status(request(port, "GET", "/metrics?token=status-token-xyz")) == 503
            assert status(request(port, "GET", "/healthz")) == 200
            for sock in slow:  # their bodies come: they are answered (unsigned: 401)
                sock.sendall(b"{}")
                assert status(read_response(sock)) == 401
        finally:
            for sock in slow:
                sock.close()
        wait_for(lambda: cap.active == 0)
        metrics = request(port, "GET", "/metrics?token=status-token-xyz")
        assert status(metrics) == 200
        assert b'synchub_http_refused_total{what="requests"} 2.0' in metrics
    assert notices(st, "rejected_401") == 2  # the 503s never reached the parser


def test_past_the_connection_cap_new_connections_are_closed_at_once() -> None:
    limits = Limits(header_timeout=30, body_timeout=30, max_connections=3)
    st = state()
    with serving(st, limits) as (port, _):
        idle = [connect(port) for _ in range(3)]
        try:
            with connect(port) as extra:
                assert read_until_closed(extra) == b""  # not after 30 s: at once
        finally:
            for sock in idle:
                sock.close()

        def healthz_ok() -> bool:  # once the server has seen the idle ones go
            return status(request(port, "GET", "/healthz") or b"HTTP/1.1 0 -") == 200

        wait_for(healthz_ok)
    assert st.metrics.refused.labels("connections")._value.get() >= 1


# -- 3. rejections: every one counted, few logged -----------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_bad_signatures_is_counted_in_full_and_logged_in_brief(
        logs: Records) -> None:
    clock = Clock()
    st = state(rejections=RateLimitedLog(logging.getLogger("synchub.web"), clock=clock))
    client = TestClient(create_app(st), base_url="http://127.0.0.1")
    body = b'{"event_name": "item:updated", "event_data": {"id": "1"}}'
    forged = {"X-Todoist-Hmac-SHA256": todoist_signature(b"other", SECRET)}
    for _ in range(100):
        assert client.post("/webhooks/conn", content=body, headers=forged).status_code == 401
    assert notices(st, "rejected_401") == 100
    assert len(logs.lines()) == 1
    assert "rejected (401)" in logs.lines()[0]
    assert st.scheduler.due() == []

    clock.now += 10
    client.post("/webhooks/conn", content=body, headers=forged)
    lines = logs.lines()
    assert lines[1] == "99 more rejected deliveries for conn (401) in the last 10s"
    assert "rejected (401)" in lines[2] and len(lines) == 3
    assert notices(st, "rejected_401") == 101


def test_rejections_of_another_status_get_their_own_line(logs: Records) -> None:
    st = state()
    client = TestClient(create_app(st), base_url="http://127.0.0.1")
    for _ in range(20):
        client.post("/webhooks/conn", content=b"{}")  # unsigned: 401
        body = b"not json"
        client.post("/webhooks/conn", content=body,
                    headers={"X-Todoist-Hmac-SHA256": todoist_signature(body, SECRET)})
    assert [line.split(": ")[0] for line in logs.lines()] == [
        "webhook for conn rejected (401)", "webhook for conn rejected (400)"]
    assert notices(st, "rejected_401") == notices(st, "rejected_400") == 20


def test_a_burst_that_stops_is_summed_up_when_its_period_ends(logs: Records) -> None:
    rl = RateLimitedLog(logging.getLogger("synchub.web"), period=0.2)

    async def burst() -> None:
        for _ in range(50):
            rl.warning("k", "conn (401)", "rejected")
        await asyncio.sleep(0.5)  # no further event: the scheduled flush writes the summary

    asyncio.run(burst())
    assert logs.lines()[0] == "rejected"
    assert logs.lines()[1].startswith("49 more rejected deliveries for conn (401) in the last")
    assert len(logs.lines()) == 2


def test_a_burst_of_garbage_requests_gets_one_uvicorn_warning_line(logs: Records) -> None:
    with serving(state()) as (port, _):
        for _ in range(50):
            assert status(request(port, "GET", "/healthz\x00bad")) == 400
    invalid = [line for line in logs.lines("uvicorn.error") if "Invalid HTTP request" in line]
    assert invalid == ["Invalid HTTP request received."]


# -- 4. bodies a parser cannot read -------------------------------------------------------------


def deep(prefix: bytes, depth: int = 100_000) -> bytes:
    return prefix + b"[" * depth + b"]" * depth + b"}"


SIGNED = {
    "todoist": (deep(b'{"event_name": "item:updated", "event_data": '),
                lambda b: {"X-Todoist-Hmac-SHA256": todoist_signature(b, SECRET)}),
    "jira": (deep(b'{"webhookEvent": "jira:issue_updated", "issue": '),
             lambda b: {"X-Hub-Signature": jira_signature(b, SECRET)}),
    "notion": (deep(b'{"type": "page.created", "entity": '),
               lambda b: {"X-Notion-Signature": notion_signature(b, SECRET)}),
}


@pytest.mark.parametrize("service", sorted(SIGNED))
def test_a_signed_deeply_nested_body_is_400_without_a_traceback(service: str,
                                                                logs: Records) -> None:
    parse = load_factory(service).parse_webhook  # type: ignore[attr-defined]

    def bound(headers: Mapping[str, str], body: bytes) -> list[ChangeNotice]:
        return parse(headers, body, SECRET)

    st = state(bound, service)
    body, sign = SIGNED[service]
    resp = TestClient(create_app(st), base_url="http://127.0.0.1").post(
        "/webhooks/conn", content=body, headers=sign(body))
    assert resp.status_code == 400 and resp.text == "malformed body"
    assert notices(st, "rejected_400", service) == 1
    assert st.scheduler.due() == []
    assert "Traceback" not in logs.text() and "[[[" not in logs.text()
    assert logs.lines() == ["webhook for conn rejected (400): malformed body (RecursionError)"]


def test_a_parser_that_fails_on_a_body_answers_400_and_logs_none_of_it(logs: Records) -> None:
    def buggy(headers: Mapping[str, str], body: bytes) -> list[ChangeNotice]:
        return [ChangeNotice(service="todoist", kind="updated",
                             ref=json.loads(body)["missing"])]  # KeyError naming body text

    def quoting(headers: Mapping[str, str], body: bytes) -> list[ChangeNotice]:
        raise KeyError(body.decode())

    for parser in (buggy, quoting):
        st = state(parser)
        resp = TestClient(create_app(st), base_url="http://127.0.0.1").post(
            "/webhooks/conn", content=b'{"secret-looking-content": 1}')
        assert resp.status_code == 400 and resp.text == "malformed body"
        assert notices(st, "parser_error") == 1
        assert st.scheduler.due() == []
    text = logs.text()
    assert "secret-looking-content" not in text and "Traceback" not in text
    assert "its parser failed with KeyError at test_web_hardening.py:" in logs.lines()[0]
