"""OAuth for the Calendar emulator, off unless asked for: bearer access tokens on every API
call (401 ``authError`` without one) and Google's token endpoint for the refresh grant, which
answers ``invalid_grant`` once the user has revoked access. This is what lets a test watch
google-auth refresh a token, and fail to, through the real client stack.

Service accounts sign in with the JWT-bearer grant (RFC 7523, as google-auth sends it): the
assertion's RS256 signature is checked against the key registered for its ``iss``
(:meth:`OAuth.add_service_account`) and its audience must be the token endpoint, so a wrong
or foreign key is refused with Google's ``invalid_grant`` as it is there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from adapters.emulation import Request, Response
from adapters.gcal.emu_wire import error_response

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"


def _grant_error(description: str) -> Response:
    return Response.json({"error": "invalid_grant", "error_description": description}, 400)


@dataclass
class OAuth:
    access: set[str] | None = None  # None: no checking at all
    refresh: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)  # authorization codes not yet exchanged
    #: service-account e-mail -> its public key (PEM), as Google keeps the key's public half
    service_accounts: dict[str, str] = field(default_factory=dict)

    def add_service_account(self, email: str, public_key_pem: str) -> None:
        self.service_accounts[email] = public_key_pem

    def require(self, access_token: str, refresh_token: str) -> None:
        self.access, self.refresh = {access_token}, {refresh_token}

    def expire_access(self) -> None:
        if self.access is not None:
            self.access.clear()

    def revoke(self) -> None:
        self.expire_access()
        self.refresh.clear()

    def refused(self, req: Request) -> Response | None:
        """The 401 for a request without a valid access token (None: let it through)."""
        given = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.access is None or given in self.access:
            return None
        resp = error_response(401, "Invalid Credentials", "authError")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
        return resp

    def authorize(self, req: Request) -> Response:
        """``GET /o/oauth2/auth``: the consent screen, as if the user clicked Allow at once:
        a redirect to the client's loopback ``redirect_uri`` with a one-time code and its
        ``state`` (what the installed-app flow's local server waits for)."""
        redirect, state = req.q("redirect_uri"), req.q("state") or ""
        if not redirect or not redirect.startswith(("http://127.0.0.1", "http://localhost")) \
                or req.q("response_type") != "code":
            return Response.json({"error": "invalid_request",
                                  "error_description": "Invalid redirect_uri"}, 400)
        code = f"emu-code-{uuid.uuid4().hex}"
        self.codes.add(code)
        query = urlencode({"state": state, "code": code, "scope": req.q("scope") or ""})
        return Response(302, b"", {"Location": f"{redirect}?{query}"})

    def token(self, req: Request) -> Response:
        """``POST /token``: the authorization-code grant (a code from :meth:`authorize`, once)
        and the refresh grant."""
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") == JWT_BEARER:
            return self._assertion(form.get("assertion") or "", req)
        if form.get("grant_type") == "authorization_code":
            if form.get("code") not in self.codes:
                return Response.json({"error": "invalid_grant",
                                      "error_description": "Malformed auth code."}, 400)
            self.codes.discard(form["code"])
            refresh = f"emu-refresh-{uuid.uuid4().hex}"
            self.refresh.add(refresh)
            return self._access(refresh)
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in \
                self.refresh:
            return Response.json({"error": "invalid_grant",
                                  "error_description": "Token has been expired or revoked."}, 400)
        return self._access()

    def _assertion(self, assertion: str, req: Request) -> Response:
        from google.auth import exceptions, jwt

        try:
            claims = jwt.decode(assertion, verify=False)
            key = self.service_accounts.get(str(claims.get("iss")))
            if key is None:
                return _grant_error("Invalid JWT Signature.")
            jwt.decode(assertion, certs=key)  # the signature, iat and exp
        except (exceptions.GoogleAuthError, ValueError):
            return _grant_error("Invalid JWT Signature.")
        # google-auth addresses every assertion to Google's token endpoint, whatever the
        # key's token_uri says; this endpoint's own URL is accepted too
        if claims.get("aud") not in (GOOGLE_TOKEN_ENDPOINT,
                                     f"http://{req.headers.get('host')}/token"):
            return _grant_error("Invalid JWT: the audience is not this token endpoint")
        return self._access()

    def _access(self, refresh: str | None = None) -> Response:
        token = f"emu-access-{uuid.uuid4().hex}"
        if self.access is not None:
            self.access.add(token)
        body = {"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar"}
        return Response.json(body | ({"refresh_token": refresh} if refresh else {}))
