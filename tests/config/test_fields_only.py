"""`fields:` maps values and never restricts; `only:` restricts (issue 13: listing status under
Jira's `fields:` to give it a value map once stopped the summary from syncing, and every create
failed with "summary is required")."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.memory import get_service
from hub.cli.main import app
from hub.config.build import endpoint_context
from hub.config.loader import format_config_error, load_config
from hub.errors import ConfigError
from hub.model import Item, Status, StatusKind


def config(tmp_path: Path, endpoint_a: str, tag: str = "fo") -> Path:
    path = tmp_path / "synchub.yaml"
    path.write_text(textwrap.dedent(f"""\
        state: {{url: "sqlite:///state.db"}}
        connections:
          ca: {{type: memory, service: a-{tag}}}
          cb: {{type: memory, service: b-{tag}}}
        flows:
          work:
            endpoints:
              a:
                connection: ca
        """) + textwrap.indent(textwrap.dedent(endpoint_a), " " * 8)
        + "      b: {connection: cb}\n")
    path.chmod(0o600)
    return path


def test_a_value_map_alone_leaves_every_field_syncing(tmp_path: Path) -> None:
    loaded = load_config(config(tmp_path, """\
        fields:
          status: {map: {Open: open, Done: done}}
        """), environ={})
    ctx = endpoint_context(loaded, "work", "a")
    assert ctx.fields is None  # every field the adapter supports
    assert ctx.value_maps["status"].to_canonical == {"Open": "open", "Done": "done"}


def test_only_restricts_and_keeps_the_mapping(tmp_path: Path) -> None:
    loaded = load_config(config(tmp_path, """\
        only: [title, status]
        fields:
          status: {map: {Open: open, Done: done}}
        """), environ={})
    ctx = endpoint_context(loaded, "work", "a")
    assert ctx.fields == frozenset({"title", "status"})
    assert "status" in ctx.value_maps


def test_an_old_style_restriction_is_refused_with_the_line_and_the_replacement(
        tmp_path: Path) -> None:
    path = config(tmp_path, """\
        fields:
          title: {}
          due: {}
          status: {map: {Open: open, Done: done}}
        """)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    text = format_config_error(info.value)
    assert f"{path}:10:9: flows.work.endpoints.a.fields" in text
    assert "an empty rule (title: {}, due: {}) maps nothing" in text
    assert "`only: [title, due, status]`" in text


@pytest.mark.parametrize(("only", "message"), [
    ("[title, bogus]", "unknown field(s) bogus"),
    ("[]", "`only: []` syncs nothing"),
])
def test_bad_only_lists_are_named(tmp_path: Path, only: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(config(tmp_path, f"only: {only}\n"), environ={})
    text = format_config_error(info.value)
    assert "flows.work.endpoints.a.only" in text and message in text


def test_a_mapped_endpoint_gets_titles_and_an_only_endpoint_just_its_fields(
        tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    path = config(tmp_path, """\
        only: [title, status]
        fields:
          status: {map: {Open: open, Done: done}}
        """, tag=tag)
    b = get_service(f"b-{tag}")
    b.user_create(Item(title="from b", priority=4, labels=["x"],
                       status=Status(kind=StatusKind.OPEN)))
    result = CliRunner().invoke(app, ["sync", "--config", str(path)])
    assert result.exit_code == 0, result.output
    [copy] = get_service(f"a-{tag}").live().values()
    assert copy.title == "from b"
    assert copy.priority is None and copy.labels == ()  # not in `only`: not written to a
