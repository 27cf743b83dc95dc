"""docs/reference/configuration.md is what ``python -m hub.config.reference`` prints now."""

from __future__ import annotations

import subprocess
import sys

from hub.config import models, reference
from tests.docs.support import DOCS, ROOT

COMMAND = "python -m hub.config.reference > docs/reference/configuration.md"


def test_the_committed_reference_is_current() -> None:
    committed = (DOCS / "reference" / "configuration.md").read_text()
    assert committed == reference.render(), (
        f"docs/reference/configuration.md is out of date with the config models: run `{COMMAND}` "
        "from the repository root and commit the result")


def test_the_module_prints_it() -> None:
    out = subprocess.run([sys.executable, "-m", "hub.config.reference"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out == reference.render()


def test_every_key_of_every_section_is_in_a_table() -> None:
    text = reference.render()
    for section in [*reference.core_sections(), *reference.adapter_sections()]:
        assert f"## {section.title}\n" in text
        for name, info in section.model.model_fields.items():
            assert f"| `{info.alias or name}` |" in text, (section.title, name)
    for adapter in ("jira", "todoist", "notion", "gcal"):
        assert f"type: {adapter}`" in text


def test_types_defaults_and_descriptions_come_from_the_models() -> None:
    text = reference.render()
    # a duration default written as the config writes it, not ISO 8601
    assert "| `interval` | duration | `5m` |" in text
    # an enum's values, and the comments the enum gives them
    assert "one of `propagate`, `complete`, `unlink`" in text
    assert "`propagate` — delete the other copies" in text
    # a constraint from Field(ge=..., le=...), and a secret
    assert "| `port` | integer 0..65535 | `8787` |" in text
    assert "| `token` | secret string | required |" in text
    # a #: comment above a field in an adapter's model
    assert "Jira Cloud's search lags up to about a minute" in text
    # links between sections resolve
    assert "[Endpoint](#endpoint)" in text and "## Endpoint\n" in text


def test_a_description_written_in_the_model_wins() -> None:
    class Example(models.Frozen):
        """An example block."""

        interval: models.Duration = models.Field(description="From the model.")
        other: int = 3  # from the comment

    section = reference.Section("Example", "example", Example)
    lines = "\n".join(reference.render_section(section, {}))
    assert "| `interval` | duration | required | From the model. |" in lines
    assert "| `other` | integer | `3` | From the comment. |" in lines
    assert "An example block." in lines


def test_durations_are_written_as_the_config_writes_them() -> None:
    import datetime as dt

    assert reference.duration_text(dt.timedelta(hours=1, minutes=30)) == "1h30m"
    assert reference.duration_text(dt.timedelta(seconds=0.5)) == "0.5s"
    assert reference.duration_text(dt.timedelta(0)) == "0s"
    for text, written in [("90s", "1m30s"), ("5m", "5m"), ("1h30m", "1h30m"), ("2d", "2d"),
                          ("0.5s", "0.5s"), (3600, "1h")]:
        assert reference.duration_text(models.parse_duration(text)) == written
