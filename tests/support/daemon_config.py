"""A daemon config over two in-memory services ``a-<tag>`` and ``b-<tag>`` (one flow, "work"),
for the daemon and replica tests: one writer instead of a copy in each test module."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.procs import free_port


def write_memory_config(path: Path, tag: str, *, state: str, daemon: str = "",
                        interval: str = "1s", conflict: str = "newest") -> Path:
    """``state`` and ``daemon`` are the bodies of YAML flow mappings (``url: "..."``); the
    daemon gets a free port. Mode 0600, as synchub asks of a config holding secrets."""
    extra = f", {daemon}" if daemon else ""
    path.write_text(textwrap.dedent(f"""\
        state: {{{state}}}
        daemon: {{port: {free_port()}{extra}}}
        connections:
          a: {{type: memory, service: a-{tag}}}
          b: {{type: memory, service: b-{tag}}}
        flows:
          work:
            interval: {interval}
            conflict: {conflict}
            endpoints: {{x: {{connection: a}}, y: {{connection: b}}}}
        """))
    path.chmod(0o600)
    return path
