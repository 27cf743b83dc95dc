"""Where ``${keyring:NAME}`` and ``${cmd:COMMAND ARGS}`` get their values: the system keyring
(the ``keyring`` package) and a command such as a password manager's (``pass show jira``).

Users of bugwarrior and vdirsyncer keep their tokens there rather than in a ``.env`` file.
:mod:`hub.config.interpolate` stays the one place that expands references; this module only
fetches. A failure is a :class:`SourceError` whose message never holds a value, nor a command's
standard output (it may be the secret). Every value fetched is kept in
:attr:`SecretSources.found`, so the loader hands it to the redactor: it is masked wherever it
appears, whatever key it is under (``url: ${cmd:...}`` too).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

from hub.redact import Redactor

#: the keyring service of ``${keyring:NAME}`` and ``synchub secret``
SERVICE = "synchub"
#: seconds a command may take: long enough for a password manager to unlock its agent, short
#: enough that a hung one does not hold ``synchub`` forever
TIMEOUT = 30.0
#: how much of a failed command's first stderr line a problem shows
STDERR_CHARS = 200


class SourceError(Exception):
    """Why a reference could not be expanded; the message is safe to show (no value in it)."""


# -- the keyring ------------------------------------------------------------------------------


def keyring_entry(ref: str) -> tuple[str, str]:
    """(service, username) of ``NAME`` (service ``synchub``) or ``SERVICE/NAME`` (an entry
    another tool made). The last slash splits: services such as ``bugwarrior://jira`` hold
    slashes, user names hardly ever do."""
    service, _, name = ref.strip().rpartition("/")
    if not name:
        raise SourceError("a keyring reference needs a name: ${keyring:NAME} or "
                          "${keyring:SERVICE/NAME}")
    return service or SERVICE, name


def _how_to_store(service: str, name: str) -> str:
    ref = name if service == SERVICE else f"{service}/{name}"
    return f"`synchub secret set {ref}` or `keyring set {service} {name}`"


def _no_backend() -> SourceError:
    return SourceError("no usable system keyring (no backend is installed or running, e.g. "
                       "no Secret Service on this machine); use ${cmd:...} or ${VAR} instead, "
                       "or set PYTHON_KEYRING_BACKEND to a keyring backend")


@contextlib.contextmanager
def _keyring_call(failed: str) -> Iterator[None]:
    """A keyring failure as a SourceError: no backend, or the backend's own error (a D-Bus
    error, a locked collection the user declined to unlock; plug-in backends raise their own
    types, hence any exception): a problem to report at the reference, never a crash."""
    from keyring.errors import NoKeyringError

    try:
        yield
    except NoKeyringError:
        raise _no_backend() from None
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError(f"the system keyring {failed} ({type(exc).__name__}: "
                          f"{_first_line(str(exc))})") from None


def read_keyring(service: str, name: str) -> str | None:
    """The stored secret, None when there is none. Raises SourceError when no keyring can be
    used (imported here: most configs never ask, and its backends are slow to look up)."""
    import keyring

    with _keyring_call("could not be read"):
        return keyring.get_password(service, name)


def keyring_value(ref: str) -> str:
    """The secret of ``${keyring:REF}``; SourceError (saying how to store it) when absent."""
    service, name = keyring_entry(ref)
    value = read_keyring(service, name)
    if value is None:
        raise SourceError(f"no secret {name!r} in the system keyring (service {service!r}); "
                          f"store it with {_how_to_store(service, name)}")
    return value


def write_keyring(ref: str, value: str | None) -> None:
    """Store ``value`` under ``REF`` (``NAME`` or ``SERVICE/NAME``), or delete the entry when
    ``value`` is None (SourceError when there is none, or no keyring)."""
    import keyring
    from keyring.errors import PasswordDeleteError

    service, name = keyring_entry(ref)
    with _keyring_call("refused"):
        if value is not None:
            keyring.set_password(service, name, value)
            return
        try:
            keyring.delete_password(service, name)
        except PasswordDeleteError:
            raise SourceError(f"no secret {name!r} in the system keyring (service "
                              f"{service!r})") from None


def backend_name() -> str:
    """The keyring backend in use, for people (``SecretService Keyring``); SourceError when
    there is none that works (so ``synchub secret set`` says so before asking for a value)."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise _no_backend()
    return str(getattr(backend, "name", type(backend).__name__))


