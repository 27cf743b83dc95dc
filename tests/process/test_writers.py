"""P13 with real processes: one writer per flow, whichever processes start (two ``synchub
sync`` at once, a ``sync`` typed beside the daemon), and a reader (``synchub status``) never
disturbs the writer: the daemon's commits survive a ``kill -9`` and the SQLite file stays sound.

A second writer either waits for the first and then syncs (exit 0) or gives up after its wait
(exit 7, naming the process that holds the flow); it never writes beside the first one, which
is how duplicates are made (both see "no copy in Jira yet", both create one).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from tests.process.harness import Done, Hub, wait_for

BUSY = 7


def assert_writer_outcome(done: Done) -> None:
    """A second writer's exit is 0 (it waited, then synced) or 7 (gave up, named the other)."""
    assert done.code in (0, BUSY), str(done)
    if done.code == BUSY:
        assert re.search(r"pid \d+", done.err), f"exit 7 must name the holder:\n{done}"


def test_two_syncs_started_at_once_make_no_duplicates(make_hub: Callable[..., Hub],
                                                      engine: str) -> None:
    hub = make_hub(engine, writer_wait=30)
    assert hub.status().code == 0  # the state exists (a fresh one at once: the next test)
    hub.create_many(hub.rng.randint(20, 40))
    for service in hub.boxes:  # 20 ms a write, as a real service takes at least: rounds overlap
        hub.latency(service, 0.02)
    first, second = hub.spawn("sync"), hub.spawn("sync")  # the same instant, one state
    results = [first.wait(), second.wait()]
    dups = hub.duplicates()
    assert not any(dups.values()), (f"extra copies per service: {dups} of "
                                    f"{len(hub.model.items)} items\n"
                                    + "\n".join(map(str, results)))
    for done in results:
        assert_writer_outcome(done)
    assert 0 in [d.code for d in results], "\n".join(map(str, results))
    if hub.state_path is not None:
        assert hub.integrity() == "ok"
    hub.check("after two syncs at once")
    hub.converge()


def test_two_processes_opening_a_fresh_state_at_once_both_work(
        make_hub: Callable[..., Hub], engine: str) -> None:
    """The first run started twice (cron and by hand): creating the schema is not a race."""
    hub = make_hub(engine)
    procs = [hub.spawn("status"), hub.spawn("status")]
    for done in [p.wait() for p in procs]:
        assert done.code == 0 and "Traceback" not in done.text, str(done)


def test_sync_by_hand_beside_the_daemon_makes_no_duplicates(
        make_hub: Callable[..., Hub], engine: str) -> None:
    hub = make_hub(engine, interval="1s", writer_wait=20)
    daemon = hub.daemon()
    for service in hub.boxes:  # rounds of a second or so: the one by hand meets one
        hub.latency(service, 0.03)
    for step, wait in enumerate(([], [], ["--wait", "0"])):  # config's writer_wait, then none
        hub.create_many(12)
        hub.check(f"step {step}")
        done = hub.sync(*wait)
        hub.check(f"step {step}, after the sync by hand")
        assert_writer_outcome(done)
        if done.code == BUSY:
            assert f"pid {daemon.pid}" in done.err, f"the daemon holds the flow:\n{done}"
            assert "Nothing was written" in done.err, str(done)
    hub.clear_faults()
    wait_for(lambda: not hub.divergence(), timeout=15)
    hub.check("with the daemon alone")
    assert not hub.divergence(), hub.divergence()
    assert daemon.term() == 0


def test_sync_beside_a_sync_waits_or_gives_up_as_told(make_hub: Callable[..., Hub]) -> None:
    hub = make_hub()
    # 12 Notion creates at 1 s each: the first sync is still writing however long the other
    # two take to start on a loaded machine (at 0.3 s it sometimes ended first); the latency
    # goes once the impatient one has given up, so the test does not wait it out
    hub.latency("notion", 1.0)
    made = hub.create_many(12, ("jira",))
    keys = {e.key for e in made}
    first = hub.spawn("sync")
    assert wait_for(lambda: bool(keys & _keys(hub, "notion")), timeout=30)  # it is writing
    patient = hub.spawn("sync", "--wait", "60")
    impatient = hub.sync("--wait", "1")
    hub.clear_faults()
    assert impatient.code == BUSY, str(impatient)
    assert f"pid {first.pid}" in impatient.err, str(impatient)
    assert first.wait().code == 0
    waited = patient.wait()
    assert waited.code == 0, str(waited)  # it waited for the first one, then synced
    hub.check("after the three syncs")
    assert not hub.divergence(), hub.divergence()


def _keys(hub: Hub, service: str) -> set[str]:
    return {i.title.split()[0] for i in hub.items(service).values()}


def _status_links(done: Done) -> int:
    """The flow's links as ``synchub status --json`` reports them."""
    flows = {f["flow"]: f for f in json.loads(done.out)["flows"]}
    assert "sandbox" in flows, f"no flow in status:\n{done}"
    return int(flows["sandbox"]["links"])


def test_status_beside_the_daemon_loses_none_of_its_commits(
        make_hub: Callable[..., Hub]) -> None:
    hub = make_hub(interval="1s", writer_wait=10)
    daemon = hub.daemon()
    seen_links = 0
    for step in range(2):
        hub.create_many(8)
        for _ in range(2):  # readers while the daemon runs its rounds
            done = hub.status("--json")
            assert done.code == 0, str(done)
            links = _status_links(done)
            assert links >= seen_links, f"status went back from {seen_links} to {links}"
            seen_links = links
            hub.log.append(f"  status: {links} links")
        hub.check(f"step {step}")
    t0 = time.monotonic()
    assert wait_for(lambda: not hub.divergence(), timeout=15), hub.divergence()
    hub.log.append(f"converged after {time.monotonic() - t0:.1f} s")
    settled = hub.rounds()
    assert wait_for(lambda: hub.rounds() >= settled + 1, timeout=10)  # a quiet round committed
    reported = _status_links(hub.status("--json"))  # what a reader sees now: every link
    daemon.kill9()

    assert hub.integrity() == "ok"
    state = hub.links()
    by_ref = {(ep, c.ref) for link in state.values() for ep, c in link.copies.items()}
    missing = [(service, ref, item.title) for service in hub.boxes
               for ref, item in hub.items(service).items() if (service, ref) not in by_ref]
    assert not missing, (f"{len(missing)} copies the daemon made and reported are not in the "
                         f"state after kill -9 ({len(state)} links of {len(hub.model.items)} "
                         f"items; status said {reported}): {missing[:10]}")
    assert len(state) == len(hub.model.items) == reported
    done = hub.sync()  # and the next writer agrees: nothing to do, nothing duplicated
    assert done.code == 0, str(done)
    assert "writes 0" in done.out, str(done)
    hub.check("after a sync on the state left by kill -9")
