"""Tables of the `sentinel` commands, for people and for files: ids are never cut
(they fold onto a second line on a narrow terminal, since a shortened id cannot be
pasted back into `tokens revoke`), and output that is not a terminal (a pipe, `> file`
for a case file) is as wide as its content instead of Rich's 80 columns."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

UNBOUNDED = 100_000  # columns when not a terminal: a row is as long as its content


def console(*, stderr: bool = False) -> Console:
    """A Console that never shortens a table written to a pipe or file."""
    out = Console(stderr=stderr, highlight=False)
    if not out.is_terminal:
        out.width = UNBOUNDED
    return out


def table(*columns: str, ids: tuple[str, ...] = (), **options: Any) -> Table:
    """A table whose `ids` columns fold instead of being cut with an ellipsis."""
    out = Table(**options)
    for name in columns:
        if name in ids:
            out.add_column(name, overflow="fold", no_wrap=False, min_width=8)
        else:
            out.add_column(name, overflow="fold")
    return out
