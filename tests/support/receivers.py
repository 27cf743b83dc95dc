"""Local stand-ins for what notifications are sent to: an HTTP server on 127.0.0.1 that
records every POST (Discord, Slack and generic webhooks), and an SMTP server on 127.0.0.1
(aiosmtpd) that records every mail. Nothing leaves the machine."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: Any  # the JSON sent


@dataclass
class HttpReceiver:
    """Answers every POST with ``status`` (204 like Discord by default) and records it."""

    status: int = 204
    posts: list[Posted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, prefix: str) -> list[Posted]:
        with self.lock:
            return [p for p in self.posts if p.path.startswith(prefix)]


@contextmanager
def http_receiver(status: int = 204) -> Iterator[HttpReceiver]:
    rec = HttpReceiver(status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(size) or b"null")
            with rec.lock:
                rec.posts.append(Posted(self.path, dict(self.headers), body))
            self.send_response(rec.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # quiet
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    port: int = 0
    mails: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def self_signed(directory: Any) -> tuple[str, str]:
    """(certificate, key) PEM files for 127.0.0.1, made with openssl; the certificate is its
    own CA, so a client trusting it as ``ca_file`` verifies the server."""
    import subprocess
    from pathlib import Path

    cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@contextmanager
def smtp_receiver(tls: tuple[str, str] | None = None, *, implicit: bool = False
                  ) -> Iterator[SmtpReceiver]:
    """aiosmtpd on 127.0.0.1 (plain SMTP, logins accepted without TLS so a test can check
    the credentials synchub sends). ``tls``: (certificate, key) to offer STARTTLS with, or
    with ``implicit`` to speak TLS from the first byte (port 465 style)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    rec = SmtpReceiver()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            rec.mails.append(msg)
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            rec.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    from tests.support.procs import free_port

    rec.port = free_port()  # aiosmtpd checks that it listens by connecting: no port 0
    extra: dict[str, Any] = {}
    if tls is not None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)
        extra = {"ssl_context": context} if implicit else {"tls_context": context,
                                                          "require_starttls": True}
    controller = Controller(Handler(), hostname="127.0.0.1", port=rec.port,
                            authenticator=authenticate, auth_require_tls=False, **extra)
    controller.start()
    try:
        yield rec
    finally:
        controller.stop()
