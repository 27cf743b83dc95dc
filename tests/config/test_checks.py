"""Each named check of :mod:`hub.config.checks` on its own (plain data, no file)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from hub.config import checks
from hub.config.models import EndpointConfig, FieldRule
from hub.errors import ConfigProblem

F = "synchub.yaml"


def pyd(exc: ValidationError, doc: Any, file: str, prefix: checks.Loc,
        model: type[BaseModel]) -> list[ConfigProblem]:
    return [ConfigProblem(f"{model.__name__}: {e['type']}", file, None, None,
                          ".".join(map(str, prefix))) for e in exc.errors()]


def messages(problems: list[ConfigProblem]) -> list[str]:
    return [p.message for p in problems]


def test_entries_ignore_what_is_not_a_mapping() -> None:
    assert list(checks._entries({"a": {"x": 1}}, "a")) == [("x", 1)]
    assert list(checks._entries({"a": [1]}, "a")) == []
    assert list(checks._entries(None, "a")) == []


def test_connection_problems_name_unknown_adapters_and_bad_settings() -> None:
    data = {"connections": {"m": {"type": "memory", "service": "s"},
                            "bad": {"type": "memory", "nope": 1},
                            "x": {"type": "no-such-adapter"}, "broken": "text"}}
    problems, conns, factories = checks._connection_problems(data, data, F, pyd)
    assert set(conns) == {"m"} and set(factories) == {"m", "bad"}
    found = messages(problems)
    assert found[0] == "MemoryConnection: extra_forbidden"
    assert "unknown adapter type 'no-such-adapter'" in found[1]
    assert problems[1].path == "connections.x.type"


def test_endpoint_hook_runs_the_adapters_own_check() -> None:
    from adapters.base import load_factory

    jira = load_factory("jira")
    path: checks.Loc = ("flows", "f", "endpoints", "j")
    found = checks._endpoint_hook(jira, {"connection": "j"}, {}, F, path)
    assert messages(found) == ["creating Jira issues needs options.project",
                               "creating Jira issues needs options.issue_type"]
    assert found[0].path == "flows.f.endpoints.j"
    assert checks._endpoint_hook(load_factory("memory"), {"connection": "m"}, {}, F, path) == []
    assert checks._endpoint_hook(jira, {"connection": "j", "nope": 1}, {}, F, path) == []


def test_adapter_problems_check_scopes_with_the_adapters_model() -> None:
    data = {"connections": {"m": {"type": "memory"}},
            "flows": {"f": {"endpoints": {"a": {"connection": "m", "scope": {"label": "a"}},
                                          "b": {"connection": "m", "scope": {"bad": 1}},
                                          "c": {"connection": "undefined"}}}}}
    problems, conns, scopes = checks.adapter_problems(data, data, F, pyd)
    assert set(conns) == {"m"} and set(scopes) == {("f", "a")}
    assert messages(problems) == ["MemoryScope: extra_forbidden"]
    assert problems[0].path == "flows.f.endpoints.b.scope"


def ep(connection: str = "m", **kw: Any) -> EndpointConfig:
    return EndpointConfig(connection=connection, **kw)


def test_cross_checks_undefined_connections_with_did_you_mean() -> None:
    found = checks.cross_checks({"f": {"a": ep("mem")}}, ["mem2", "other"], {}, F)
    assert messages(found) == ["connection 'mem' is not defined under `connections:`; did you "
                               "mean 'mem2'?"]
    assert found[0].path == "flows.f.endpoints.a.connection"


def test_shared_targets_two_flows_writing_the_same_items() -> None:
    flows = {"f1": {"a": ep(scope={"label": "x"})},
             "f2": {"b": ep(scope={"label": "x"}), "c": ep(scope={"label": "y"})},
             "f3": {"d": ep(scope={"label": "x"}, read_only=True)}}
    [problem] = checks._shared_targets(flows, {}, F)
    assert problem.message.startswith("flows 'f1' (endpoint a) and 'f2' (endpoint b) both "
                                      "write all fields of the same items of connection 'm'")
    assert problem.path == "flows.f2.endpoints.b"


def test_shared_targets_with_disjoint_fields_are_fine() -> None:
    flows = {"f1": {"a": ep(only=("title",))},
             "f2": {"b": ep(only=("priority",), fields={"priority": FieldRule(target="P")})}}
    assert checks._shared_targets(flows, {}, F) == []
    flows["f2"]["b"] = ep(only=("priority", "title"))
    assert "both write title of" in checks._shared_targets(flows, {}, F)[0].message


def test_status_map_values_are_status_kinds_one_to_one_unless_write_says() -> None:
    bad = FieldRule(map={"To Do": "open", "Doing": "started"})
    assert checks._status_map(bad) == ["unknown status 'started'; use open, in_progress, "
                                       "done, cancelled"]
    many = FieldRule(map={"To Do": "open", "Backlog": "open"})
    assert "not one-to-one" in checks._status_map(many)[0]
    chosen = FieldRule(map={"To Do": "open", "Backlog": "open"}, write={"open": "To Do"})
    assert checks._status_map(chosen) == []


def test_priority_map_values_are_1_to_4() -> None:
    assert checks._priority_map(FieldRule(map={"High": 4, "Low": 1})) == []
    assert checks._priority_map(FieldRule(map={"High": 5, "Low": 0})) == [
        "priority values must be 1..4 (4 = most urgent), not 0, 5"]


def test_value_map_problems_locate_the_map() -> None:
    path: checks.Loc = ("flows", "f", "endpoints", "a", "fields", "priority")
    [p] = checks._value_map_problems({}, F, path, "priority", FieldRule(map={"x": 9}))
    assert p.path == "flows.f.endpoints.a.fields.priority.map" and p.file == F
    assert checks._value_map_problems({}, F, path, "title", FieldRule(map={"x": 9})) == []