# -- commands ---------------------------------------------------------------------------------


def _first_line(text: str, redact: Redactor | None = None) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = redact(line) if redact else line
    return line if len(line) <= STDERR_CHARS else line[:STDERR_CHARS] + "..."


def command_refusal(config: Path) -> str | None:
    """Why ``${cmd:...}`` must not run from this config file, or None. Whoever can change the
    file could make synchub run any program as you: so it must be yours, and writable by you
    only."""
    try:
        st = config.stat()
    except OSError as exc:
        return f"the config file cannot be checked ({exc.strerror})"
    if st.st_uid != os.getuid():
        return (f"${{cmd:...}} is not run from a config file owned by another user (uid "
                f"{st.st_uid}), who could make synchub run any command: use a copy you own")
    if stat.S_IMODE(st.st_mode) & 0o022:
        return (f"${{cmd:...}} is not run from a config file other users can change (mode "
                f"{stat.S_IMODE(st.st_mode):04o}), who could make synchub run any command: "
                f"run `chmod go-w {config}`")
    return None


def run_command(command: str, cwd: Path) -> str:
    """The first line of what ``command`` prints (``pass`` prints the password on line 1 and
    notes after it): split like a shell would, run without a shell, stdin from /dev/null,
    at most :data:`TIMEOUT` seconds, in ``cwd`` (the config's folder, as relative state paths
    are). A failure names the program and its exit status, never its output."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SourceError(f"the command cannot be split into words ({exc})") from None
    if not argv:
        raise SourceError("the command is empty: write ${cmd:PROGRAM ARGS}")
    program = argv[0]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, cwd=cwd,
                              timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise SourceError(f"command {program!r} not found (is it installed and on PATH?)"
                          ) from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"command {program!r} did not finish within {TIMEOUT:g} s and was "
                          "stopped") from None
    except OSError as exc:
        raise SourceError(f"command {program!r} cannot be run ({exc.strerror})") from None
    out = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise SourceError(_failure(program, done.returncode, out, done.stderr))
    lines = out.splitlines()
    if not lines or not lines[0]:
        raise SourceError(f"command {program!r} printed nothing on its first line (exit "
                          "status 0): it must print the secret there")
    return lines[0]


def _failure(program: str, code: int, out: str, stderr: bytes) -> str:
    """A failed command's problem: its program and status, and the first line of its stderr
    with anything it printed on stdout masked (a tool may echo the secret in an error)."""
    status = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
    said = _first_line(stderr.decode("utf-8", errors="replace"), Redactor(out.splitlines()))
    return f"command {program!r} {status}" + (f": {said}" if said else "")


class SecretSources:
    """The secret sources of one load of one config file: each command runs once however
    often it is referred to (a failure is remembered too), and every value fetched is kept in
    :attr:`found` for the redactor."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.found: set[str] = set()
        self._commands: dict[str, str | SourceError] = {}
        self._refusal: str | None = None
        self._checked = False

    def keyring(self, ref: str) -> str:
        value = keyring_value(ref)
        self.found.add(value)
        return value

    def command(self, command: str) -> str:
        if not self._checked:
            self._refusal, self._checked = command_refusal(self.config), True
        if self._refusal:
            raise SourceError(self._refusal)
        key = command.strip()
        if key not in self._commands:
            try:
                self._commands[key] = run_command(key, self.config.parent)
            except SourceError as exc:
                self._commands[key] = exc
        result = self._commands[key]
        if isinstance(result, SourceError):
            raise result
        self.found.add(result)
        return result
