"""Logging setup: JSON lines when not on a terminal (for journald, Docker, log shippers),
readable text on a terminal, and secrets masked in every record either way.

uvicorn's loggers (``uvicorn``, ``uvicorn.error``, ``uvicorn.access``) go through the same
handler, so the web server's own lines are JSON too and masked like ours (an access line
carries the query string, where a browser puts ``?token=``). The daemon starts uvicorn with
``log_config=None`` so that it keeps this setup instead of installing its own plain-text one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from hub.redact import RedactingFilter

_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}
_DROP = {"color_message"}  # uvicorn's ANSI-coloured copy of the message
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in vars(record).items():
            if k not in _STD and k not in _DROP and not k.startswith("_"):
                out[k] = v if isinstance(v, str | int | float | bool | None) else str(v)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text  # masked by the handler's filter when one is set
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out)


def setup_logging(level: str = "INFO", fmt: str = "auto",
                  redactor: Callable[[str], str] | None = None,
                  stream: Any = None) -> logging.Handler:
    stream = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not getattr(stream, "isatty", lambda: False)())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if use_json else logging.Formatter(
        "%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    if redactor is not None:
        handler.addFilter(RedactingFilter(redactor))
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}: use debug, info, warning or error")
    for name in ("synchub", "uvicorn"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(numeric)
        logger.propagate = False
    for name in UVICORN_LOGGERS[1:]:
        logger = logging.getLogger(name)
        logger.handlers[:] = []  # to "uvicorn", and so to the handler above
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    # A line per request (status page refreshes, scrapes) only when debugging.
    logging.getLogger("uvicorn.access").setLevel(
        numeric if numeric <= logging.DEBUG else logging.WARNING)
    return handler
