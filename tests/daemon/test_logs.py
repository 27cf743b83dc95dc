"""Structured logs with secrets masked everywhere a record carries text: message, traceback,
``extra`` fields, and uvicorn's own loggers (which must come out as JSON too)."""

from __future__ import annotations

import io
import json
import logging
import random
from typing import Any

import pytest

from hub.daemon.logs import UVICORN_LOGGERS, setup_logging
from hub.daemon.scheduler import Scheduler
from hub.redact import Redactor

TOKEN = "tok-daemon-5f2a9c"


@pytest.fixture(autouse=True)
def _restore(restore_loggers: None) -> None:
    pass


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def json_logs(level: str = "INFO") -> io.StringIO:
    stream = io.StringIO()
    setup_logging(level, "auto", Redactor({TOKEN}), stream=stream)
    return stream


def test_traceback_is_masked() -> None:
    stream = json_logs()
    try:
        raise RuntimeError(f"401 for Authorization: Bearer {TOKEN}")
    except RuntimeError:
        logging.getLogger("synchub.test").exception("request failed")
    (line,) = lines(stream)
    assert "RuntimeError" in line["exc"] and "Bearer ***" in line["exc"]
    assert TOKEN not in stream.getvalue()


def test_extra_fields_are_masked() -> None:
    class Url:
        def __str__(self) -> str:
            return f"https://example.test/?token={TOKEN}"

    stream = json_logs()
    logging.getLogger("synchub.test").info(
        "sent", extra={"url": f"https://x/?token={TOKEN}", "target": Url(), "count": 3})
    (line,) = lines(stream)
    assert line["url"] == "https://x/?token=***"
    assert line["target"] == "https://example.test/?token=***"
    assert line["count"] == 3
    assert TOKEN not in stream.getvalue()


def test_text_format_masks_the_traceback_too() -> None:
    stream = io.StringIO()
    setup_logging("INFO", "text", Redactor({TOKEN}), stream=stream)
    try:
        raise ValueError(TOKEN)
    except ValueError:
        logging.getLogger("synchub.test").exception("failed with %s", TOKEN)
    text = stream.getvalue()
    assert "ValueError: ***" in text and "failed with ***" in text
    assert TOKEN not in text


def test_a_crashed_round_logs_a_masked_traceback() -> None:
    """The daemon token once appeared in ``exc`` when a round crashed."""
    stream = json_logs()

    def run(flow: str) -> str:
        raise ConnectionError(f"cannot reach http://0.0.0.0:8787/?token={TOKEN}")

    s = Scheduler(run_round=run, intervals={"work": 60}, rng=random.Random(0))
    s.flows["work"].next_due = 0
    s.step()
    (line,) = [x for x in lines(stream) if x["logger"] == "synchub.daemon"]
    assert line["level"] == "error" and "ConnectionError" in line["exc"]
    assert "?token=***" in line["exc"]
    assert TOKEN not in stream.getvalue()


@pytest.mark.parametrize("name", UVICORN_LOGGERS)
def test_uvicorn_loggers_are_json_and_masked(name: str) -> None:
    stream = json_logs()
    logging.getLogger(name).warning("GET /?token=%s", TOKEN, extra={"color_message": "\x1b[1m"})
    (line,) = lines(stream)
    assert line["logger"] == name and line["msg"] == "GET /?token=***"
    assert "color_message" not in line


def test_access_lines_only_when_debugging() -> None:
    stream = json_logs("INFO")
    logging.getLogger("uvicorn.access").info("GET /metrics 200")
    assert stream.getvalue() == ""
    stream = json_logs("DEBUG")
    logging.getLogger("uvicorn.access").info("GET /metrics 200")
    assert [x["msg"] for x in lines(stream)] == ["GET /metrics 200"]


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        setup_logging("loud", "json", stream=io.StringIO())
