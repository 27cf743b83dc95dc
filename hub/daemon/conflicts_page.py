"""The status page's open conflicts, and resolving one from the page.

Each conflict a ``manual`` policy queued is listed with every copy's value; with an admin
session (:mod:`hub.daemon.admin`) each has a form choosing the endpoint whose value wins.
The POST goes through :func:`hub.round.conflicts.resolve_open`, the code path of
``synchub conflicts resolve ID --use ENDPOINT``, under the flow's writer lock, so it is safe
beside a round; the flow is then made due, and its next round carries the value everywhere.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from hub.daemon import admin as adm
from hub.daemon.ratelog import RateLimitedLog
from hub.errors import Busy, UsageError
from hub.round.conflicts import ValuesChanged, values_digest

log = logging.getLogger("synchub.web")
MAX_FORM = 4096  # a login or a resolve form is a few dozen bytes
VALUE_CHARS = 120  # a long description is cut on the page (the CLI shows it whole)

#: conflict id, endpoint, digest of the values shown -> the flow it was in; raises
#: UsageError (no such conflict or endpoint), ValuesChanged (not the values shown) or Busy
#: (the flow's writer lock stayed taken)
Resolver = Callable[[int, str, str | None], str]
ID_DIGITS = 18  # a conflict id is a BIGINT; longer is no id (and int() of 5,000 digits fails)


@dataclass
class ConflictsState:
    admin: adm.Admin = field(default_factory=adm.Admin)
    #: open conflicts as page rows: id, flow, title, field, since, values (endpoint -> value)
    rows: Callable[[], list[dict[str, Any]]] = list
    resolve: Resolver | None = None
    redact: Callable[[str], str] = lambda s: s
    #: refused logins and POSTs, logged at most once per reason every 10 s (a script
    #: hammering the forms cannot flood the log)
    refusals: RateLimitedLog = field(default_factory=lambda: RateLimitedLog(log))


def _cut(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"


def render(state: ConflictsState, cookies: Mapping[str, str], action_query: str = "") -> str:
    """The "Open conflicts" section: the list, and per conflict a resolve form when the
    viewer has an admin session (a login form when not; how to enable it when admin actions
    are off)."""
    rows = state.rows()
    nonce = state.admin.session(cookies)
    q = html.escape(action_query, quote=True)

    def esc(v: Any) -> str:  # redacted whole, then cut: a cut secret is no longer found
        return html.escape(_cut(state.redact("" if v is None else str(v))), quote=True)

    items = []
    for c in rows:
        values = "".join(f"<li><b>{esc(ep)}</b>: {esc(v)}</li>" for ep, v in c["values"].items())
        form = ""
        if nonce is not None:
            choices = "".join(f'<label><input type="radio" name="use" '
                              f'value="{html.escape(str(ep), quote=True)}" required> '
                              f'{esc(ep)}</label> ' for ep in c["values"])
            form = (f'<form class="resolve" method="post" action="/conflicts/{int(c["id"])}'
                    f'/resolve{q}"><input type="hidden" name="csrf" '
                    f'value="{state.admin.csrf(nonce)}"><input type="hidden" name="seen" '
                    f'value="{values_digest(c["values"])}">{choices}'
                    '<button type="submit">Use this value</button></form>')
        items.append(f'<li id="conflict-{int(c["id"])}">#{int(c["id"])} {esc(c["flow"])}: '
                     f'<i>{esc(c["title"])}</i>, field <code>{esc(c["field"])}</code> '
                     f'(since {esc(c.get("since", ""))})<ul>{values}</ul>{form}</li>')
    return ("<h2>Open conflicts</h2>" +
            (f'<ul id="conflicts">{"".join(items)}</ul>' if items
             else "<p>No open conflicts.</p>") + _login(state.admin, nonce, q))


def _login(admin: adm.Admin, nonce: str | None, q: str) -> str:
    if not admin.enabled:
        return ("<p>To resolve conflicts here, set <code>daemon.admin_token</code> and "
                "restart; or run <code>synchub conflicts resolve ID --use ENDPOINT</code>."
                "</p>")
    if nonce is not None:
        return (f'<form method="post" action="/logout{q}"><input type="hidden" name="csrf" '
                f'value="{admin.csrf(nonce)}"><button type="submit">Log out</button></form>')
    return (f'<form id="login" method="post" action="/login{q}"><label>Admin token '
            '<input type="password" name="admin_token" autocomplete="current-password" '
            'required></label> <button type="submit">Log in to resolve</button></form>')


async def _form(request: Request) -> dict[str, str] | None:
    """An urlencoded form body (at most :data:`MAX_FORM` bytes), None when unreadable."""
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_FORM:
                return None
            chunks.append(chunk)
        return dict(parse_qsl(b"".join(chunks).decode(), keep_blank_values=True))
    except (ClientDisconnect, UnicodeDecodeError, ValueError):
        return None


def _back(request: Request, cookie: str | None = None, *, secure: bool = False) -> Response:
    """303 back to the status page (the admin cookie lets it in without ``?token=``)."""
    response = RedirectResponse("/", status_code=303)
    if cookie is not None:
        response.headers["set-cookie"] = adm.cookie_header(cookie, secure=secure,
                                                           max_age=0 if not cookie else
                                                           adm.SESSION_HOURS * 3600)
    return response


def _forbidden(state: ConflictsState, request: Request, reason: str) -> Response:
    """403 with ``reason``, logged (rate-limited) with the path, never with the form."""
    # keyed by the reason alone: one line per id would let a script flood the log
    state.refusals.warning(("status page", reason), "status page refusals",
                           "status page: %s refused (403): %s", request.url.path, reason)
    return PlainTextResponse(reason, status_code=403)


def routes(state: ConflictsState) -> list[Route]:
    """``POST /login``, ``POST /logout`` and ``POST /conflicts/{id}/resolve``."""
    a = state.admin

    def forbidden(request: Request, reason: str) -> Response:
        return _forbidden(state, request, reason)

    async def login(request: Request) -> Response:
        if not a.enabled:
            return forbidden(request, adm.OFF)
        if not adm.same_origin(request.headers):  # no login CSRF either
            return forbidden(request, adm.CROSS_SITE)
        form = await _form(request)
        cookie = a.login((form or {}).get("admin_token", ""))
        if cookie is None:
            return forbidden(request, adm.BAD_LOGIN)
        log.info("status page: admin logged in")
        return _back(request, cookie, secure=request.url.scheme == "https")

    async def logout(request: Request) -> Response:
        refusal = a.refusal(request.cookies, request.headers, await _form(request) or {})
        if refusal is not None:
            return forbidden(request, refusal)
        a.logout(request.cookies)  # revoked: a copy of the cookie is dead too
        return _back(request, "", secure=request.url.scheme == "https")

    async def resolve(request: Request) -> Response:
        form = await _form(request) or {}
        refusal = a.refusal(request.cookies, request.headers, form)
        if refusal is not None or state.resolve is None:
            return forbidden(request, refusal or adm.OFF)
        raw = str(request.path_params["id"])
        if not raw.isdigit() or len(raw) > ID_DIGITS:
            return PlainTextResponse("no such conflict", status_code=404)
        conflict_id, use = int(raw), form.get("use", "")
        try:
            # the page's forms always say which values they showed; a script that does not
            # resolves with the values there are, as the CLI does
            flow = await run_in_threadpool(state.resolve, conflict_id, use,
                                           form.get("seen") or None)
        except ValuesChanged as exc:
            return PlainTextResponse(state.redact(str(exc)), status_code=409)
        except UsageError as exc:
            return PlainTextResponse(state.redact(str(exc)), status_code=400)
        except Busy as exc:
            return PlainTextResponse(state.redact(str(exc)), status_code=409)
        log.info("status page: conflict %d in %s resolved with %s", conflict_id, flow, use)
        return _back(request)

    return [Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/conflicts/{id}/resolve", resolve, methods=["POST"])]
