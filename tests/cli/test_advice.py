"""Advice, exit codes, redaction and log formatting: where errors meet people."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import BaseModel, SecretStr

from hub.cli.advice import (
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_REFUSED,
    EXIT_STATE,
    advice,
    worst,
)
from hub.daemon.logs import setup_logging
from hub.errors import (
    AuthError,
    ConfigError,
    ConfigProblem,
    MassChangeRefused,
    RateLimited,
    StateError,
    Transient,
)
from hub.redact import Redactor, collect_secrets


@pytest.mark.parametrize(("err", "code"), [
    (ConfigError("bad"), EXIT_CONFIG),
    (StateError("newer schema"), EXIT_STATE),
    (AuthError("401", service="jira"), EXIT_AUTH),
    (MassChangeRefused("f", 0.9, 0.5, {"deleted": 9}), EXIT_REFUSED),
    (RateLimited(retry_after=3), EXIT_PARTIAL),
    (Transient("503"), EXIT_PARTIAL),
    (ValueError("bug"), EXIT_INTERNAL),
])
def test_every_error_class_has_an_exit_code_and_advice(err: BaseException, code: int) -> None:
    got, text = advice(err)
    assert got == code and text.endswith(".")


def test_worst_exit_code_wins() -> None:
    assert worst([EXIT_OK, EXIT_PARTIAL, EXIT_AUTH]) == EXIT_AUTH
    assert worst([]) == EXIT_OK


def test_config_error_lists_every_problem_with_location() -> None:
    err = ConfigError([ConfigProblem("unknown key 'intervl'", "s.yaml", 4, 5, "flows.a"),
                       ConfigProblem("bad zone", "s.yaml", 2, None, "timezone")])
    text = str(err)
    assert "2 problems" in text
    assert "s.yaml:4:5: flows.a: unknown key 'intervl'" in text
    assert "s.yaml:2: timezone: bad zone" in text


class Conn(BaseModel):
    model_config = {"extra": "allow"}
    url: str
    token: SecretStr


def test_secrets_are_collected_and_masked() -> None:
    cfg = {"jira": Conn(url="https://x", token=SecretStr("tok-123456"), client_secret="cs-9999")}
    secrets = collect_secrets(cfg)
    assert secrets == {"tok-123456", "cs-9999"}
    redact = Redactor(secrets)
    assert redact("401 for token tok-123456 and cs-9999") == "401 for token *** and ***"


def test_logs_are_json_off_terminal_and_redacted() -> None:
    stream = io.StringIO()
    setup_logging("INFO", "auto", Redactor({"tok-123456"}), stream=stream)
    logging.getLogger("synchub.test").info("calling with %s", "tok-123456",
                                           extra={"flow": "work"})
    line = json.loads(stream.getvalue())
    assert line["msg"] == "calling with ***" and line["flow"] == "work"
    assert line["level"] == "info"
