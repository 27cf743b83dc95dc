"""``synchub demo`` and ``synchub sandbox``: trying synchub with no account and no network
(the story is :mod:`hub.cli.demo`, the emulators :mod:`hub.cli.sandbox`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hub.cli.common import console, handled


def demo(
    state: Annotated[str | None, typer.Option(help="Keep the demo's state in this SQLite file "
                     "(default: a temporary one).")] = None,
) -> None:
    """A two-way sync story on local emulators: no accounts, no network."""
    from hub.cli.demo import run_demo

    raise typer.Exit(run_demo(console, state))


@handled
def sandbox(
    directory: Annotated[str, typer.Option("--dir", help="Where to write synchub.yaml and "
                         "keep the state.")] = "synchub-sandbox",
    base_port: Annotated[int, typer.Option(help="First emulator port (then +1, +2, +3); 0 "
                         "picks free ports.")] = 0,
    port: Annotated[int, typer.Option(help="Port the config gives `synchub run`.")] = 8787,
    seconds: Annotated[float | None, typer.Option(help="Stop after this long (default: "
                       "until Ctrl-C).")] = None,
    preset: Annotated[str | None, typer.Option(help="Write this preset's flows (see `synchub "
                      "presets`) over the emulators instead of the four-way sandbox flow.")
                      ] = None,
) -> None:
    """Run Jira, Todoist, Notion and Google Calendar emulators locally with a ready config."""
    import signal
    import threading
    from pathlib import Path

    from hub.cli.presets import preset as find_preset
    from hub.cli.sandbox import serve

    preset_text = find_preset(preset).text if preset is not None else None

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def announce(path: Path, sandboxes: dict[str, Any]) -> None:
        for name, sb in sandboxes.items():
            console.print(f"  {name:<8} {sb.emu.base_url}")
        console.print(f"[green]Sandbox running.[/] Config: [bold]{path}[/]\n"
                      f"In another terminal: [bold]synchub run --config {path}[/] and open "
                      f"http://127.0.0.1:{port}/ — Ctrl-C here stops the emulators.",
                      soft_wrap=True)
        if seconds is not None:
            threading.Timer(seconds, stop.set).start()

    try:
        serve(Path(directory), base_port, port, stop, announce, preset_text)
    except KeyboardInterrupt:
        stop.set()
