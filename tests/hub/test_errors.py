"""Retry-After parsing shared by every adapter's error table."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from hub.errors import retry_after_seconds


@pytest.mark.parametrize(("header", "expected"), [
    ("42", 42.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0),
    (None, 9.0), ("", 9.0), ("soon", 9.0), ("Mon, 99 Foo 2026 00:00:00 GMT", 9.0),
])
def test_delta_seconds_and_unreadable_values(header: str | None, expected: float) -> None:
    assert retry_after_seconds(header, 9.0) == expected


def test_http_date_is_read_as_the_time_left_until_then() -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    seconds = retry_after_seconds(email.utils.format_datetime(when, usegmt=True), 9.0)
    assert 100 <= seconds <= 120  # the header has whole seconds; the test takes a moment


def test_an_http_date_in_the_past_means_now() -> None:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert retry_after_seconds(email.utils.format_datetime(when, usegmt=True), 9.0) == 0.0


def test_a_secret_is_masked_also_when_percent_encoded() -> None:
    from hub.redact import MASK, Redactor

    redact = Redactor(["a+b/c=d-token"])
    line = ("GET /status?token=a%2Bb%2Fc%3Dd-token HTTP/1.1 and a+b/c=d-token "
            "and a%2Bb%2Fc%3Dd-token")
    assert redact(line).count(MASK) == 3 and "token=" + MASK in redact(line)
