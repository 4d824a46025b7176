"""`sentinel keys init`: the one explicit way to create the subject HMAC key.

A key is otherwise created only in the default data dir, when neither
SENTINEL_SUBJECT_KEY nor SENTINEL_SUBJECT_KEY_FILE is set (a laptop, the demo). A set
SENTINEL_SUBJECT_KEY_FILE that does not exist is an error everywhere, because a fresh
key there would silently make this host's subject keys differ from every other host's;
this command is how an operator creates it on purpose (then copies it to the others).
It never overwrites an existing key: rotating it unlinks every stored record from its
subject, and later erasures would miss them.
"""

from __future__ import annotations

import typer

from sentinel.config import Settings, create_key

keys_app = typer.Typer(help="The subject HMAC key.", no_args_is_help=True)


@keys_app.command("init")
def keys_init() -> None:
    """Create the subject key at SENTINEL_SUBJECT_KEY_FILE (or in the data dir), mode 0600."""
    settings = Settings()
    if settings.subject_key is not None:
        typer.echo("SENTINEL_SUBJECT_KEY is set: the key comes from it, no file is needed")
        return
    path = settings.subject_key_path
    try:
        create_key(path, exist_ok=False)
    except FileExistsError:
        typer.echo(f"a subject key already exists at {path}; it was left unchanged", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"cannot create {path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created the subject key at {path} (mode 0600): use the same file on every host")


def register(app: typer.Typer) -> None:
    """Add `sentinel keys` to the `sentinel` app."""
    app.add_typer(keys_app, name="keys")
