"""The client's dated data files (the model catalogue, the price table): the copy shipped
in the package, then the operator's file merged over it. One reader, so both name an
unreadable override by its environment variable the same way."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

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
    except UnicodeDecodeError:
        raise ConfigurationError(f"{variable} {extra}: not UTF-8 text") from None
    yield text, str(extra)
