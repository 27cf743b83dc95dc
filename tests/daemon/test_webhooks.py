"""The four services' webhook parsers behind the daemon's real ASGI app (no network).

For each service: a correctly signed delivery is accepted and makes the flows of that
connection due; a bad or missing signature is a 401, a signed body of the wrong shape a 400
and an oversized body a 413, and none of those makes any flow due or reaches the parser's
notices.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from adapters.base import load_factory
from adapters.jira.webhook import signature as jira_signature
from adapters.notion.webhook import signature as notion_signature
from adapters.todoist.webhook import signature as todoist_signature
from hub.daemon.metrics import Metrics
from hub.daemon.scheduler import Scheduler
from hub.daemon.web import MAX_BODY, WebState, create_app

SECRET = "whsec-test-0123456789"
Headers = dict[str, str]


@dataclass
class Case:
    service: str
    good: bytes
    sign: Callable[[bytes], Headers]  # correct signature headers for a body
    forged: Headers  # a wrong signature
    malformed: list[bytes]  # valid signature, wrong body
    extra: Headers  # other headers every delivery carries


def _gcal_sign(body: bytes) -> Headers:
    return {"X-Goog-Channel-Token": SECRET}


CASES = {
    "todoist": Case(
        "todoist",
        json.dumps({"event_name": "item:updated",
                    "event_data": {"id": "42", "project_id": "p1"}}).encode(),
        lambda b: {"X-Todoist-Hmac-SHA256": todoist_signature(b, SECRET)},
        {"X-Todoist-Hmac-SHA256": todoist_signature(b"other", SECRET)},
        [b"not json", b"[]", b'{"event_data": {}}',
         b'{"event_name": "item:updated", "event_data": [1, 2]}',
         b'{"event_name": "item:updated", "event_data": null}',
         b'{"event_name": "item:added", "event_data": {"id": {"nested": 1}}}',
         b'{"event_name": "item:added", "event_data": {"id": "1", "project_id": [1]}}'],
        {}),
    "jira": Case(
        "jira",
        json.dumps({"webhookEvent": "jira:issue_updated",
                    "issue": {"id": "10001", "fields": {"project": {"key": "OPS"}}}}).encode(),
        lambda b: {"X-Hub-Signature": jira_signature(b, SECRET)},
        {"X-Hub-Signature": "sha256=" + "0" * 64},
        [b"not json", b"[1]", b'{"issue": {}}', b'{"webhookEvent": 7}',
         b'{"webhookEvent": "jira:issue_updated", "issue": [1]}',
         b'{"webhookEvent": "jira:issue_updated", "issue": {"fields": {"project": null}}}',
         b'{"webhookEvent": "jira:issue_updated", "issue": {"fields": "x"}}',
         b'{"webhookEvent": "jira:issue_updated", "issue": {"id": ["a"]}}'],
        {"X-Atlassian-Webhook-Identifier": "d-1"}),
    "notion": Case(
        "notion",
        json.dumps({"id": "evt-1", "type": "page.properties_updated",
                    "entity": {"id": "page-1", "type": "page"},
                    "data": {"parent": {"id": "db-1", "type": "database"}}}).encode(),
        lambda b: {"X-Notion-Signature": notion_signature(b, SECRET)},
        {"X-Notion-Signature": notion_signature(b"other", SECRET)},
        [b"not json", b'"text"', b"[]",
         b'{"type": "page.created", "entity": "page-1"}',
         b'{"type": "page.created", "data": {"parent": null}}',
         b'{"type": "page.created", "data": [1]}',
         b'{"type": "page.created", "entity": {"id": 5}}'],
        {}),
    "gcal": Case(
        "gcal", b"", _gcal_sign, {"X-Goog-Channel-Token": "not-the-token"},
        [b""],  # signed, but no X-Goog-Resource-State: see the header below
        {"X-Goog-Channel-ID": "ch-1", "X-Goog-Message-Number": "2",
         "X-Goog-Resource-ID": "res-1"}),
}


def make(service: str) -> tuple[TestClient, Scheduler, Metrics]:
    sched = Scheduler(run_round=lambda f: "ok", intervals={"work": 600, "other": 600},
                      rng=random.Random(0))
    for fs in sched.flows.values():
        fs.next_due = 1e12  # nothing due until a notice says so
    parse = load_factory(service).parse_webhook  # type: ignore[attr-defined]

    def bound(headers: Mapping[str, str], body: bytes) -> list:  # type: ignore[type-arg]
        return parse(headers, body, SECRET)  # type: ignore[no-any-return]

    metrics = Metrics()
    state = WebState(scheduler=sched, metrics=metrics, parsers={"conn": (service, bound)},
                     flows_by_connection={"conn": ["work"]}, flow_info=lambda: [],
                     ready=lambda: True, token="status-token-xyz")
    return TestClient(create_app(state), base_url="http://127.0.0.1"), sched, metrics


def post(client: TestClient, case: Case, body: bytes, headers: Headers) -> int:
    h = {**case.extra, **headers}
    if case.service == "gcal" and "X-Goog-Resource-State" not in h and body == case.good:
        h["X-Goog-Resource-State"] = "exists"
    return client.post("/webhooks/conn", content=body, headers=h).status_code


def notices(metrics: Metrics, service: str, result: str) -> float | None:
    return metrics.registry.get_sample_value("synchub_webhook_notices_total",
                                             {"service": service, "result": result})


def nothing_due(sched: Scheduler) -> bool:
    return sched.due() == []


@pytest.mark.parametrize("service", sorted(CASES))
def test_good_signature_is_accepted_and_makes_the_flow_due(service: str) -> None:
    case = CASES[service]
    client, sched, metrics = make(service)
    resp = client.post("/webhooks/conn", content=case.good, headers={
        **case.extra, **case.sign(case.good),
        **({"X-Goog-Resource-State": "exists"} if service == "gcal" else {})})
    assert resp.status_code in (200, 202)
    assert resp.json() == {"accepted": 1}
    assert sched.due() == ["work"]  # only the flow that uses this connection
    assert notices(metrics, service, "accepted") == 1


@pytest.mark.parametrize("service", sorted(CASES))
def test_bad_signature_is_401_and_syncs_nothing(service: str) -> None:
    case = CASES[service]
    client, sched, metrics = make(service)
    assert post(client, case, case.good, case.forged) == 401
    assert nothing_due(sched)
    assert notices(metrics, service, "rejected_401") == 1


@pytest.mark.parametrize("service", sorted(CASES))
def test_missing_signature_is_401_and_syncs_nothing(service: str) -> None:
    case = CASES[service]
    client, sched, _ = make(service)
    assert post(client, case, case.good, {}) == 401
    assert nothing_due(sched)


@pytest.mark.parametrize(("service", "body"), [
    (s, b) for s in sorted(CASES) for b in CASES[s].malformed])
def test_signed_but_malformed_body_is_400_and_syncs_nothing(service: str, body: bytes) -> None:
    case = CASES[service]
    client, sched, metrics = make(service)
    headers = {**case.extra, **case.sign(body)}
    if service == "gcal":
        headers["X-Goog-Resource-State"] = "bogus"
    resp = client.post("/webhooks/conn", content=body, headers=headers)
    assert resp.status_code == 400
    assert "malformed" in resp.text or "X-Goog-Resource-State" in resp.text
    assert len(resp.text) < 200  # a short reason, not a traceback
    assert nothing_due(sched)
    assert notices(metrics, service, "rejected_400") == 1


@pytest.mark.parametrize("service", sorted(CASES))
def test_oversized_body_is_413_and_syncs_nothing(service: str) -> None:
    case = CASES[service]
    client, sched, _ = make(service)
    body = b"{" + b" " * MAX_BODY + b"}"
    assert post(client, case, body, case.sign(body)) == 413
    assert nothing_due(sched)


def test_oversized_body_without_a_declared_length_is_413() -> None:
    """A chunked body has no Content-Length: it is cut off at the limit, not read whole."""
    case = CASES["todoist"]
    client, sched, _ = make("todoist")
    body = b"{" + b" " * MAX_BODY + b"}"

    def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    resp = client.post("/webhooks/conn", content=chunks(), headers=case.sign(body))
    assert resp.status_code == 413
    assert nothing_due(sched)


def test_unsigned_malformed_notion_body_is_401_not_400() -> None:
    """The signature is checked before the body is parsed."""
    client, sched, _ = make("notion")
    for body in (b"not json", b"[]", b'{"entity": "x"}'):
        assert client.post("/webhooks/conn", content=body).status_code == 401
    assert nothing_due(sched)


def test_notion_handshake_is_only_accepted_unsigned_while_no_secret_is_set() -> None:
    parse = load_factory("notion").parse_webhook  # type: ignore[attr-defined]
    handshake = json.dumps({"verification_token": "secret_abc"}).encode()
    assert parse({}, handshake, None) == []
    from adapters.base import WebhookRejected

    for body in (b"not json", b"[]", b'{"type": "page.created"}'):
        with pytest.raises(WebhookRejected) as err:
            parse({}, body, None)
        assert err.value.status == 401
    with pytest.raises(WebhookRejected) as err:
        parse({}, handshake, SECRET)  # once a secret is set, unsigned is refused
    assert err.value.status == 401


@pytest.mark.parametrize("service", sorted(CASES))
def test_non_ascii_signature_header_is_401_not_500(service: str) -> None:
    case = CASES[service]
    client, sched, _ = make(service)
    name = next(iter(case.forged))
    resp = client.post("/webhooks/conn", content=case.good,
                       headers={**case.extra, name: "sig-\u00e9".encode("latin-1")})
    assert resp.status_code == 401
    assert nothing_due(sched)
