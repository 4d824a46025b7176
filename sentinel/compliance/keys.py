"""`sentinel keys init`: the one explicit way to create the subject and audit keys.

A key is otherwise created only in the default data dir, when neither its value nor its
`*_FILE` variable is set (a laptop, the demo). A set SENTINEL_SUBJECT_KEY_FILE or
SENTINEL_AUDIT_KEY_FILE that does not exist is an error everywhere, because a fresh key
there would silently make this host's subject keys differ from every other host's (or
the audit log look forged); this command is how an operator creates them on purpose
(then copies them to the other hosts). It never overwrites an existing key: a new
subject key unlinks every stored record from its subject, so later erasures would miss
them, and a new audit key makes the whole log unverifiable.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sentinel.compliance.auditkey import HeadAnchor, audit_key_path, head_path
from sentinel.config import Settings, create_key

keys_app = typer.Typer(help="The subject and audit keys.", no_args_is_help=True)


def _create(path: Path, what: str) -> bytes | None:
    """The new key, or None (and a message) when one is already there."""
    try:
        key = create_key(path, exist_ok=False)
    except FileExistsError:
        typer.echo(f"a {what} already exists at {path}; it was left unchanged", err=True)
        return None
    except OSError as exc:
        typer.echo(f"cannot create {path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created the {what} at {path} (mode 0600): use the same file on every host")
    return key


@keys_app.command("init")
def keys_init() -> None:
    """Create the subject key (SENTINEL_SUBJECT_KEY_FILE or the data dir) and the audit
    key (SENTINEL_AUDIT_KEY_FILE or the data dir), mode 0600; exit 1 if any existed."""
    settings = Settings()
    existed = False
    if settings.subject_secret is not None:
        typer.echo("SENTINEL_SUBJECT_SECRET is set: the subject key comes from it, no file")
    else:
        existed |= _create(settings.subject_key_path, "subject key") is None
    if settings.audit_key is not None:
        typer.echo("SENTINEL_AUDIT_KEY is set: the audit key comes from it, no file")
    else:
        key = _create(audit_key_path(settings), "audit key")
        if key is None:
            existed = True
        else:  # the head anchor is born with the key (sentinel.compliance.auditkey)
            HeadAnchor(head_path(settings), key).create()
    if existed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `sentinel keys` to the `sentinel` app."""
    app.add_typer(keys_app, name="keys")
