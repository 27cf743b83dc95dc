"""Google credentials: an installed-app OAuth token (``google-auth-oauthlib``), stored with
mode 0600, or a service-account key; ``none`` for the local emulator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hub.errors import AuthError

SCOPES = ["https://www.googleapis.com/auth/calendar"]


def authorize(client_secrets: Path, token_file: Path, *, open_browser: bool = True) -> None:
    """Run the installed-app flow once (a loopback redirect to a local port, as Google
    requires for desktop clients since the out-of-band flow was retired) and keep the token,
    private (0600). Without a browser the URL is printed to open anywhere that can reach
    this machine's loopback (on a server: through an SSH tunnel to the printed port)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), SCOPES)
    creds = flow.run_local_server(
        host="127.0.0.1", port=0, open_browser=open_browser,
        authorization_prompt_message="Open this URL to let synchub use your calendar:\n{url}",
        success_message="synchub has access to your calendar; you can close this tab.")
    save_token(token_file, creds.to_json())


def save_token(path: Path, text: str) -> None:
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    path.chmod(0o600)


def load(token_file: str | None, service_account_file: str | None, *, refresh: bool = True
         ) -> Any:
    """Credentials, refreshed now if needed (``refresh``, as ``synchub check --probe`` wants);
    an AuthError says in plain words what to do.

    ``refresh=False`` (building an adapter) makes no request: an expired token is refreshed
    by the first API call (google-auth does it before sending), whose failure is then this
    endpoint's error in that round, not a failure to start the hub. Either way a refreshed
    token is saved to the token file (0600)."""
    if service_account_file:
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_file(
            str(Path(service_account_file).expanduser()), scopes=SCOPES)
    if not token_file:
        return None
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request

    path = Path(token_file).expanduser()
    if not path.exists():
        raise AuthError(f"no Google token at {path}: sign in once with `synchub auth "
                        f"google CLIENT_SECRETS.json --token-file {path}` (or `synchub init`)",
                        service="gcal")
    creds = _saved_credentials().from_authorized_user_file(str(path), SCOPES)
    creds.token_path = path
    if refresh and not creds.valid:
        try:
            creds.refresh(Request())
        except TransportError:
            raise AuthError("the Google token needs refreshing but Google could not be "
                            "reached; check the network and try again", service="gcal") from None
        except RefreshError as exc:
            raise AuthError("the Google token has expired or was revoked (access removed in "
                            "the Google account's security settings?): authorize again; "
                            f"Google said: {exc.args[0] if exc.args else exc}",
                            service="gcal") from None
    return creds


def _saved_credentials() -> Any:
    """OAuth user credentials that write themselves back to their token file whenever they
    are refreshed, wherever that happens (now, or before an API call)."""
    from google.oauth2.credentials import Credentials

    class SavedCredentials(Credentials):
        token_path: Path | None = None

        def refresh(self, request: Any) -> None:
            super().refresh(request)
            if self.token_path is not None:
                save_token(self.token_path, self.to_json())

    return SavedCredentials


if __name__ == "__main__":
    import sys

    print("moved: use `synchub auth google CLIENT_SECRETS.json [--token-file PATH]`",
          file=sys.stderr)
    sys.exit(2)
