"""Process settings from the environment (``SYNCHUB_*``) or a ``.env`` file.

These say *where* things are (config file, state store) and how to log; what to sync lives in
the config file. Secrets for the services are referenced from the config as ``${VAR}`` and
resolved from the same environment / ``.env``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYNCHUB_", env_file=".env", extra="ignore",
                                      frozen=True)

    config: Path | None = None
    state_url: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "text"] = "auto"
    daemon_token: SecretStr | None = None
