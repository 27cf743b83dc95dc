"""Trim notion-sdk-py's vcrpy cassettes (YAML) into the JSON files next to this script.

Usage, from the repository root: ``python tests/adapters/notion/cassettes/trim.py SOURCE_DIR``
(SOURCE_DIR holds the ``test_*.yaml`` cassettes). Per interaction it keeps the request's
method, uri, ``content-type`` and body, and the response's status code, ``content-type`` and
body; every other header is dropped, the authorization header included. A JSON body is stored
parsed (``json``), any other one as text (``text``). The recording already redacts every token
to ``ntn_...``; an interaction the real API answered 401 ``unauthorized`` was made with a wrong
token on purpose, and is marked ``"auth": "invalid"`` so a replay sends a wrong one too.
Needs PyYAML (a test dependency through ``responses``); the tests themselves read only the JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


def _header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def _body(text: str | bytes | None, content_type: str | None) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode()
    if not text:
        return {}
    if content_type is None or "json" in content_type:
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pass
    return {"text": text}


def trim(interaction: dict[str, Any]) -> dict[str, Any]:
    req, resp = interaction["request"], interaction["response"]
    req_type = _header(req["headers"], "content-type")
    resp_type = _header(resp["headers"], "content-type")
    raw = resp["body"].get("string") if isinstance(resp["body"], dict) else resp["body"]
    request: dict[str, Any] = {"method": req["method"], "uri": req["uri"]}
    if req_type:
        request["content_type"] = req_type
    if resp["status"]["code"] == 401:
        request["auth"] = "invalid"
    request |= _body(req["body"], req_type)
    response: dict[str, Any] = {"status": resp["status"]["code"]}
    if resp_type:
        response["content_type"] = resp_type
    response |= _body(raw, resp_type)
    return {"request": request, "response": response}


def main(source: str) -> int:
    files = sorted(Path(source).glob("test_*.yaml"))
    for path in files:
        cassette = yaml.safe_load(path.read_text())
        out = {"source": f"notion-sdk-py tests/cassettes/{path.name}",
               "interactions": [trim(i) for i in cassette["interactions"]]}
        target = HERE / f"{path.stem}.json"
        target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"trimmed {len(files)} cassettes into {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
