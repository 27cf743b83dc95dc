"""``notify:`` in the config file: each target kind validated like the rest (unknown keys and
kinds refused, with where they are), and its webhook addresses and SMTP password treated as
secrets: masked in everything synchub prints or logs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hub.config.loader import load_config
from tests.config.test_loader import GOOD, only, write

NOTIFY = GOOD + """\
notify:
  after: 10m
  targets:
    chat: {kind: discord, url: "${DISCORD_HOOK}", events: [failing, recovered]}
    mail:
      kind: email
      host: smtp.example.org
      security: ssl
      username: hub
      password: "${SMTP_PASSWORD}"
      sender: hub@example.org
      to: [ops@example.org]
"""
HOOK = "https://discord.com/api/webhooks/123/abcdefTOKEN"
ENV = {"DISCORD_HOOK": HOOK, "SMTP_PASSWORD": "pw-secret-42"}


def test_targets_load_with_their_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, NOTIFY), environ=ENV).config.notify
    assert cfg.after == dt.timedelta(minutes=10)
    chat, mail = cfg.targets["chat"], cfg.targets["mail"]
    assert chat.kind == "discord" and [e.value for e in chat.events] == ["failing", "recovered"]
    assert chat.min_interval == dt.timedelta(minutes=1)
    assert mail.kind == "email" and mail.smtp_port() == 465


def test_webhook_addresses_and_passwords_are_secrets(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, NOTIFY), environ=ENV)
    assert {HOOK, "pw-secret-42"} <= loaded.secrets()
    assert HOOK not in repr(loaded.config.notify)


def test_an_unknown_key_in_a_target_is_refused_where_it_is(tmp_path: Path) -> None:
    text = NOTIFY.replace("events: [failing, recovered]", "event: [failing]")
    assert "notify.targets.chat" in only(write(tmp_path, text), ENV)


def test_an_unknown_kind_or_event_is_refused(tmp_path: Path) -> None:
    assert "kind" in only(write(tmp_path, NOTIFY.replace("kind: discord", "kind: pager")), ENV)
    bad = only(write(tmp_path, NOTIFY.replace("[failing, recovered]", "[failing, on_fire]")),
               ENV)
    assert "notify.targets.chat" in bad and "'on_fire'" in bad and "'recovered'" in bad


def test_a_webhook_address_must_be_http(tmp_path: Path) -> None:
    assert "https://" in only(write(tmp_path, NOTIFY), {**ENV, "DISCORD_HOOK": "discord.com/x"})


def test_a_webhook_address_inline_in_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    text = NOTIFY.replace('"${DISCORD_HOOK}"', f'"{HOOK}"')
    problem = only(write(tmp_path, text, mode=0o644), ENV)
    assert "notify.targets.chat.url" in problem and "chmod 600" in problem
    assert HOOK not in problem
    load_config(write(tmp_path, text, name="private.yaml"), environ=ENV)  # 0600: accepted


def test_a_target_limited_to_an_unknown_flow_is_refused(tmp_path: Path) -> None:
    text = NOTIFY.replace("events: [failing, recovered]", "flows: [wrok]")
    assert "notify.targets.chat.flows: no flow named wrok; flows: work" in only(
        write(tmp_path, text), ENV)
