"""``python -m hub.cli.healthcheck [URL]``: exit 0 if the daemon answers /healthz, 1 otherwise.

Used by the Docker HEALTHCHECK (the slim image has no curl) and tested outside Docker.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def check(url: str, timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str]) -> int:
    port = os.environ.get("SYNCHUB_PORT", "8787")
    url = argv[0] if argv else f"http://127.0.0.1:{port}/healthz"
    return 0 if check(url) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
