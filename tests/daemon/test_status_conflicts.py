"""The status page's chart of rounds and its conflict forms, over HTTP (Starlette's test
client against the daemon's real app and store; rounds run by calling the daemon directly)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub.daemon import admin as adm
from hub.daemon.chart import points, section
from hub.daemon.web import create_app
from hub.errors import ConfigError
from hub.store.base import RunRecord
from tests.support.conflict_daemon import ADMIN, Setup, conflicted

SAME = {"origin": "http://127.0.0.1"}


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    s = conflicted(tmp_path)
    yield s
    s.daemon.rt.close()


def client(s: Setup) -> TestClient:
    return TestClient(create_app(s.daemon.web_state()), base_url="http://127.0.0.1")


def logged_in(s: Setup) -> tuple[TestClient, str]:
    """A client holding an admin session, and the CSRF token its page carries."""
    c = client(s)
    r = c.post("/login", data={"admin_token": ADMIN}, headers=SAME, follow_redirects=False)
    assert r.status_code == 303 and adm.COOKIE in c.cookies
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and ADMIN not in cookie
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', c.get("/").text)
    assert match
    return c, match.group(1)


def test_chart_shows_writes_and_errors_per_round(setup: Setup) -> None:
    page = client(setup).get("/")
    assert page.status_code == 200
    svg = re.search(r'<svg class="runs"[^>]*>.*?</svg>', page.text, re.S)
    assert svg
    # oldest first: round 1 copied the item (1 write), round 2 queued the conflict (0)
    assert re.findall(r'data-writes="(\d+)"', svg.group(0)) == ["1", "0"]
    assert re.findall(r'data-errors="(\d+)"', svg.group(0)) == ["0", "0"]
    label = "work: last 2 rounds, 1 writes and 0 errors in all; latest round 0 writes, 0 errors"
    assert f'aria-label="{label}"' in svg.group(0) and f"<title>{label}</title>" in svg.group(0)
    assert re.search(r"<td>ok</td><td>1</td><td>0</td></tr></tbody>", page.text)  # the table
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script, none needed
    assert "<script" not in page.text and "http://" not in page.text.replace(
        "http://www.w3.org/2000/svg", "")  # nothing fetched from anywhere


def test_chart_counts_a_crashed_round_as_an_error() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    runs = [RunRecord(3, "w", at, status="running"),
            RunRecord(2, "w", at, at, "crashed", {}),
            RunRecord(1, "w", at, at, "partial", {"writes": 4, "errors": 2})]
    assert [(p.run_id, p.writes, p.errors) for p in points(runs)] == [(1, 4, 2), (2, 0, 1)]
    assert 'data-writes="4"' in section([("w", runs)])
    assert "no finished rounds yet" in section([("w", [])])


def test_conflicts_listed_with_login_but_no_form_before_login(setup: Setup) -> None:
    page = client(setup).get("/").text
    assert 'id="conflict-1"' in page and "title from x" in page and "title from y" in page
    assert 'id="login"' in page and 'class="resolve"' not in page and 'name="csrf"' not in page
    assert ADMIN not in page


def test_logged_in_page_has_a_form_per_conflict_and_no_secret(setup: Setup) -> None:
    c, _ = logged_in(setup)
    page = c.get("/").text
    assert 'action="/conflicts/1/resolve"' in page
    assert 'value="x"' in page and 'value="y"' in page
    assert ADMIN not in page and 'http-equiv="refresh"' not in page  # no refresh mid-choice


def test_resolve_without_a_session_is_403(setup: Setup) -> None:
    r = client(setup).post("/conflicts/1/resolve", data={"use": "x", "csrf": "0" * 64},
                           headers=SAME)
    assert r.status_code == 403 and "log in" in r.text
    assert len(setup.daemon.store.conflicts("work")) == 1


def test_wrong_admin_token_is_403(setup: Setup) -> None:
    r = client(setup).post("/login", data={"admin_token": "guess"}, headers=SAME)
    assert r.status_code == 403 and adm.COOKIE not in r.headers.get("set-cookie", "")


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "not-hex"])
def test_session_without_the_right_csrf_token_is_403(setup: Setup, csrf: str | None) -> None:
    c, _ = logged_in(setup)
    data = {"use": "x"} | ({"csrf": csrf} if csrf is not None else {})
    r = c.post("/conflicts/1/resolve", data=data, headers=SAME)
    assert r.status_code == 403 and "CSRF" in r.text
    assert len(setup.daemon.store.conflicts("work")) == 1


def test_a_csrf_token_of_another_session_is_refused(setup: Setup) -> None:
    _, other = logged_in(setup)
    c, _ = logged_in(setup)
    r = c.post("/conflicts/1/resolve", data={"use": "x", "csrf": other}, headers=SAME)
    assert r.status_code == 403


@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"}, {"origin": "null"}, {},
    {"referer": "http://evil.example/page"}, {"origin": "http://127.0.0.1.evil.example"}])
def test_cross_site_post_is_403(setup: Setup, headers: dict[str, str]) -> None:
    c, csrf = logged_in(setup)
    r = c.post("/conflicts/1/resolve", data={"use": "x", "csrf": csrf}, headers=headers)
    assert r.status_code == 403 and "cross-site" in r.text
    assert len(setup.daemon.store.conflicts("work")) == 1
    assert client(setup).post("/login", data={"admin_token": ADMIN},
                              headers=headers).status_code == 403  # no login CSRF either


def test_good_request_resolves_and_the_next_round_applies_it(setup: Setup) -> None:
    c, csrf = logged_in(setup)
    r = c.post("/conflicts/1/resolve", data={"use": "y", "csrf": csrf},
               headers={"referer": "http://127.0.0.1/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert setup.daemon.store.conflicts("work") == []
    (done,) = setup.daemon.store.conflicts("work", open_only=False)
    assert done.resolved_with == "y"
    assert setup.daemon.scheduler.flows["work"].next_due <= setup.daemon.scheduler.clock()
    setup.daemon.run_round("work")
    assert setup.a.live()[setup.refs[0]].title == "title from y"
    assert setup.b.live()[setup.refs[1]].title == "title from y"
    assert "No open conflicts." in c.get("/").text


def test_unknown_endpoint_or_conflict_is_400_not_500(setup: Setup) -> None:
    c, csrf = logged_in(setup)
    r = c.post("/conflicts/1/resolve", data={"use": "z", "csrf": csrf}, headers=SAME)
    assert r.status_code == 400 and "choose one of x, y" in r.text
    r = c.post("/conflicts/99/resolve", data={"use": "x", "csrf": csrf}, headers=SAME)
    assert r.status_code == 400 and "no open conflict with id 99" in r.text


def test_logout_ends_the_session(setup: Setup) -> None:
    c, csrf = logged_in(setup)
    r = c.post("/logout", data={"csrf": csrf}, headers=SAME, follow_redirects=False)
    assert r.status_code == 303 and "Max-Age=0" in r.headers["set-cookie"]
    assert 'id="login"' in c.get("/").text


def test_without_an_admin_token_no_forms_and_post_is_403(tmp_path: Path) -> None:
    s = conflicted(tmp_path, admin=None)
    try:
        c = client(s)
        page = c.get("/").text
        assert 'id="conflict-1"' in page and "<form" not in page
        assert "daemon.admin_token" in page
        for path in ("/login", "/conflicts/1/resolve"):
            r = c.post(path, data={"admin_token": "x", "use": "x"}, headers=SAME)
            assert r.status_code == 403 and "set daemon.admin_token" in r.text
    finally:
        s.daemon.rt.close()


def test_the_admin_token_is_kept_out_of_logs(setup: Setup, caplog: pytest.LogCaptureFixture
                                             ) -> None:
    caplog.set_level(logging.INFO, "synchub")
    c, csrf = logged_in(setup)
    c.post("/login", data={"admin_token": ADMIN + "x"}, headers=SAME)
    c.post("/conflicts/1/resolve", data={"use": "x", "csrf": csrf}, headers=SAME)
    assert "/login refused (403): wrong admin token" in caplog.text
    assert "resolved with x" in caplog.text
    assert ADMIN not in caplog.text and csrf not in caplog.text
    assert setup.daemon.rt.redact(f"t={ADMIN}") == "t=***"


def test_an_admin_session_also_reads_a_token_protected_page(tmp_path: Path) -> None:
    s = conflicted(tmp_path, token="read-token-0123")
    try:
        c = client(s)
        assert c.get("/").status_code == 401
        page = c.get("/?token=read-token-0123").text  # the forms carry the token on
        assert 'action="/login?token=read-token-0123"' in page
        r = c.post("/login?token=read-token-0123", data={"admin_token": ADMIN}, headers=SAME,
                   follow_redirects=False)
        assert r.headers["location"] == "/"  # the read token is not echoed in a redirect
        assert c.get("/").status_code == 200 and c.get("/status.json").status_code == 200
    finally:
        s.daemon.rt.close()


def test_a_short_admin_token_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        conflicted(tmp_path, admin="short-one")
    assert "at least 16 characters" in str(exc.value) and "short-one" not in str(exc.value)


# -- found in review --------------------------------------------------------------------------

def _seen(page: str) -> str:
    match = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def test_a_choice_made_on_values_a_round_changed_since_is_refused(setup: Setup) -> None:
    """The page shows x = "title from x"; x is edited again and a round rewrites the
    conflict's values: the form's choice must not apply a value nobody saw."""
    c, csrf = logged_in(setup)
    seen = _seen(c.get("/").text)
    setup.a.user_edit(setup.refs[0], title="changed later at x")
    setup.daemon.run_round("work")
    r = c.post("/conflicts/1/resolve", data={"use": "x", "csrf": csrf, "seen": seen},
               headers=SAME, follow_redirects=False)
    assert r.status_code == 409 and "reload" in r.text
    assert setup.daemon.store.conflicts("work")  # still open
    r = c.post("/conflicts/1/resolve", data={"use": "x", "csrf": csrf,
                                             "seen": _seen(c.get("/").text)},
               headers=SAME, follow_redirects=False)
    assert r.status_code == 303 and setup.daemon.store.conflicts("work") == []


def test_a_logged_out_or_expired_session_is_refused_even_replayed(setup: Setup) -> None:
    c, csrf = logged_in(setup)
    cookie = c.cookies[adm.COOKIE]
    c.post("/logout", data={"csrf": csrf}, headers=SAME, follow_redirects=False)
    thief = client(setup)
    thief.cookies.set(adm.COOKIE, cookie)
    r = thief.post("/conflicts/1/resolve", data={"use": "x", "csrf": csrf}, headers=SAME)
    assert r.status_code == 403 and setup.daemon.store.conflicts("work")
    admin = adm.Admin(token=ADMIN, clock=lambda: 1_000_000.0)
    value = admin.login(ADMIN)
    assert value is not None and admin.session({adm.COOKIE: value}) is not None
    admin.clock = lambda: 1_000_000.0 + adm.SESSION_HOURS * 3600 + 1
    assert admin.session({adm.COOKIE: value}) is None  # expired on the server, not only


def test_an_id_too_long_to_be_one_is_404_not_500(setup: Setup) -> None:
    c, csrf = logged_in(setup)
    for raw in ("9" * 5000, "1e3", "-1"):
        r = c.post(f"/conflicts/{raw}/resolve", data={"use": "x", "csrf": csrf}, headers=SAME)
        assert r.status_code == 404, raw


def test_a_secret_cut_on_the_page_is_still_masked() -> None:
    from hub.daemon.conflicts_page import ConflictsState, render

    secret = "s3cr3t-" * 5
    state = ConflictsState(rows=lambda: [{"id": 1, "flow": "f", "title": "t", "field": "title",
                                          "values": {"x": "A" * 100 + secret}}],
                           redact=lambda s: s.replace(secret, "***"))
    page = render(state, {})
    assert secret[:12] not in page and "***" in page


def test_a_conflict_of_a_flow_this_daemon_does_not_run_is_not_resolved_here(setup: Setup
                                                                            ) -> None:
    import contextlib

    from hub.errors import UsageError
    from hub.round.conflicts import resolve_open

    with pytest.raises(UsageError, match="no open conflict with id 1"):
        resolve_open(setup.daemon.store, 1, "x", lambda flow: contextlib.nullcontext(),
                     flows=["another"])
    assert setup.daemon.store.conflicts("work")
