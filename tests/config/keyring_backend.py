"""Keyring backends for the tests, so that no test touches the user's real keyring.

``MemoryKeyring`` for tests in this process (``keyring.set_keyring``); ``FileKeyring`` for
``synchub`` processes, chosen as a user would choose a backend:
``PYTHON_KEYRING_BACKEND=tests.config.keyring_backend.FileKeyring`` with this repository on
``PYTHONPATH``; it keeps its entries as JSON in the file ``TEST_KEYRING_FILE`` names."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # a classproperty upstream; chosen explicitly

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[str, str] = {}

    def _load(self) -> dict[str, str]:
        return self._entries

    def _save(self, entries: dict[str, str]) -> None:
        self._entries = entries

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._save({**self._load(), f"{service}\0{username}": password})

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("no such entry")
        self._save(entries)


class FileKeyring(MemoryKeyring):
    def _file(self) -> Path:
        return Path(os.environ["TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        path = self._file()
        return dict(json.loads(path.read_text())) if path.exists() else {}

    def _save(self, entries: dict[str, str]) -> None:
        self._file().write_text(json.dumps(entries))
