"""DeepSeek's models as data: the shipped `data/models.yml` plus an operator's
SENTINEL_MODELS_FILE (same shape; its ids are added or replace ours).

DeepSeek renames and retires models (deepseek-chat and deepseek-reasoner stopped working
after 2026-07-24); keeping ids, aliases, limits and retirement dates in a file means a
change there is a data edit, not a release. Errors name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from sentinel.client import datafiles
from sentinel.errors import ConfigurationError

SHIPPED = "data/models.yml"
_MODEL_KEYS = {"thinking_default", "context_tokens", "max_output_tokens", "retires", "features"}
_ALIAS_KEYS = {"target", "thinking", "retires"}


@dataclass(frozen=True)
class ModelInfo:
    id: str
    thinking_default: bool = True
    context_tokens: int | None = None
    max_output_tokens: int | None = None
    retires: datetime | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alias:
    id: str
    target: str
    thinking: bool | None = None
    retires: datetime | None = None


@dataclass
class Catalogue:
    models: dict[str, ModelInfo] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)

    def thinking_default(self, model: str) -> bool | None:
        """Whether a call to `model` thinks when the request does not say; None: unknown."""
        if model in self.aliases:
            return self.aliases[model].thinking
        info = self.models.get(model)
        return info.thinking_default if info is not None else None

    def notice(self, model: str, now: datetime) -> str | None:
        """Why naming `model` deserves a warning (alias, retired), or None."""
        alias = self.aliases.get(model)
        if alias is not None:
            when = alias.retires
            use = repr(alias.target)
            if alias.thinking is not None:
                use += f" with thinking={{'type': '{'enabled' if alias.thinking else 'disabled'}'}}"
            if when is not None and now >= when:
                return (
                    f"model {model!r} was retired on {when:%Y-%m-%d %H:%M} UTC (it was an "
                    f"alias of {alias.target!r}); use {use}"
                )
            return f"model {model!r} is an alias of {alias.target!r}; name the model itself: {use}"
        info = self.models.get(model)
        if info is not None and info.retires is not None and now >= info.retires:
            return f"model {model!r} was retired on {info.retires:%Y-%m-%d %H:%M} UTC"
        return None

    def ids(self) -> set[str]:
        return set(self.models)


def compare(known: Catalogue, served: set[str], now: datetime) -> tuple[str, str]:
    """(status, detail) of the catalogue against the ids an upstream serves: a current
    model it does not serve fails (calls to it will 400), one it serves that we do not
    know is a warning (no limits, no thinking default)."""
    current = {m for m, info in known.models.items() if info.retires is None or info.retires > now}
    missing, unknown = sorted(current - served), sorted(served - set(known.models))
    if missing:
        return "fail", f"catalogue models the upstream does not serve: {missing}"
    if unknown:
        return "warn", f"upstream models missing from the catalogue: {unknown}"
    return "ok", f"{len(served)} upstream models, all in the catalogue"


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _entries(node: yaml.Node, section: str, where: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise ConfigurationError(f"{where}:{node.start_mark.line + 1}: {section} must be a mapping")
    out = []
    for key, value in node.value:
        if not isinstance(value, yaml.MappingNode):
            raise ConfigurationError(
                f"{where}:{value.start_mark.line + 1}: {section}.{key.value} must be a mapping"
            )
        out.append((str(key.value), value))
    return out


def _fields(node: yaml.MappingNode, allowed: set[str], where: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.value:
        line = f"{where}:{key.start_mark.line + 1}"
        if key.value not in allowed:
            raise ConfigurationError(
                f"{line}: {name}: unknown key {key.value!r} (allowed: {sorted(allowed)})"
            )
        out[key.value] = (yaml.safe_load(yaml.serialize(value)), line)
    return out


def _model(name: str, fields: dict[str, Any]) -> ModelInfo:
    kwargs: dict[str, Any] = {}
    for key, (value, line) in fields.items():
        try:
            if key == "thinking_default":
                if not isinstance(value, bool):
                    raise ValueError("thinking_default must be true or false")
                kwargs[key] = value
            elif key in ("context_tokens", "max_output_tokens"):
                kwargs[key] = _positive(value, key)
            elif key == "retires":
                kwargs[key] = datafiles.utc_time(value)
            else:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError("features must be a list of names")
                kwargs[key] = tuple(value)
        except ValueError as exc:
            raise ConfigurationError(f"{line}: {name}: {exc}") from None
    return ModelInfo(name, **kwargs)


def _alias(name: str, fields: dict[str, Any], where: str, line: int) -> Alias:
    if "target" not in fields:
        raise ConfigurationError(f"{where}:{line}: alias {name}: target is required")
    target, target_line = fields["target"]
    if not isinstance(target, str) or not target:
        raise ConfigurationError(f"{target_line}: alias {name}: target must be a model id")
    thinking, retires = None, None
    if "thinking" in fields:
        thinking, at = fields["thinking"]
        if not isinstance(thinking, bool):
            raise ConfigurationError(f"{at}: alias {name}: thinking must be true or false")
    if "retires" in fields:
        value, at = fields["retires"]
        try:
            retires = datafiles.utc_time(value)
        except ValueError as exc:
            raise ConfigurationError(f"{at}: alias {name}: {exc}") from None
    return Alias(name, target, thinking, retires)


def parse(text: str, where: str, into: Catalogue | None = None) -> Catalogue:
    """Entries of one file added to (or replacing those of) `into`."""
    catalogue = into if into is not None else Catalogue()
    for key, node in datafiles.sections(text, where, "`models:` and/or `aliases:`"):
        line = key.start_mark.line + 1
        if key.value == "models":
            for name, entry in _entries(node, "models", where):
                catalogue.models[name] = _model(name, _fields(entry, _MODEL_KEYS, where, name))
                catalogue.aliases.pop(name, None)
        elif key.value == "aliases":
            for name, entry in _entries(node, "aliases", where):
                fields = _fields(entry, _ALIAS_KEYS, where, name)
                catalogue.aliases[name] = _alias(name, fields, where, entry.start_mark.line + 1)
                catalogue.models.pop(name, None)
        else:
            raise ConfigurationError(
                f"{where}:{line}: unknown section {key.value!r} (use models, aliases)"
            )
    return catalogue


def load(extra: Path | None = None) -> Catalogue:
    """The shipped catalogue, extended/overridden by `extra` (SENTINEL_MODELS_FILE)."""
    files = datafiles.texts(SHIPPED, extra, "SENTINEL_MODELS_FILE")
    catalogue = parse(*next(files))  # the shipped file comes first
    for text, where in files:
        parse(text, where, catalogue)
    return catalogue
