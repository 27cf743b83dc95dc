"""``python -m hub`` is the same as the ``synchub`` command."""

from hub.cli.main import main

main()
