"""The ``synchub`` command line: its commands, what they print, and the commands behind them
(the demo, the sandbox, the Docker healthcheck). The app is :mod:`hub.cli.main`."""
