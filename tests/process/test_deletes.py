"""P4/P7 with real processes: a delete the user makes in one service reaches the others, also
when the copy they delete is one the hub has only just created (no listing has returned it
yet, so an adapter that learns its items only from listings never hears of it: found by the
random driver, seeds 2 and 152, on Jira)."""

from __future__ import annotations

from collections.abc import Callable

from tests.process.harness import SERVICES, Hub


def test_a_delete_of_a_copy_the_hub_just_made_reaches_the_others(
        make_hub: Callable[..., Hub]) -> None:
    hub = make_hub()
    hub.create_many(4)
    assert hub.sync().code == 0  # every adapter has a cursor now
    # one new item per service, each deleted by the user in the next service, in the copy
    # the hub made there in the round just run
    made = [hub.user_create(origin) for origin in SERVICES]
    assert hub.sync().code == 0
    for exp, service in zip(made, SERVICES[1:] + SERVICES[:1], strict=True):
        assert hub.user_delete(exp, service), (exp.key, service)
    for _ in range(2):
        assert hub.sync().code == 0
    hub.check("after the deletes")
    assert not hub.divergence(), hub.divergence()
