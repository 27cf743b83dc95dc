"""Cyclomatic complexity of hub/ (radon): prints every block rated C or worse and fails when
one is over the project's limit of 15 (issue 12: a function that dense is split into named
steps instead). Run from the repository root: ``python .ci/complexity.py``."""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

LIMIT = 15


def main(root: str = "hub") -> int:
    over = []
    for path in sorted(Path(root).rglob("*.py")):
        for block in cc_visit(path.read_text()):
            if block.complexity > 10:  # rank C and worse: shown, so growth is seen early
                print(f"{path}:{block.lineno} {block.fullname} "
                      f"{cc_rank(block.complexity)} ({block.complexity})")
            if block.complexity > LIMIT:
                over.append(block)
    if over:
        print(f"{len(over)} function(s) over complexity {LIMIT} in {root}/", file=sys.stderr)
        return 1
    print(f"complexity: nothing over {LIMIT} in {root}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
