"""P6 with ``markers: false`` on the Todoist and Notion endpoints, over real processes: a
``synchub sync`` killed with ``kill -9`` in the middle of its creates leaves intents whose
outcome is unknown, and the next one finds the tasks and pages that landed by their title,
made after each intent was journalled, never an older one: no duplicate, and it converges."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from tests.process.harness import FLOW, SERVICES, Hub


def _markers_off(hub: Hub, *names: str) -> None:
    data = json.loads(hub.config.read_text())
    for name in names:
        data["flows"][FLOW]["endpoints"][name]["markers"] = False
    hub.config.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(hub.config, 0o600)


def test_kill_9_mid_round_without_markers_then_sync_again(make_hub: Callable[..., Hub]
                                                          ) -> None:
    hub = make_hub()
    _markers_off(hub, "todoist", "notion")
    assert hub.sync().code == 0  # a first round over empty services
    hub.create_many(18, ("jira", "gcal"))
    for service in SERVICES:
        hub.latency(service, 0.04)
    proc = hub.spawn("sync")
    time.sleep(hub.rng.uniform(0.8, 1.6))
    proc.kill9()
    hub.log.append("kill -9 mid-round, markers off on todoist and notion")
    hub.check("after kill -9")
    hub.clear_faults()
    done = hub.sync()
    assert done.code in (0, 1), str(done)
    hub.check("after the sync that followed the kill")
    hub.converge()
    assert hub.duplicates() == dict.fromkeys(SERVICES, 0)
