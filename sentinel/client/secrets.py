"""Where the API key comes from: argument, DEEPSEEK_API_KEY, DEEPSEEK_API_KEY_FILE, or
SENTINEL_SECRET_COMMAND (a command that prints it, for KMS / Vault / 1Password CLIs).

A file or command source can be read again, which is what the one forced refresh after
a 401 does: a rotated key is picked up without restarting the app. Errors name the
source, never the value.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from sentinel.errors import ConfigurationError

if TYPE_CHECKING:
    from sentinel.config import Settings

_COMMAND_TIMEOUT = 15.0
_TOKEN_CHARS = frozenset(map(chr, range(0x21, 0x7F)))


def check_bearer(value: str, name: str) -> str:
    """A credential sent as `Authorization: Bearer ...` must be visible ASCII: a newline
    would split the header, and the HTTP libraries' own complaint quotes the value."""
    if not _TOKEN_CHARS.issuperset(value):
        raise ConfigurationError(
            f"{name} contains a character not allowed in an HTTP header "
            "(only visible ASCII, no spaces)"
        )
    return value


class SecretSource:
    """A re-readable secret; `repr` never shows it."""

    def __init__(
        self,
        name: str,
        value: SecretStr | None = None,
        path: Path | None = None,
        command: str | None = None,
        bearer: bool = False,
    ) -> None:
        """`bearer`: the value goes into an Authorization header (see check_bearer)."""
        self.name = name
        self._bearer = bearer
        self._value = value
        self._path = path
        self._command = command

    @property
    def rereadable(self) -> bool:
        return self._path is not None or self._command is not None

    def read(self) -> str:
        if self._path is not None:
            try:
                text = self._path.read_text().strip()
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot read {self.name} {str(self._path)!r}: {exc.strerror}"
                ) from None
        elif self._command is not None:
            text = run_secret_command(self._command, self.name)
        else:
            text = self._value.get_secret_value().strip() if self._value else ""
        if not text:
            raise ConfigurationError(f"{self.name} is empty")
        return check_bearer(text, self.name) if self._bearer else text

    def __repr__(self) -> str:
        return f"SecretSource({self.name})"


def run_secret_command(command: str, name: str = "SENTINEL_SECRET_COMMAND") -> str:
    """Run the command without a shell; its stdout (stripped) is the secret."""
    try:
        proc = subprocess.run(
            shlex.split(command),
            capture_output=True,
            text=True,
            timeout=_COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{name} could not be run: {type(exc).__name__}") from None
    except subprocess.TimeoutExpired:
        raise ConfigurationError(f"{name} timed out after {_COMMAND_TIMEOUT:g}s") from None
    if proc.returncode != 0:
        # stderr is not echoed: a failing secret tool may print part of the secret
        raise ConfigurationError(f"{name} failed with exit code {proc.returncode}")
    return proc.stdout.strip()


def api_key_source(settings: Settings) -> SecretSource:
    """The first configured source, in the documented precedence order."""
    if settings.api_key is not None:
        return SecretSource("DEEPSEEK_API_KEY", value=settings.api_key, bearer=True)
    if settings.api_key_file is not None:
        return SecretSource("DEEPSEEK_API_KEY_FILE", path=settings.api_key_file, bearer=True)
    if settings.secret_command:
        return SecretSource("SENTINEL_SECRET_COMMAND", command=settings.secret_command, bearer=True)
    raise ConfigurationError(
        "no DeepSeek API key: pass api_key=..., or set DEEPSEEK_API_KEY, "
        "DEEPSEEK_API_KEY_FILE or SENTINEL_SECRET_COMMAND (or configure OAuth2 with "
        "SENTINEL_OAUTH_TOKEN_URL and SENTINEL_OAUTH_CLIENT_ID)"
    )


def oauth_secret_source(settings: Settings) -> SecretSource:
    if settings.oauth_client_secret is not None:
        return SecretSource("SENTINEL_OAUTH_CLIENT_SECRET", value=settings.oauth_client_secret)
    if settings.oauth_client_secret_file is not None:
        return SecretSource(
            "SENTINEL_OAUTH_CLIENT_SECRET_FILE", path=settings.oauth_client_secret_file
        )
    raise ConfigurationError(
        "OAuth2 needs a client secret: set SENTINEL_OAUTH_CLIENT_SECRET or "
        "SENTINEL_OAUTH_CLIENT_SECRET_FILE"
    )
