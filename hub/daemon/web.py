"""The daemon's HTTP side: webhooks, health, readiness, metrics and a status page.

Bound to 127.0.0.1 by default. When bound elsewhere a token is required for everything but
``/healthz`` and the webhook routes (those carry the services' own signatures): as
``Authorization: Bearer <token>`` or ``?token=`` (for opening the status page in a browser).
A webhook with a bad or missing signature gets 401 and syncs nothing; a malformed body 400 (any
body its parser cannot read, however it fails: a parser's exception never becomes a 500 whose
traceback could quote the body); an oversized one 413. Deliveries are counted one by one in
``synchub_webhook_notices_total{result}`` (``accepted``, ``rejected_<status>``, ``too_large``,
``parser_error`` for a parser that raised something other than a decoding error,
``disconnected`` for a body that never came), but rejections are logged at most once per
connection and status every 10 s (:mod:`hub.daemon.ratelog`), so a burst of forged deliveries
cannot flood the log. A valid notice only makes the flows that use that connection due now:
notices are hints, so a repeated or out-of-order one costs at most one quiet round.

The status page also charts each flow's recent rounds (:mod:`hub.daemon.chart`) and lists
the open conflicts, resolvable from the page by someone logged in with ``daemon.admin_token``
(:mod:`hub.daemon.conflicts_page`, :mod:`hub.daemon.admin`); such a session may read the
guarded routes too. The page is served under a Content-Security-Policy that allows no script
and no fetch at all, and cannot be framed.

Without ``daemon.token`` (the loopback default) the guarded routes answer only requests sent
to a loopback name (``127.0.0.1``, ``localhost``, ``[::1]``): a hostile web page whose name
is made to point at 127.0.0.1 (DNS rebinding) would otherwise read the page, titles and
errors included. Reaching the daemon by another name (a proxy) needs ``daemon.token``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from adapters.base import ChangeNotice, WebhookRejected
from hub.daemon import chart
from hub.daemon.conflicts_page import ConflictsState
from hub.daemon.conflicts_page import render as render_conflicts
from hub.daemon.conflicts_page import routes as conflict_routes
from hub.daemon.metrics import Metrics
from hub.daemon.ratelog import RateLimitedLog
from hub.daemon.scheduler import Scheduler
from hub.redact import redact_data
from hub.store.base import RunRecord

log = logging.getLogger("synchub.web")
MAX_BODY = 1 << 20  # 1 MiB: no service sends more in one notification

Parser = Callable[[Mapping[str, str], bytes], list[ChangeNotice]]


@dataclass
class WebState:
    scheduler: Scheduler
    metrics: Metrics
    parsers: dict[str, tuple[str, Parser]]  # connection -> (service type, parser)
    flows_by_connection: dict[str, list[str]]
    flow_info: Callable[[], list[dict[str, Any]]]  # rows for the status page
    ready: Callable[[], bool]
    token: str | None = None
    redact: Callable[[str], str] = lambda s: s
    started: float = field(default_factory=time.time)
    rejections: RateLimitedLog = field(default_factory=lambda: RateLimitedLog(log))
    #: hands an accepted notice to the flow, wherever it runs (the daemon records it in the
    #: state store for the replica holding the flow); None: this scheduler only
    notify: Callable[[str], None] | None = None
    #: open conflicts, the admin session and resolving (:mod:`hub.daemon.conflicts_page`)
    conflicts: ConflictsState = field(default_factory=ConflictsState)
    #: per flow, its latest runs (newest first) for the chart (:mod:`hub.daemon.chart`)
    charts: Callable[[], list[tuple[str, list[RunRecord]]]] = list


REBOUND = ("this daemon has no daemon.token, so it answers only requests sent to "
           "127.0.0.1 or localhost (a page rebound to 127.0.0.1 must not read it): set "
           "daemon.token to reach it by another name")


def loopback_host(host: str) -> bool:
    """Whether a ``Host`` header names this machine's loopback (any port)."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    return (name in ("localhost", "::1") or name.endswith(".localhost")
            or (name.startswith("127.") and name.replace(".", "").isdigit()))


def _authorised(request: Request, token: str | None) -> bool:
    if token is None:
        return True
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else request.query_params.get(
        "token", "")
    return hmac.compare_digest(given.encode(), token.encode())


async def _read_capped(request: Request) -> bytes | None:
    """The request body, or None when it is over :data:`MAX_BODY` (declared or actually sent:
    a chunked body has no length to trust, so it is read only up to the limit)."""
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of ``exc``: enough to find a parser bug, without
    the exception's message or locals, which may hold body content."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"


