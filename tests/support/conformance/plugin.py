"""The conformance check as a pytest plugin: every exchange an emulator serves during a test
is validated against the service's official description when the test ends, and a departure
that ``deviations.toml`` does not document fails the test.

A test that makes an emulator answer against the description on purpose (a broken service,
planted bad data) says so with ``@pytest.mark.nonconforming("why")``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from adapters import emulation
from tests.support.conformance.check import violations
from tests.support.conformance.exchange import Exchange


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "nonconforming(reason): the test makes an emulator answer against the "
                   "service's official description on purpose; its exchanges are not checked")


@pytest.fixture(autouse=True)
def _conformance(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("nonconforming"):
        yield
        return
    served: list[Exchange] = []

    def observe(emu: emulation.Emulator, req: emulation.Request,
                resp: emulation.Response) -> None:
        served.append(Exchange(emu.service, req.method, req.path, req.query, req.headers,
                               req.body, resp.status, resp.headers, resp.body))

    emulation.OBSERVERS.append(observe)
    try:
        yield
    finally:
        emulation.OBSERVERS.remove(observe)
    found = Counter(str(v) for v in violations(list(served)))
    if found:
        lines = "\n".join(f"  {v}" + (f"  (x{n})" if n > 1 else "")
                          for v, n in sorted(found.items()))
        pytest.fail("the emulators answered against the services' official descriptions:\n"
                    f"{lines}\nfix the emulator, or document the deviation with its reason in "
                    "tests/support/conformance/deviations.toml", pytrace=False)
