"""The daemon's HTTP side through Starlette's test client (real ASGI app, no network)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

import pytest
from starlette.testclient import TestClient

from adapters.base import ChangeNotice, WebhookRejected
from hub.daemon.metrics import Metrics
from hub.daemon.scheduler import Scheduler
from hub.daemon.web import MAX_BODY, WebState, create_app, flow_rows
from hub.redact import Redactor


def parser(headers: Mapping[str, str], body: bytes) -> list[ChangeNotice]:
    if headers.get("x-sig") != "good":
        raise WebhookRejected(401, "bad signature")
    if not body.startswith(b"{"):
        raise WebhookRejected(400, "malformed body")
    return [ChangeNotice(service="todoist", kind="updated", ref="1")]


def make(token: str | None = None) -> tuple[TestClient, Scheduler]:
    sched = Scheduler(run_round=lambda f: "ok", intervals={"work": 600, "home": 600},
                      rng=random.Random(0))
    state = WebState(
        scheduler=sched, metrics=Metrics(), parsers={"me": ("todoist", parser)},
        flows_by_connection={"me": ["work"]},
        flow_info=lambda: flow_rows(sched, {"work": {"endpoints": "jira, todoist",
                                                     "items": 3, "error": "<script>x"}}),
        ready=lambda: True, token=token)
    return TestClient(create_app(state), base_url="http://127.0.0.1"), sched


def test_health_and_ready() -> None:
    client, _ = make()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_status_page_lists_flows_and_escapes_text() -> None:
    client, _ = make()
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "work" in page.text and "jira, todoist" in page.text
    assert "<script>x" not in page.text and "&lt;script&gt;x" in page.text


def test_token_protects_everything_but_health_and_webhooks() -> None:
    client, _ = make(token="s3cret-token")
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 401
    assert client.get("/metrics").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/metrics?token=s3cret-token").status_code == 200
    assert client.post("/webhooks/me", content=b"{}", headers={"x-sig": "good"}
                       ).status_code == 200


@pytest.mark.parametrize(("headers", "body", "status"), [
    ({}, b"{}", 401),
    ({"x-sig": "bad"}, b"{}", 401),
    ({"x-sig": "good"}, b"not json", 400),
    ({"x-sig": "good"}, b"{" + b" " * MAX_BODY + b"}", 413),
])
def test_rejected_webhooks_sync_nothing(headers: dict[str, str], body: bytes,
                                        status: int) -> None:
    client, sched = make()
    before = sched.flows["work"].next_due
    assert client.post("/webhooks/me", content=body, headers=headers).status_code == status
    assert sched.flows["work"].next_due == before


def test_valid_webhook_makes_the_flows_of_that_connection_due() -> None:
    client, sched = make()
    sched.flows["work"].next_due = sched.flows["home"].next_due = 1e12
    resp = client.post("/webhooks/me", content=b"{}", headers={"x-sig": "good"})
    assert resp.json() == {"accepted": 1}
    assert sched.due() == ["work"]  # only the flow using that connection
    assert client.post("/webhooks/nobody", content=b"{}").status_code == 404


def test_metrics_are_exposed() -> None:
    client, _ = make()
    client.post("/webhooks/me", content=b"{}", headers={"x-sig": "good"})
    text = client.get("/metrics").text
    assert 'synchub_webhook_notices_total{result="accepted",service="todoist"} 1.0' in text


def test_status_json_and_page_mask_secrets_in_errors() -> None:
    secret = "tok-status-7788"
    sched = Scheduler(run_round=lambda f: "ok", intervals={"work": 600}, rng=random.Random(0))
    sched.flows["work"].last_status = "crashed"
    sched.flows["work"].last_error = f"AuthError: 401 for Bearer {secret}"
    state = WebState(scheduler=sched, metrics=Metrics(), parsers={}, flows_by_connection={},
                     flow_info=lambda: flow_rows(sched, {"work": {"endpoints": f"x {secret}"}}),
                     ready=lambda: True, redact=Redactor({secret}))
    client = TestClient(create_app(state), base_url="http://127.0.0.1")
    rows = client.get("/status.json").json()
    assert rows[0]["error"] == "AuthError: 401 for Bearer ***"
    assert rows[0]["endpoints"] == "x ***"
    page = client.get("/").text
    assert "401 for Bearer ***" in page
    assert secret not in client.get("/status.json").text and secret not in page


def test_status_page_links_keep_the_token_they_were_opened_with() -> None:
    token = "s3cret/token+1"  # characters that must be URL-encoded
    client, _ = make(token=token)
    page = client.get("/", params={"token": token})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    links = re.findall(r'href="([^"]+)"', page.text)
    assert sorted(links) == ["/metrics?token=s3cret%2Ftoken%2B1",
                             "/status.json?token=s3cret%2Ftoken%2B1"]
    for link in links:  # every footer link works from the page
        assert client.get(link).status_code == 200


def test_status_page_links_never_carry_a_token_the_visitor_did_not_send() -> None:
    client, _ = make(token="s3cret-token")
    page = client.get("/", headers={"Authorization": "Bearer s3cret-token"})
    assert sorted(re.findall(r'href="([^"]+)"', page.text)) == ["/metrics", "/status.json"]
    assert "s3cret-token" not in page.text
    client, _ = make()
    page = client.get("/", params={"token": "whatever"})  # no token configured
    assert "whatever" not in page.text


def test_without_a_token_only_loopback_names_are_answered() -> None:
    """DNS rebinding: a hostile page whose name points at 127.0.0.1 sends its own name as
    Host; without daemon.token the status page, status.json and metrics refuse it (found in
    review), webhooks and /healthz still answer."""
    from hub.daemon.web import loopback_host

    client, _ = make()
    for path in ("/", "/status.json", "/metrics"):
        r = client.get(path, headers={"host": "evil.example:8787"})
        assert r.status_code == 403 and "daemon.token" in r.text, path
        assert client.get(path, headers={"host": "localhost:8787"}).status_code == 200, path
    assert client.get("/healthz", headers={"host": "evil.example"}).status_code == 200
    for host in ("127.0.0.1", "127.0.0.1:8787", "localhost", "[::1]:8787", "app.localhost"):
        assert loopback_host(host), host
    for host in ("evil.example", "127.0.0.1.evil.example", "[::2]", "10.0.0.1:8787"):
        assert not loopback_host(host), host
