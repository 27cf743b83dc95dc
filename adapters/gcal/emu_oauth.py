"""OAuth for the Calendar emulator, off unless asked for: bearer access tokens on every API
call (401 ``authError`` without one) and Google's token endpoint for the refresh grant, which
answers ``invalid_grant`` once the user has revoked access. This is what lets a test watch
google-auth refresh a token, and fail to, through the real client stack."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from adapters.emulation import Request, Response
from adapters.gcal.emu_wire import error_response


@dataclass
class OAuth:
    access: set[str] | None = None  # None: no checking at all
    refresh: set[str] = field(default_factory=set)

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

    def token(self, req: Request) -> Response:
        """``POST /token``, the refresh grant only."""
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in \
                self.refresh:
            return Response.json({"error": "invalid_grant",
                                  "error_description": "Token has been expired or revoked."}, 400)
        token = f"emu-access-{uuid.uuid4().hex}"
        if self.access is not None:
            self.access.add(token)
        return Response.json({"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                              "scope": "https://www.googleapis.com/auth/calendar"})
