"""(placeholder: this module's owner replaces it; it registers its CLI commands)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sentinel` app."""
