"""The ``retry`` section: how a request failing for a passing reason is sent again within a
round, for the CLI and the daemon alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.loader import load_config
from hub.errors import ConfigError
from hub.round.calls import RetryPolicy

BASE = ("connections:\n  a: {type: memory, service: retry-a}\n"
        "  b: {type: memory, service: retry-b}\n"
        "flows:\n  work:\n    endpoints: {x: {connection: a}, y: {connection: b}}\n")


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "synchub.yaml"
    path.write_text(extra + BASE)
    path.chmod(0o600)
    return path


def test_defaults_are_four_tries_from_half_a_second(tmp_path: Path) -> None:
    policy = RetryPolicy.from_config(load_config(write(tmp_path, "")).config.retry)
    assert (policy.attempts, policy.base_delay, policy.max_delay) == (4, 0.5, 30.0)


def test_the_section_sets_the_policy(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "retry: {attempts: 2, first_wait: 0.05s, max_wait: 2s}\n"))
    sleeps: list[float] = []
    policy = RetryPolicy.from_config(cfg.config.retry, sleep=sleeps.append)
    assert (policy.attempts, policy.base_delay, policy.max_delay) == (2, 0.05, 2.0)
    assert policy.sleep == sleeps.append


@pytest.mark.parametrize(("section", "key"), [
    ("retry: {attempts: 0}\n", "retry.attempts"),
    ("retry: {first_wait: -1s}\n", "retry.first_wait"),
    ("retry: {tries: 3}\n", "retry.tries"),
])
def test_a_bad_value_is_named_with_its_line(tmp_path: Path, section: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, section))
    text = str(err.value)
    assert key in text and ":1" in text, text
