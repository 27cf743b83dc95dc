"""Run benchmarks: ``python -m bench [name ...]`` (default: all that are present)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    available = sorted(m.name for m in pkgutil.iter_modules([str(here)])
                       if not m.name.startswith("_"))
    names = [a for a in argv if not a.startswith("-")][:1]
    if names:  # one benchmark, with its own options: python -m bench engine --items 1000
        if names[0] not in available:
            print(f"unknown benchmark {names[0]!r}; available: {', '.join(available)}")
            return 2
        importlib.import_module(f"bench.{names[0]}").main(argv[argv.index(names[0]) + 1:])
        return 0
    # readme runs the others itself; replicas takes over ten minutes (300 flows at the
    # services' pacing): run it by name
    wanted = [a for a in available if a not in ("readme", "replicas")]
    unknown = [w for w in wanted if w not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in wanted:
        print(f"=== bench {name} ===", flush=True)
        importlib.import_module(f"bench.{name}").main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
