"""Refused settings in the operator's words: the environment variable (or sentinel.toml
line, or constructor argument) and what to write there; never pydantic's field path,
its link to pydantic's site, or the value (a secret pasted into the wrong variable must
not be echoed). Doctor, `serve`, `proxy`, every CLI command and the client constructor
all report through here, so they say the same thing."""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from pydantic import AliasChoices, ValidationError

from sentinel.config import Settings
from sentinel.errors import ConfigurationError

_ENV_RE = re.compile(r"\b(?:SENTINEL|DEEPSEEK)_[A-Z0-9_]+")
_PREFIXES = ("Value error, ", "Assertion failed, ")
TOML = Path("sentinel.toml")


@dataclass(frozen=True)
class SettingProblem:
    """One refused setting; `field` is None when no single setting is to blame."""

    field: str | None
    where: str  # SENTINEL_TIMEOUT | sentinel.toml line 3 (timeout) | timeout= argument
    message: str

    def __str__(self) -> str:
        return self.message if self.message.startswith(self.where) else (
            f"{self.where}: {self.message}"
        )  # fmt: skip

    @property
    def fix(self) -> str:
        return f"correct {self.where}, or remove it to use the default"


def env_name(field: str) -> str:
    """The variable that sets `field` (the DEEPSEEK_* aliases the DeepSeek guide names)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        for choice in alias.choices:
            if isinstance(choice, str) and choice.isupper():
                return choice
    return f"SENTINEL_{field.upper()}"


def _field_named(name: str) -> str | None:
    """The field behind a location or variable name (field, alias or SENTINEL_* name)."""
    if name in Settings.model_fields:
        return name
    return next((f for f in Settings.model_fields if env_name(f) == name.upper()), None)


def _toml_line(field: str) -> int | None:
    try:
        lines = TOML.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    key = re.compile(rf"\s*{re.escape(field)}\s*=")
    return next((n for n, line in enumerate(lines, 1) if key.match(line)), None)


def _where(field: str, arguments: Collection[str]) -> str:
    if field in arguments:
        return f"{field}= argument"
    name = env_name(field)
    if name in {k.upper() for k in os.environ}:
        return name
    line = _toml_line(field)
    return f"{TOML.absolute()} line {line} ({field})" if line else name


def problems(exc: ValidationError, arguments: Collection[str] = ()) -> list[SettingProblem]:
    """Each refused setting of `exc`; `arguments` are fields passed to a constructor."""
    out = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        msg = err["msg"]
        for prefix in _PREFIXES:
            msg = msg.removeprefix(prefix)
        loc = [str(p) for p in err["loc"]]
        field = _field_named(loc[0]) if loc else None
        if field is None:  # a check across settings names its variable in the message
            named = _ENV_RE.search(msg)
            field = _field_named(named.group()) if named else None
        if field is None:
            out.append(SettingProblem(None, "settings", msg))
            continue
        msg = msg.removeprefix(f"{field} ")  # "timeout must be positive"
        where = _where(field, arguments) + "".join(f"[{p}]" for p in loc[1:])
        out.append(SettingProblem(field, where, msg))
    return out


def describe(exc: ValidationError, arguments: Collection[str] = ()) -> str:
    """One line per refused setting."""
    return "\n".join(str(p) for p in problems(exc, arguments))


def configuration_error(
    exc: ValidationError, arguments: Collection[str] = ()
) -> ConfigurationError:
    """The client constructor's error for refused settings."""
    return ConfigurationError("; ".join(str(p) for p in problems(exc, arguments)))
