"""Who may change state from the status page: the admin session, its CSRF token, same origin.

Reading the page needs at most ``daemon.token``; *changing* state (resolving a conflict) needs
``daemon.admin_token``, which a person types once into the page's login form. What the login
gives back is a session cookie, never the token itself, and nothing derived from the token is
ever put in the page, a log line or an error text:

- **Session cookie** (``synchub_admin``): ``NONCE.ISSUED.SIG``, a random nonce, when it was
  issued and their HMAC under a key drawn at random when the daemon starts. ``HttpOnly`` (no
  script reads it), ``SameSite=Strict`` (no other site's page sends it), ``Secure`` when
  served over HTTPS. The daemon refuses it after :data:`SESSION_HOURS` whatever the browser
  keeps, and a logout revokes it (its nonce is remembered as dead until it would have
  expired); a restart logs everyone out.
- **CSRF token**: a second HMAC of the same nonce (under another label), put in a hidden field
  of every form. A POST carries both, and they are compared with :func:`hmac.compare_digest`.
  This is the *signed* double-submit pattern: a cookie planted by a sibling host cannot be
  paired with a field the attacker can compute, since both need the key.
- **Same origin**: a POST's ``Origin`` (or, without one, its ``Referer``) must name the host the
  request was sent to (its ``Host`` header). A request with neither is refused: every browser
  sends ``Origin`` on a form POST, and a script can send it too.

Every refusal is a 403 with a short reason that says what to do; none is a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

COOKIE = "synchub_admin"
SESSION_HOURS = 12  # the cookie's Max-Age; the signature itself dies with the process
OFF = ("resolving from the status page is off: set daemon.admin_token (a secret, e.g. "
       "admin_token: '${SYNCHUB_ADMIN_TOKEN}') and restart the daemon")
CROSS_SITE = "cross-site request refused: Origin/Referer is not this daemon"
NO_SESSION = "admin login required: log in with the admin token on the status page"
BAD_CSRF = "CSRF token missing or wrong: reload the status page and try again"
BAD_LOGIN = "wrong admin token"


@dataclass
class Admin:
    """The admin token (None: no admin actions at all) and the key sessions are signed with."""

    token: str | None = None
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    clock: Callable[[], float] = time.time
    #: nonce -> when it would have expired, for sessions logged out (revoked) since
    revoked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def _sign(self, label: str, nonce: str) -> str:
        return hmac.new(self.key, f"{label}|{nonce}".encode(), hashlib.sha256).hexdigest()

    def login(self, given: str) -> str | None:
        """A new session cookie value when ``given`` is the admin token, else None."""
        if not self.token or not hmac.compare_digest(given.encode(), self.token.encode()):
            return None
        nonce = f"{secrets.token_urlsafe(24)}.{int(self.clock())}"
        return f"{nonce}.{self._sign('session', nonce)}"

    def session(self, cookies: Mapping[str, str]) -> str | None:
        """The nonce of a valid, unexpired, not logged-out session cookie, else None."""
        if not self.enabled:
            return None
        nonce, _, sig = cookies.get(COOKIE, "").rpartition(".")
        if not nonce or not hmac.compare_digest(sig.encode(), self._sign("session",
                                                                          nonce).encode()):
            return None
        issued = nonce.rpartition(".")[2]
        if not issued.isdigit() or self.clock() - int(issued) > SESSION_HOURS * 3600:
            return None
        with self._lock:
            if nonce in self.revoked:
                return None
        return nonce

    def logout(self, cookies: Mapping[str, str]) -> None:
        """Revoke the session of ``cookies`` (a copied cookie is dead too from now on)."""
        nonce = self.session(cookies)
        if nonce is None:
            return
        now = self.clock()
        with self._lock:
            self.revoked = {n: t for n, t in self.revoked.items() if t > now}
            self.revoked[nonce] = int(nonce.rpartition(".")[2]) + SESSION_HOURS * 3600

    def csrf(self, nonce: str) -> str:
        """The CSRF token the forms of session ``nonce`` carry."""
        return self._sign("csrf", nonce)

    def refusal(self, cookies: Mapping[str, str], headers: Mapping[str, str],
                form: Mapping[str, str]) -> str | None:
        """Why an admin POST must be refused (the 403's text), or None when it may proceed."""
        if not self.enabled:
            return OFF
        if not same_origin(headers):
            return CROSS_SITE
        nonce = self.session(cookies)
        if nonce is None:
            return NO_SESSION
        if not hmac.compare_digest(form.get("csrf", "").encode(), self.csrf(nonce).encode()):
            return BAD_CSRF
        return None


def same_origin(headers: Mapping[str, str]) -> bool:
    """Whether the request's ``Origin`` (else ``Referer``) names the host it was sent to.

    Host and port are compared, not the scheme: behind a TLS-terminating proxy the daemon sees
    ``http`` while the browser says ``https``. ``Origin: null`` (a sandboxed frame, a page
    with ``Referrer-Policy: no-referrer``) is not this daemon."""
    host = headers.get("host", "").lower()
    source = headers.get("origin") or headers.get("referer") or ""
    if not host or not source or source == "null":
        return False
    return urlsplit(source).netloc.lower() == host


def cookie_header(value: str, *, secure: bool, max_age: int = SESSION_HOURS * 3600) -> str:
    """The ``Set-Cookie`` value of the session cookie (``max_age`` 0: logged out)."""
    return (f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"
            + ("; Secure" if secure else ""))