def create_app(state: WebState) -> Starlette:
    admin = state.conflicts.admin

    def guarded(fn: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if state.token is None and not loopback_host(request.headers.get("host", "")):
                return PlainTextResponse(REBOUND, status_code=403)
            # An admin session may read too: it was opened with the stronger token.
            if not _authorised(request, state.token) and admin.session(request.cookies) is None:
                return PlainTextResponse("token required", status_code=401)
            return fn(request)
        return endpoint

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def readyz(request: Request) -> Response:
        ok = state.ready()
        return JSONResponse({"ready": ok}, status_code=200 if ok else 503)

    def metrics(request: Request) -> Response:
        return Response(state.metrics.render(),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    def status_page(request: Request) -> Response:
        # A browser authenticates with ?token=: the page's own links carry it on, or they
        # would answer 401. The token is only echoed to someone who just sent it.
        given = request.query_params.get("token", "")
        keep = "" if state.token is None or not hmac.compare_digest(
            given.encode(), state.token.encode()) else "?" + urlencode({"token": given})
        # Logged in, the page does not refresh itself: a choice being made in a form would be
        # lost. Referrer-Policy same-origin (not no-referrer): a form POST must carry a real
        # Origin, which no-referrer turns into "null" (hub.daemon.admin).
        sections = chart.section(state.charts()) + render_conflicts(
            state.conflicts, request.cookies, keep)
        return HTMLResponse(render_status(state.flow_info(), state.redact, keep, sections,
                                          refresh=admin.session(request.cookies) is None),
                            headers={"Cache-Control": "no-store", "Referrer-Policy":
                                     "same-origin", "Content-Security-Policy": CSP,
                                     "X-Content-Type-Options": "nosniff"})

    def status_json(request: Request) -> Response:
        return JSONResponse(redact_data(state.flow_info(), state.redact))

    def reject(connection: str, service: str, status: int, result: str, reason: str,
               msg: str, *args: object) -> Response:
        """Count a rejected delivery, log it (rate-limited) and answer ``status``."""
        state.metrics.notices.labels(service, result).inc()
        state.rejections.warning((connection, status), f"{connection} ({status})", msg, *args)
        return PlainTextResponse(reason, status_code=status)

    async def webhook(request: Request) -> Response:
        connection = request.path_params["connection"]
        entry = state.parsers.get(connection)
        if entry is None:
            return PlainTextResponse("unknown webhook", status_code=404)
        service, parse = entry
        try:
            body = await _read_capped(request)
        except ClientDisconnect:
            # The client went away, or the server's body timeout dropped it
            # (hub.daemon.httpserver): nobody is left to answer, and it is no error of ours.
            state.metrics.notices.labels(service, "disconnected").inc()
            return Response(status_code=408)
        if body is None:
            return reject(connection, service, 413, "too_large", "body too large",
                          "webhook for %s rejected (413): body over %d bytes", connection,
                          MAX_BODY)
        try:
            notices = parse(dict(request.headers), body)
        except WebhookRejected as exc:
            return reject(connection, service, exc.status, f"rejected_{exc.status}", exc.reason,
                          "webhook for %s rejected (%s): %s", connection, exc.status,
                          exc.reason)
        except (RecursionError, ValueError) as exc:
            # Signed, but unreadable: nesting deeper than the JSON parser's recursion limit,
            # bytes that are not UTF-8, a number too long to convert... The message is left
            # out of the log, as it may quote the body.
            return reject(connection, service, 400, "rejected_400", "malformed body",
                          "webhook for %s rejected (400): malformed body (%s)", connection,
                          type(exc).__name__)
        except Exception as exc:  # a parser bug on some body: still the body's 400, not a 500
            return reject(connection, service, 400, "parser_error", "malformed body",
                          "webhook for %s rejected (400): its parser failed with %s at %s",
                          connection, type(exc).__name__, _where(exc))
        state.metrics.notices.labels(service, "accepted").inc()
        if notices:
            notify = state.notify or state.scheduler.notify
            for flow in state.flows_by_connection.get(connection, []):
                # In a worker thread: recording the notice is a store write, which must not
                # stall the event loop (and every other request) while a round commits.
                await run_in_threadpool(notify, flow)
        return JSONResponse({"accepted": len(notices)})

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", guarded(readyz)),
        Route("/metrics", guarded(metrics)),
        Route("/", guarded(status_page)),
        Route("/status.json", guarded(status_json)),
        Route("/webhooks/{connection}", webhook, methods=["POST"]),
        *conflict_routes(state.conflicts),
    ]
    return Starlette(routes=routes)


STYLE_CSS = """body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
.ok { color: #17803d; font-weight: 600; } .warn { color: #b45309; font-weight: 600; }
.bad { color: #b91c1c; font-weight: 600; }
footer { margin-top: 1rem; color: #777; font-size: .85rem; }
"""
STYLE = f"<style>{STYLE_CSS}</style>"
REFRESH = '<meta http-equiv="refresh" content="10">'
#: The status page's Content-Security-Policy: nothing loads from anywhere, no script runs, the
#: one inline style sheet is allowed by its hash, forms post only here and no other site may
#: frame the page (a framed resolve button could be clicked through a decoy).
CSP = ("default-src 'none'; style-src 'sha256-" +
       base64.b64encode(hashlib.sha256(STYLE_CSS.encode()).digest()).decode() +
       "'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _ago(ts: float | None) -> str:
    if ts is None:
        return "never"
    secs = int(time.time() - ts)
    return f"{secs}s ago" if secs < 120 else f"{secs // 60} min ago"


def render_status(rows: list[dict[str, Any]], redact: Callable[[str], str],
                  link_query: str = "", sections: str = "", *, refresh: bool = True) -> str:
    """A self-contained page a person can open in a browser (refreshes every 10 s unless
    ``refresh`` is off). ``link_query`` is appended to the page's links (the ``?token=`` it
    was opened with); ``sections`` is HTML put under the flows table (chart, conflicts)."""
    q = html.escape(link_query)

    def cell(v: Any) -> str:
        return html.escape(redact(str(v)))

    aside_table = _table("set-aside", "Set aside (not synced until fixed)", (
        "Flow", "Service", "Id", "Title", "Problem", "Since", "Next"), [
        (r.get("flow", ""), q_.get("service", ""), q_.get("id", ""), q_.get("title", ""),
         q_.get("problem", ""), q_.get("since", ""), q_.get("next", ""))
        for r in rows for q_ in r.get("set_aside", [])], cell)
    services_table = _table("services", "Services", (
        "Flow", "Service", "State", "Last error", "Failing since", "Last success", "Next"), [
        (r.get("flow", ""), h.get("service", ""), h.get("state", ""), h.get("last_error", ""),
         h.get("failing_since") or "", h.get("last_success") or "", h.get("next", ""))
        for r in rows for h in r.get("services", []) if h.get("last_error")], cell)
    waiting = "".join(f"<p class=\"warn\">{cell(r.get('flow', ''))}: "
                      f"{cell(r['conflicts_next'])}</p>"
                      for r in rows if r.get("conflicts_next"))
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    head = "".join(f"<th>{h}</th>" for h in (
        "Flow", "Services", "Items", "Last result", "Last round", "Next round", "Writes",
        "Open conflicts", "Last error"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">{REFRESH if refresh else ""}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synchub status</title>
{STYLE}</head>
<body><h1>synchub</h1>
<table id="flows"><thead><tr>{head}</tr></thead><tbody>
{_flows_body(rows, cell) or '<tr><td colspan="9">No flows configured.</td></tr>'}
</tbody></table>
{sections}
{services_table}
{aside_table}
{waiting}
<footer>Updated {html.escape(now)} &middot; <a href="/metrics{q}">metrics</a> &middot;
<a href="/status.json{q}">json</a></footer>
</body></html>"""


def _flows_body(rows: list[dict[str, Any]], cell: Callable[[Any], str]) -> str:
    """The flows table's rows, the last result styled by how bad it is."""
    body = []
    for r in rows:
        cls = {"ok": "ok", "partial": "warn", "crashed": "bad", "failed": "bad",
               "refused": "bad"}.get(str(r.get("status")), "")
        body.append(
            "<tr>" + "".join(f"<td>{cell(r.get(k, ''))}</td>" for k in (
                "flow", "endpoints", "items")) +
            f'<td class="{cls}">{cell(r.get("status", ""))}</td>' +
            "".join(f"<td>{cell(r.get(k, ''))}</td>" for k in (
                "last_round", "next_round", "writes", "conflicts", "error")) + "</tr>")
    return "".join(body)


def _table(ident: str, title: str, head: tuple[str, ...], rows: list[tuple[Any, ...]],
           cell: Callable[[Any], str]) -> str:
    """A titled table of the status page; nothing when it has no rows."""
    if not rows:
        return ""
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    return (f'<h2>{html.escape(title)}</h2><table id="{ident}"><thead><tr>' +
            "".join(f"<th>{html.escape(h)}</th>" for h in head) +
            f"</tr></thead><tbody>{body}</tbody></table>")


def flow_rows(scheduler: Scheduler, extra: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Status rows from the scheduler's view plus per-flow facts from the store."""
    rows = []
    now = scheduler.clock()
    for name, fs in scheduler.flows.items():
        nxt = "running" if fs.running else (
            "now" if fs.next_due <= now else f"in {int(fs.next_due - now)}s")
        row = {"flow": name, "status": fs.last_status, "next_round": nxt,
               "last_round": _ago(time.time() - (now - fs.last_finished)
                                  if fs.last_finished is not None else None),
               "error": fs.last_error or ""}
        row.update(extra.get(name, {}))
        rows.append(row)
    return rows
