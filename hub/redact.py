"""Keeping secrets out of everything we print or log.

Secrets are collected from the loaded configuration (any value under a key that names a
credential but is not one of its fixed choices, every ``SecretStr``, and every value that came
from the keyring or a command: :meth:`hub.config.loader.LoadedConfig.secrets`) and masked
wherever text leaves the process: CLI output, log records, error messages from services that
echo a request back.
"""

from __future__ import annotations

import logging
import re
import types
import typing
import urllib.parse
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, SecretStr

#: keys whose values are secrets; a key naming a file or path (``token_file``) holds where a
#: secret is, not the secret, so it is neither flagged as inline nor masked in output
SECRET_KEYS = re.compile(r"(token|secret|password|api_?key|private_?key|credential)"
                         r"(?!s?_?(file|path|dir)\b)", re.I)
MASK = "***"


#: ``(mapping, key) -> the values that key is limited to``: a value among them names a mode
#: (gcal's ``credentials: none``), never a secret; see :func:`hub.config.checks.choices`
Choices = Callable[[Mapping[str, Any], str], Collection[object]]


def literal_choices(model: type[BaseModel], key: str) -> tuple[object, ...]:
    """The values field ``key`` of ``model`` is limited to when it is a ``Literal`` (or an
    optional one); none otherwise."""
    field = model.model_fields.get(key)
    if field is None:
        return ()
    hint = field.annotation
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union,
                                                                   types.UnionType) else (hint,)
    return tuple(value for option in options if typing.get_origin(option) is typing.Literal
                 for value in typing.get_args(option))


def collect_secrets(obj: Any, key: str = "", choices: Choices | None = None) -> set[str]:
    """Every secret-looking string value in a (possibly nested) config object: under a key
    that names a credential, unless it is one of the key's fixed choices (a model's
    ``Literal`` field, or what ``choices`` says for a mapping such as a connection block).
    Shorter than 4 characters is left out: masking "ab" everywhere would garble output."""
    return {s for s in _collect(obj, key, choices) if len(s) >= 4}


def _collect(obj: Any, key: str, choices: Choices | None) -> set[str]:
    if isinstance(obj, SecretStr):
        return {obj.get_secret_value()}
    if isinstance(obj, BaseModel):
        return _members({**dict(obj), **(obj.model_extra or {})}, choices, type(obj))
    if isinstance(obj, dict):
        return _members({str(k): v for k, v in obj.items()}, choices, None)
    if isinstance(obj, list | tuple):
        return set().union(*(_collect(v, key, choices) for v in obj))
    return {obj} if isinstance(obj, str) and key and SECRET_KEYS.search(key) else set()


def _members(data: Mapping[str, Any], choices: Choices | None,
             model: type[BaseModel] | None) -> set[str]:
    out: set[str] = set()
    for k, v in data.items():
        mode = isinstance(v, str) and bool(SECRET_KEYS.search(k)) and \
            _is_choice(data, k, v, choices, model)
        if not mode:
            out |= _collect(v, k, choices)
    return out


def _is_choice(data: Mapping[str, Any], key: str, value: str, choices: Choices | None,
               model: type[BaseModel] | None) -> bool:
    """Whether ``value`` is one of the values ``key`` is limited to: a mode, not a secret."""
    return (model is not None and value in literal_choices(model, key)) or \
        (choices is not None and value in choices(data, key))


def _spellings(secret: str) -> set[str]:
    """A secret as it may appear in text: as is, and percent-encoded as in a URL or a query
    string (a token with ``+``, ``/`` or ``=`` shows up encoded in an access-log line)."""
    return {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Mask one more secret from now on (one that is not in the config, e.g. the daemon
        token from the environment). Everything holding this redactor sees it at once."""
        if len(secret) >= 4:
            self.secrets = sorted({*self.secrets, *_spellings(secret)}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, MASK)
        return text


_active: list[Redactor] = []  # the one the running command opened its config with


def activate(redactor: Redactor) -> Redactor:
    """Make ``redactor`` the process's: :func:`mask_known` uses it (an unexpected error is
    printed far from the config it was loaded with)."""
    _active[:] = [redactor]
    return redactor


def mask_known(text: str) -> str:
    """``text`` with every secret of the active config masked (unchanged when none)."""
    return _active[0](text) if _active else text


def redact_data(obj: Any, redact: Callable[[str], str]) -> Any:
    """``obj`` (JSON-like: dicts, lists, scalars) with every string masked, keys included."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact_data(k, redact): redact_data(v, redact) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_data(v, redact) for v in obj]
    return obj


_STD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in everything a record carries before any handler
    formats it: the message and its arguments, the traceback, the stack and ``extra`` fields
    (an exception's text or a field may hold a token as easily as the message does)."""

    def __init__(self, redactor: Callable[[str], str]) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        r = self.redactor
        record.msg = r(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = r(record.exc_text)
        if record.stack_info:
            record.stack_info = r(record.stack_info)
        for key, value in list(vars(record).items()):
            if key in _STD_ATTRS or key.startswith("_"):
                continue
            if isinstance(value, str):
                setattr(record, key, r(value))
            elif not isinstance(value, int | float | bool | None):
                setattr(record, key, r(str(value)))
        return True


_FORMATTER = logging.Formatter()
