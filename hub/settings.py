"""Process settings from the environment (``SYNCHUB_*``) or a ``.env`` file.

These say *where* things are (config file, state store) and the daemon's token; what to sync
lives in the config file. Log level and format are ``synchub run`` options, not settings.
Secrets for the services are referenced from the config as ``${VAR}`` and resolved from the
same environment / ``.env``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYNCHUB_", env_file=".env", extra="ignore",
                                      frozen=True)

    config: Path | None = None
    state_url: str | None = None
    daemon_token: SecretStr | None = None  # used when the config sets no daemon.token
