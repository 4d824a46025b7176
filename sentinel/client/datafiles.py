"""The client's dated data files (the model catalogue, the price table): the copy shipped
in the package, then the operator's file merged over it. One reader, so both name an
unreadable override by its environment variable the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sentinel.errors import ConfigurationError


def texts(shipped: str, extra: Path | None, variable: str) -> Iterator[tuple[str, str]]:
    """(text, where it came from) of `sentinel/client/<shipped>`, then of `extra` (the
    file `variable` names) if set, in the order they are merged."""
    packaged = resources.files("sentinel.client").joinpath(shipped)
    yield packaged.read_text(encoding="utf-8"), f"sentinel/client/{shipped}"
    if extra is None:
        return
    try:
        text = Path(extra).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"{variable} {extra}: cannot read ({exc.strerror or exc})"
        ) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigurationError(f"{variable} {extra}:{line}: not UTF-8 text") from None
    yield text, str(extra)


def utc_time(value: Any) -> datetime:
    """A data file's date or date-time (YAML gives either, or a string) as an aware UTC
    datetime: a naive time or a bare date is read as UTC."""
    if isinstance(value, datetime):  # 08:00+08:00 is shown and stored as 00:00 UTC
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return utc_time(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise ValueError(f"a date or UTC date-time (2026-07-24T15:59:00Z) expected, got {value!r}")


def sections(text: str, where: str, expected: str) -> list[tuple[yaml.Node, yaml.Node]]:
    """The top-level (key, value) nodes of a data file, kept as nodes so every error
    can name its line; an empty file has none. `expected` names the sections for the
    error when the file is not a mapping."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ConfigurationError(f"{where}:{line}: not valid YAML") from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise ConfigurationError(f"{where}:1: expected {expected}")
    return list(root.value)
