"""Every config item of design.md's "Bad input" list: a clear message, file:line, key path."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from hub.config.loader import format_config_error, load_config
from hub.errors import ConfigError

GOOD = """\
timezone: Europe/Berlin
connections:
  mem: {type: memory, service: cfgtest}
flows:
  work:
    interval: 5m
    endpoints:
      a: {connection: mem, scope: {label: a}}
      b: {connection: mem, scope: {label: b}}
"""


def write(tmp_path: Path, text: str, name: str = "synchub.yaml", mode: int = 0o600) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    p.chmod(mode)
    return p


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, environ=environ or {})
    return [str(p) for p in info.value.problems]


def only(path: Path, environ: dict[str, str] | None = None) -> str:
    found = problems(path, environ)
    assert len(found) == 1, found
    return found[0]


def test_a_good_config_loads(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, GOOD), environ={})
    assert list(loaded.config.flows) == ["work"]
    assert loaded.config.flows["work"].interval.total_seconds() == 300
    assert len(loaded.fingerprint) == 64


def test_missing_file(tmp_path: Path) -> None:
    msg = only(tmp_path / "nope.yaml")
    assert "nope.yaml" in msg and "file not found" in msg


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert "is a directory" in only(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    assert "the file is empty" in only(write(tmp_path, "# nothing here\n\n"))


def test_unreadable_file(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD, mode=0o000)
    if os.access(p, os.R_OK):  # root reads anything: make it unreadable another way
        p.unlink()
        p.mkdir()
        p = p / "synchub.yaml"
        p.write_bytes(b"\xff\xfe\x00 not utf-8")
        assert "cannot be read" in only(p)
    else:
        assert "permission denied" in only(p)


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    msg = only(write(tmp_path, "connections:\n  mem: {type: memory\nflows: {}\n"))
    assert "YAML syntax error" in msg and "synchub.yaml:3:" in msg


def test_duplicate_keys_all_reported(tmp_path: Path) -> None:
    text = GOOD.replace("    interval: 5m\n", "    interval: 5m\n    interval: 10m\n")
    msg = only(write(tmp_path, text))
    assert "synchub.yaml:7:5: flows.work.interval: duplicate key 'interval' (first defined on " \
           "line 6)" in msg


def test_unknown_key_with_did_you_mean(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("interval: 5m", "intervall: 5m")))
    assert "synchub.yaml:6:5: flows.work.intervall: unknown key 'intervall'; did you mean " \
           "'interval'?" in msg


def test_wrong_type(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("    interval: 5m\n",
                                            "    interval: 5m\n    mass_change_limit: lots\n")))
    assert "flows.work.mass_change_limit" in msg and "valid number" in msg


def test_bad_enum_lists_the_allowed_values(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("    interval: 5m\n",
                                            "    interval: 5m\n    delete: explode\n")))
    assert "flows.work.delete" in msg and "'propagate', 'complete' or 'unlink'" in msg
    assert "(got 'explode')" in msg


@pytest.mark.parametrize("value", ["0", "-5m", "0s"])
def test_interval_must_be_positive(tmp_path: Path, value: str) -> None:
    msg = only(write(tmp_path, GOOD.replace("interval: 5m", f"interval: {value}")))
    assert "synchub.yaml:6:5: flows.work.interval: interval must be greater than zero" in msg


def test_bad_duration(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("interval: 5m", "interval: five minutes")))
    assert "bad duration 'five minutes'" in msg


def test_a_flows_problems_are_all_reported_in_one_pass(tmp_path: Path) -> None:
    """A bad interval used to hide the flow's cross-key problems until it was fixed."""
    text = GOOD.replace("interval: 5m", "interval: soon\n    conflict: {prefer: c}\n"
                        "    fields: {titel: {owner: a}, due: {owner: z}}\n"
                        "    comments: {skip: [q]}")
    found = problems(write(tmp_path, text))
    joined = "\n".join(found)
    assert len(found) == 5, found
    for part in ("flows.work.interval: bad duration 'soon'",
                 "flows.work.conflict.prefer: conflict prefers 'c'",
                 "flows.work.fields.titel: unknown field 'titel'", "did you mean 'title'",
                 "flows.work.fields.due.owner: field 'due' is owned by unknown endpoint 'z'",
                 "flows.work.comments.skip: comments skip unknown endpoint(s) q"):
        assert part in joined, (part, found)
    assert all(":" in p.split(" ")[0] for p in found)  # each with file:line:column


def test_a_flow_built_outside_the_loader_still_checks_its_keys() -> None:
    from pydantic import ValidationError

    from hub.config.models import FlowConfig

    with pytest.raises(ValidationError, match="unknown field 'titel'"):
        FlowConfig.model_validate({"endpoints": {"a": {"connection": "x"},
                                                 "b": {"connection": "y"}},
                                   "fields": {"titel": {"owner": "a"}}})


def test_bad_time_zone(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("Europe/Berlin", "Europe/Bärlin")))
    assert "synchub.yaml:1:1: timezone: unknown time zone 'Europe/Bärlin'" in msg


def test_malformed_service_id_is_caught_by_the_adapter_model(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("{label: a}", "{label: a, labl: x}")))
    assert "flows.work.endpoints.a.scope.labl: unknown key 'labl'; did you mean 'label'?" in msg


def test_undefined_connection(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("b: {connection: mem,", "b: {connection: mme,")))
    assert "synchub.yaml:9:" in msg
    assert "connection 'mme' is not defined under `connections:`; did you mean 'mem'?" in msg


