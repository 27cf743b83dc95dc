"""Hypothesis budgets that follow the profile (``SYNCHUB_HYPOTHESIS``, see tests/conftest.py).

Most ``@given`` tests leave ``max_examples`` to the profile (100 in ``ci``). A test whose every
example is expensive (a real HTTP round trip, a whole sync) names a smaller CI budget with
:func:`examples`, which the longer profiles scale up instead of being held at it.
"""

from __future__ import annotations

import os

SCALE = {"ci": 1, "dev": 5, "nightly": 30}


def examples(ci: int) -> int:
    """``ci`` examples in the CI profile, proportionally more in ``dev`` and ``nightly``."""
    return ci * SCALE.get(os.environ.get("SYNCHUB_HYPOTHESIS", "ci"), 1)
