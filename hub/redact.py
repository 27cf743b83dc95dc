"""Keeping secrets out of everything we print or log.

Secrets are collected from the loaded configuration (any value under a key that names a
credential, and every ``SecretStr``) and masked wherever text leaves the process: CLI output,
log records, error messages from services that echo a request back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, SecretStr

SECRET_KEYS = re.compile(r"(token|secret|password|api_?key|private_?key|credential)", re.I)
MASK = "***"


def collect_secrets(obj: Any, key: str = "") -> set[str]:
    """Every secret-looking string value in a (possibly nested) config object."""
    out: set[str] = set()
    if isinstance(obj, SecretStr):
        out.add(obj.get_secret_value())
    elif isinstance(obj, BaseModel):
        data = dict(obj)
        data.update(obj.model_extra or {})
        for k, v in data.items():
            out |= collect_secrets(v, k)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out |= collect_secrets(v, str(k))
    elif isinstance(obj, list | tuple):
        for v in obj:
            out |= collect_secrets(v, key)
    elif isinstance(obj, str) and key and SECRET_KEYS.search(key):
        out.add(obj)
    return {s for s in out if len(s) >= 4}  # masking "ab" everywhere would garble output


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, MASK)
        return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the formatted message and its arguments."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor(record.getMessage())
        record.args = None
        return True