def test_unknown_adapter_type_lists_installed(tmp_path: Path) -> None:
    msg = only(write(tmp_path, GOOD.replace("type: memory", "type: trello")))
    assert "connections.mem.type: unknown adapter type 'trello'; installed:" in msg
    assert "memory" in msg


def test_two_flows_writing_the_same_target(tmp_path: Path) -> None:
    text = GOOD + textwrap.indent(textwrap.dedent("""\
        home:
          endpoints:
            a: {connection: mem, scope: {label: a}}
            c: {connection: mem, scope: {label: c}}
        """), "  ")
    msg = only(write(tmp_path, text))
    assert "flows 'work' (endpoint a) and 'home' (endpoint a) both write all fields" in msg


def test_status_map_must_be_one_to_one(tmp_path: Path) -> None:
    text = GOOD.replace("a: {connection: mem, scope: {label: a}}", (
        "a:\n        connection: mem\n        scope: {label: a}\n        fields:\n"
        "          status: {map: {Open: open, Done: done, Closed: done}}"))
    msg = only(write(tmp_path, text))
    assert "flows.work.endpoints.a.fields.status.map: the status map is not one-to-one" in msg
    fixed = text.replace("Closed: done}}", "Closed: done}, write: {done: Done}}")
    assert load_config(write(tmp_path, fixed), environ={})


def test_required_target_field_unmapped(tmp_path: Path) -> None:
    from adapters.memory import MemoryAdapterFactory

    def validate_endpoint(self: object, endpoint: object) -> list[str]:
        return ["creating items needs options.project"]

    MemoryAdapterFactory.validate_endpoint = validate_endpoint  # type: ignore[attr-defined]
    try:
        found = problems(write(tmp_path, GOOD))
    finally:
        del MemoryAdapterFactory.validate_endpoint  # type: ignore[attr-defined]
    assert any("flows.work.endpoints.a: creating items needs options.project" in p
               for p in found)


def test_unset_variable_is_named_and_values_never_printed(tmp_path: Path) -> None:
    text = GOOD.replace("service: cfgtest", "service: \"${SVC_NAME}\"")
    msg = only(write(tmp_path, text))
    assert "synchub.yaml:3:" in msg and "environment variable SVC_NAME is not set" in msg
    loaded = load_config(write(tmp_path, text), environ={"SVC_NAME": "from-env"})
    assert loaded.connections["mem"].service == "from-env"  # type: ignore[attr-defined]
    default = text.replace("${SVC_NAME}", "${SVC_NAME:-fallback}")
    assert load_config(write(tmp_path, default),
                       environ={}).connections["mem"].service == "fallback"  # type: ignore[attr-defined]


def test_dotenv_next_to_the_config_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SVC_NAME=from-dotenv\n")
    text = GOOD.replace("service: cfgtest", "service: \"${SVC_NAME}\"")
    p = write(tmp_path, text)
    assert load_config(p, environ={}).connections["mem"].service == "from-dotenv"  # type: ignore[attr-defined]
    assert load_config(p, environ={"SVC_NAME": "env"}).connections["mem"].service == "env"  # type: ignore[attr-defined]


def test_inline_secret_in_a_readable_file(tmp_path: Path) -> None:
    text = GOOD.replace("service: cfgtest", "service: cfgtest, api_token: hunter2-secret")
    msgs = problems(write(tmp_path, text, mode=0o644))
    assert any("a secret is written inline in a file that other users can read" in m
               for m in msgs)
    assert not any("hunter2" in m for m in msgs)  # never echo a secret


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("Europe/Berlin", "Nowhere/Land").replace("interval: 5m", "interval: 0") \
        .replace("b: {connection: mem,", "b: {connection: nope,")
    found = problems(write(tmp_path, text))
    assert len(found) == 3
    assert [f.split(":")[1] for f in found] == ["1", "6", "9"]


def test_rendering_for_people(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, GOOD.replace("interval: 5m", "interval: 0")), environ={})
    text = format_config_error(info.value)
    assert text.startswith("1 problem in the configuration:")
    assert "synchub.yaml:6:5: flows.work.interval: interval must be greater than zero" in text


def test_fingerprint_ignores_intervals_but_not_flow_names(tmp_path: Path) -> None:
    base = load_config(write(tmp_path, GOOD), environ={}).fingerprint
    slower = load_config(write(tmp_path, GOOD.replace("5m", "1h")), environ={}).fingerprint
    renamed = load_config(write(tmp_path, GOOD.replace("  work:", "  job:")), environ={})
    assert base == slower and base != renamed.fingerprint


@pytest.mark.parametrize("mode", ["none", "service_account"])
def test_a_credentials_mode_is_not_taken_for_an_inline_secret(tmp_path: Path, mode: str) -> None:
    """Issue 13: `credentials: none` (a choice of the Google connection, like oauth and
    service_account) was refused in a readable file as "a secret written inline"."""
    extra = ", service_account_file: /k.json" if mode == "service_account" else ""
    text = GOOD.replace("  mem: {type: memory, service: cfgtest}",
                        "  mem: {type: memory, service: cfgtest}\n"
                        f"  cal: {{type: gcal, credentials: {mode}{extra}}}")
    found = [m for m in problems_or_none(write(tmp_path, text, mode=0o644))
             if "secret is written inline" in m]
    assert found == []
    leaky = text.replace(f"credentials: {mode}", f"credentials: {mode}, token_file: x, "
                         "client_secret: hunter2-secret")
    assert any("secret is written inline" in m and "client_secret" in m
               for m in problems_or_none(write(tmp_path, leaky, mode=0o644)))


def problems_or_none(path: Path) -> list[str]:
    try:
        load_config(path, environ={})
    except ConfigError as err:
        return [str(p) for p in err.problems]
    return []
