"""Sending to each kind of target, against receivers on 127.0.0.1 only: the payload each
service's incoming webhooks accept, an e-mail through a real SMTP server, and deliveries that
never hold up their caller and give up after a bounded number of attempts, saying so without
the webhook's token."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from hub.config.notify import Target
from hub.notify import targets
from hub.notify.delivery import Attempts, Deliveries
from hub.notify.message import Message
from hub.redact import Redactor
from hub.store.base import Incident
from tests.support.receivers import HttpReceiver, http_receiver, smtp_receiver

T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
TOKEN = "tok-8Hq2Lx0Vw5Zr"


def incident(text: str = "notion is failing in flow f: HTTP 503") -> Incident:
    return Incident("failing:f:notion", "f", "failing", "notion", text, T0)


def target(**data: Any) -> Any:
    return TypeAdapter(Target).validate_python(data)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as r:
        yield r


def send(t: Any, msg: Message) -> None:
    with httpx.Client() as client:
        targets.send(t, msg, client)


def test_discord_gets_content_within_its_2000_characters(receiver: HttpReceiver) -> None:
    msg = Message((incident("x" * 5000),), ())
    send(target(kind="discord", url=receiver.url("/d")), msg)
    (post,) = receiver.at("/d")
    assert set(post.body) == {"content"}
    assert len(post.body["content"]) == 2000 and post.body["content"].startswith("synchub: ")


def test_slack_gets_text(receiver: HttpReceiver) -> None:
    over = Incident(**{**incident().__dict__, "recovered_at": T0 + dt.timedelta(minutes=30)})
    send(target(kind="slack", url=receiver.url("/s")), Message((), (over,)))
    (post,) = receiver.at("/s")
    assert post.body == {"text": "synchub: 1 resolved\n- resolved: notion answers again in "
                                 "flow f (after 30 min)"}


def test_a_generic_webhook_gets_each_event_as_data_and_its_headers(
        receiver: HttpReceiver) -> None:
    t = target(kind="webhook", url=receiver.url("/g"), headers={"Authorization": "Bearer k"})
    send(t, Message((incident(),), ()))
    (post,) = receiver.at("/g")
    assert post.headers["Authorization"] == "Bearer k"
    assert post.body["events"] == [{
        "state": "started", "kind": "failing", "flow": "f", "subject": "notion",
        "since": T0.isoformat(), "over_at": None,
        "text": "notion is failing in flow f: HTTP 503"}]


def test_a_receiver_that_refuses_raises_with_the_status_only() -> None:
    with http_receiver(status=404) as r, pytest.raises(RuntimeError, match="HTTP 404") as err:
        send(target(kind="slack", url=r.url(f"/{TOKEN}")), Message((incident(),), ()))
    assert TOKEN not in str(err.value)


def test_an_email_reaches_the_smtp_server_with_the_login() -> None:
    with smtp_receiver() as smtp:
        t = target(kind="email", host="127.0.0.1", port=smtp.port, security="none",
                   username="me", password="pw-1234", sender="hub@example.org",
                   to=["a@example.org", "b@example.org"])
        send(t, Message((incident(),), ()))
    (mail,) = smtp.mails
    assert mail["Subject"] == "synchub: 1 problem"
    assert mail["To"] == "a@example.org, b@example.org"
    assert "notion is failing in flow f" in mail.get_content()
    assert smtp.logins == [("me", "pw-1234")]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_an_email_over_tls_checks_the_servers_certificate(security: str, tmp_path: Any
                                                          ) -> None:
    """STARTTLS and implicit TLS against a local server with its own CA: trusted as
    ``ca_file``, the mail and login go through; not trusted, nothing is sent."""
    import ssl

    from tests.support.receivers import self_signed

    cert, key = self_signed(tmp_path)
    with smtp_receiver((cert, key), implicit=security == "ssl") as smtp:
        fields = dict(kind="email", host="127.0.0.1", port=smtp.port, security=security,
                      username="me", password="pw-1234", sender="hub@example.org",
                      to=["a@example.org"])
        with pytest.raises(ssl.SSLError):
            send(target(**fields), Message((incident(),), ()))
        assert smtp.mails == [] and smtp.logins == []
        send(target(**fields, ca_file=cert), Message((incident(),), ()))
    (mail,) = smtp.mails
    assert mail["Subject"] == "synchub: 1 problem"
    assert smtp.logins == [("me", "pw-1234")]


def test_messages_mask_secrets() -> None:
    msg = Message((incident(f"jira said: bad token {TOKEN}"),), (), Redactor([TOKEN]))
    assert TOKEN not in msg.text() and TOKEN not in str(msg.data())


def test_a_delivery_never_holds_up_its_caller() -> None:
    release, sent = threading.Event(), []

    def slow(name: str, msg: Message) -> None:
        release.wait()
        sent.append(name)

    d = Deliveries(slow, Redactor())
    d.submit("team", Message((incident(),), ()))  # returns while the receiver hangs
    assert sent == []
    release.set()
    assert d.close(timeout=10)
    assert sent == ["team"]


def test_a_failing_delivery_is_tried_a_bounded_number_of_times_and_logged_masked(
        caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def broken(name: str, msg: Message) -> None:
        calls.append(name)
        raise httpx.ConnectError(f"cannot reach https://hooks.example/{TOKEN}")

    d = Deliveries(broken, Redactor([TOKEN]), attempts=Attempts(count=3, first_wait=0))
    with caplog.at_level(logging.WARNING, logger="synchub.notify"):
        d.submit("team", Message((incident(),), ()))
        assert d.close(timeout=10)
    assert calls == ["team"] * 3 and d.failed == 1
    assert "not delivered after 3 attempts" in caplog.text and TOKEN not in caplog.text
