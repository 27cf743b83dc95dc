"""Shell completion (issue 13): `synchub --show-completion SHELL` prints the script, and the
completion it asks synchub for names commands and options, from a real process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from hub.cli.main import app


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_a_script_for_each_shell(shell: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # typer takes the shell named here only with its detection off; on, it asks the process
    # tree, which names no shell when the tests run detached (their shell gone)
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = CliRunner().invoke(app, ["--show-completion", shell], prog_name="synchub")
    assert result.exit_code == 0, (result.output, repr(result.exception),
                                   os.environ.get("_SYNCHUB_COMPLETE"))
    assert "_SYNCHUB_COMPLETE" in result.output


@pytest.mark.parametrize(("words", "cword", "expected"), [
    ("synchub pre", "1", "presets"),
    ("synchub sync --fl", "2", "--flow"),
    ("synchub auth g", "2", "google"),
])
def test_bash_completion_completes_commands_and_options(words: str, cword: str,
                                                        expected: str) -> None:
    env = os.environ | {"_SYNCHUB_COMPLETE": "complete_bash", "COMP_WORDS": words,
                        "COMP_CWORD": cword}
    out = subprocess.run([sys.executable, "-m", "hub"], env=env, capture_output=True,
                         text=True, timeout=60, check=False).stdout
    assert expected in out.split()
