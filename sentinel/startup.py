"""How the long-running commands (`sentinel serve`, `sentinel proxy`) fail to start:
one message on stderr that names the problem, and exit status 2, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from sentinel.errors import ConfigurationError


@contextmanager
def startup_errors() -> Iterator[None]:
    """Around reading settings and rules, opening the store and building the servers."""
    from pydantic import ValidationError

    from sentinel.rules.loader import RuleLoadError

    try:
        yield
    except typer.Exit:
        raise
    except ValidationError as exc:
        typer.echo(f"configuration error:\n{exc}", err=True)
        raise typer.Exit(2) from None
    except RuleLoadError as exc:
        for err in exc.errors:
            typer.echo(f"rule error: {err}", err=True)
        raise typer.Exit(2) from None
    except ConfigurationError as exc:  # e.g. no upstream key for the proxy
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # unreachable store, bad URL: say which, do not trace
        typer.echo(f"cannot start: {exc}", err=True)
        raise typer.Exit(2) from None
